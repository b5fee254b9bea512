// SPDX-License-Identifier: LGPL-2.1-or-later
//
// afbus::Fd: an owned file descriptor, closed through the seam that opened
// it. Move-only; -1 when empty.
#ifndef AFBUS_FD_HPP
#define AFBUS_FD_HPP

#include <afbus/syscalls.hpp>

#include <utility>

namespace afbus {

class Fd {
public:
    Fd() noexcept = default;
    explicit Fd(int fd, const Syscalls &sys = real_syscalls()) noexcept : fd_{fd}, sys_{&sys} {}
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    Fd(Fd &&other) noexcept : fd_{std::exchange(other.fd_, -1)}, sys_{other.sys_} {}
    Fd &operator=(Fd &&other) noexcept
    {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
            sys_ = other.sys_;
        }
        return *this;
    }
    ~Fd() { reset(); }

    [[nodiscard]] int get() const noexcept { return fd_; }
    [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
    explicit operator bool() const noexcept { return valid(); }
    // Gives up ownership.
    [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }
    void reset() noexcept
    {
        if (fd_ >= 0) {
            sys_->close(sys_->context, fd_);
            fd_ = -1;
        }
    }
    // Closes the fd held, if any, and owns @fd instead (closed through the
    // same seam).
    void reset(int fd) noexcept
    {
        reset();
        fd_ = fd;
    }

private:
    int fd_ = -1;
    const Syscalls *sys_ = &real_syscalls();
};

} // namespace afbus

#endif // AFBUS_FD_HPP
