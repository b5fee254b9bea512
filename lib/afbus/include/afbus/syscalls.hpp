// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The seam: every system call libafbus makes goes through a Syscalls table.
// real_syscalls() is the kernel. Tests copy it, replace entries to inject
// failures (EAGAIN, EINTR, short writes, ECONNRESET...) and hand the table
// to the objects they open (Connection::Options::syscalls, EventLoop, the
// socket constructors); each object keeps a pointer to the table, which
// must outlive it.
//
// Entries return a negative errno value on failure, never -1 with errno, so
// the rest of the library never looks at errno. A table of function pointers
// rather than a virtual interface, as in libcma: no vtables, no RTTI.
#ifndef AFBUS_SYSCALLS_HPP
#define AFBUS_SYSCALLS_HPP

#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>

struct io_uring;

namespace afbus {

struct Syscalls {
    // socket(2), with SOCK_CLOEXEC added by the caller: fd or -errno.
    int (*socket)(void *context, int domain, int type, int protocol) noexcept;
    int (*connect)(void *context, int fd, const sockaddr *addr, socklen_t len) noexcept;
    int (*bind)(void *context, int fd, const sockaddr *addr, socklen_t len) noexcept;
    int (*listen)(void *context, int fd, int backlog) noexcept;
    // accept4(2) with SOCK_CLOEXEC | @flags: fd or -errno.
    int (*accept)(void *context, int fd, int flags) noexcept;
    // sendmsg(2) / recvmsg(2): bytes or -errno.
    ssize_t (*sendmsg)(void *context, int fd, const msghdr *msg, int flags) noexcept;
    ssize_t (*recvmsg)(void *context, int fd, msghdr *msg, int flags) noexcept;
    void (*close)(void *context, int fd) noexcept;
    // fcntl(F_DUPFD_CLOEXEC): a queued message keeps its own copy of the
    // fds it carries. The new fd or -errno.
    int (*dup_cloexec)(void *context, int fd) noexcept;
    // poll(2) with a millisecond timeout (-1: forever): ready count or -errno.
    int (*poll)(void *context, pollfd *fds, nfds_t nfds, int timeout_ms) noexcept;
    int (*setsockopt)(void *context, int fd, int level, int name, const void *value, socklen_t len) noexcept;
    int (*getsockopt)(void *context, int fd, int level, int name, void *value, socklen_t *len) noexcept;
    int (*getsockname)(void *context, int fd, sockaddr *addr, socklen_t *len) noexcept;
    // ioctl(2) with an int argument (SIOCINQ, SIOCOUTQ): 0 or -errno.
    int (*ioctl_int)(void *context, int fd, unsigned long request, int *value) noexcept;
    // fcntl(F_GETFL / F_SETFL): flags / 0, or -errno.
    int (*fcntl_flags)(void *context, int fd, int set, int flags) noexcept;
    // getuid(2), for SASL EXTERNAL.
    uid_t (*getuid)(void *context) noexcept;
    // io_uring_queue_init(3) and io_uring_submit_and_wait_timeout(3) of
    // liburing: 0 / completions or -errno. A test makes the first fail with
    // -ENOSYS to exercise the poll() fallback of the event loop.
    int (*uring_init)(void *context, unsigned entries, io_uring *ring) noexcept;
    int (*uring_submit_and_wait)(void *context, io_uring *ring, int timeout_ms) noexcept;

    // Passed to every entry; unused by the real ones.
    void *context;
};

// The kernel. What every object uses unless told otherwise.
const Syscalls &real_syscalls() noexcept;

} // namespace afbus

#endif // AFBUS_SYSCALLS_HPP
