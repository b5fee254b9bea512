// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A seam (afbus::Syscalls) that does the real thing, except for the
// failures a test arms: the next N sendmsg()/recvmsg()/poll() calls fail
// with a chosen errno, or sendmsg() writes at most K bytes at a time, or
// io_uring cannot be set up. Every call is counted.
#ifndef TESTS_AFBUS_FAKE_SYSCALLS_HPP
#define TESTS_AFBUS_FAKE_SYSCALLS_HPP

#include <afbus/syscalls.hpp>

#include <cstddef>

namespace afbus::testing {

struct Faults {
    int send_fail_count = 0; // the next N sendmsg() calls fail with send_errno
    int send_errno = 0;
    int recv_fail_count = 0; // the next N recvmsg() calls fail with recv_errno
    int recv_errno = 0;
    int poll_fail_count = 0; // the next N poll() calls fail with poll_errno
    int poll_errno = 0;
    std::size_t send_max_bytes = 0; // > 0: a short write of at most this
    int uring_init_errno = 0;       // > 0: io_uring_queue_init fails

    int sends = 0; // sendmsg() calls made, failed ones included
    int recvs = 0;
    int polls = 0;
};

class FakeSyscalls {
public:
    FakeSyscalls();
    FakeSyscalls(const FakeSyscalls &) = delete;
    FakeSyscalls &operator=(const FakeSyscalls &) = delete;
    FakeSyscalls(FakeSyscalls &&) = delete;
    FakeSyscalls &operator=(FakeSyscalls &&) = delete;
    ~FakeSyscalls() = default;
    [[nodiscard]] const Syscalls &table() const noexcept { return table_; }
    Faults faults;

private:
    Syscalls table_;
};

} // namespace afbus::testing

#endif // TESTS_AFBUS_FAKE_SYSCALLS_HPP
