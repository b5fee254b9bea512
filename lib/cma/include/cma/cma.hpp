// SPDX-License-Identifier: LGPL-2.1-or-later
//
// C++23 interface to libcma.
//
// Header-only, inline over the C API in <cma/cma.h>, whose documentation is
// the reference for semantics and errors. libcma.so therefore exports C
// symbols only and its ABI does not depend on the C++ standard library.
//
// Nothing here throws or allocates. Results are std::expected: the value is
// the byte count (fewer than requested after a partial transfer, exactly as
// in C), the error a std::error_code in std::generic_category(), so it
// compares equal to std::errc values:
//
//     auto peer = cma::Process::open(pid);
//     if (!peer) { ... peer.error() == std::errc::no_such_process ... }
//     auto moved = peer->read(std::as_writable_bytes(std::span{buf}), remote_addr);
#ifndef CMA_CMA_HPP
#define CMA_CMA_HPP

#include <cma/cma.h>

#include <cstddef>
#include <expected>
#include <span>
#include <system_error>
#include <utility>

namespace cma {

// Bytes moved, or the error that stopped the transfer before any moved.
using Result = std::expected<std::size_t, std::error_code>;

namespace detail {

inline std::error_code errno_code(long negative_errno) noexcept
{
    return {static_cast<int>(-negative_errno), std::generic_category()};
}

inline Result to_result(ssize_t ret) noexcept
{
    if (ret < 0) {
        return std::unexpected{errno_code(ret)};
    }
    return static_cast<std::size_t>(ret);
}

} // namespace detail

// An owned struct cma_process. Move-only; a default-constructed or moved-from
// Process is empty, and transfers on it fail with std::errc::invalid_argument.
// Transfers are const: one Process may be used by several threads at once.
class Process {
public:
    Process() noexcept = default;

    // Adopts @handle (from cma_process_open()), which may be NULL.
    explicit Process(cma_process *handle) noexcept : handle_{handle} {}

    Process(Process &&other) noexcept : handle_{std::exchange(other.handle_, nullptr)} {}

    Process &operator=(Process &&other) noexcept
    {
        if (this != &other) {
            cma_process_close(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }

    Process(const Process &) = delete;
    Process &operator=(const Process &) = delete;

    ~Process() { cma_process_close(handle_); }

    // cma_process_open().
    [[nodiscard]] static std::expected<Process, std::error_code> open(pid_t pid, unsigned flags = 0) noexcept
    {
        cma_process *handle = nullptr;
        if (const int err = cma_process_open(pid, flags, &handle); err < 0) {
            return std::unexpected{detail::errno_code(err)};
        }
        return Process{handle};
    }

    [[nodiscard]] explicit operator bool() const noexcept { return handle_ != nullptr; }

    // The peer's pid; requires a non-empty Process.
    [[nodiscard]] pid_t pid() const noexcept { return cma_process_pid(handle_); }

    [[nodiscard]] cma_process *native_handle() const noexcept { return handle_; }

    // Gives up ownership; the caller must cma_process_close() the result.
    [[nodiscard]] cma_process *release() noexcept { return std::exchange(handle_, nullptr); }

    // cma_readv(): remote (in the peer) into local.
    [[nodiscard]] Result readv(std::span<const iovec> local, std::span<const iovec> remote,
                               unsigned flags = 0) const noexcept
    {
        return detail::to_result(
                cma_readv(handle_, local.data(), local.size(), remote.data(), remote.size(), flags));
    }

    // cma_writev(): local into remote (in the peer).
    [[nodiscard]] Result writev(std::span<const iovec> local, std::span<const iovec> remote,
                                unsigned flags = 0) const noexcept
    {
        return detail::to_result(
                cma_writev(handle_, local.data(), local.size(), remote.data(), remote.size(), flags));
    }

    // cma_read(): local.size() bytes from @remote (in the peer) into local.
    [[nodiscard]] Result read(std::span<std::byte> local, const void *remote, unsigned flags = 0) const noexcept
    {
        return detail::to_result(cma_read(handle_, local.data(), remote, local.size(), flags));
    }

    // cma_write(): local into local.size() bytes at @remote (in the peer).
    [[nodiscard]] Result write(std::span<const std::byte> local, void *remote, unsigned flags = 0) const noexcept
    {
        return detail::to_result(cma_write(handle_, local.data(), remote, local.size(), flags));
    }

private:
    cma_process *handle_ = nullptr;
};

} // namespace cma

#endif // CMA_CMA_HPP
