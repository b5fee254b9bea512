// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The real system calls behind the seam (include/afbus/syscalls.hpp).
#include <afbus/syscalls.hpp>

#include <fcntl.h>
#include <liburing.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>

namespace afbus {
namespace {

template <typename T>
T result_or_errno(T ret) noexcept
{
    return ret < 0 ? static_cast<T>(-errno) : ret;
}

int real_socket(void * /*context*/, int domain, int type, int protocol) noexcept
{
    return result_or_errno(::socket(domain, type, protocol));
}

int real_connect(void * /*context*/, int fd, const sockaddr *addr, socklen_t len) noexcept
{
    return result_or_errno(::connect(fd, addr, len));
}

int real_bind(void * /*context*/, int fd, const sockaddr *addr, socklen_t len) noexcept
{
    return result_or_errno(::bind(fd, addr, len));
}

int real_listen(void * /*context*/, int fd, int backlog) noexcept
{
    return result_or_errno(::listen(fd, backlog));
}

int real_accept(void * /*context*/, int fd, int flags) noexcept
{
    return result_or_errno(::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC | flags));
}

ssize_t real_sendmsg(void * /*context*/, int fd, const msghdr *msg, int flags) noexcept
{
    return result_or_errno(::sendmsg(fd, msg, flags | MSG_NOSIGNAL));
}

ssize_t real_recvmsg(void * /*context*/, int fd, msghdr *msg, int flags) noexcept
{
    return result_or_errno(::recvmsg(fd, msg, flags | MSG_CMSG_CLOEXEC));
}

void real_close(void * /*context*/, int fd) noexcept
{
    ::close(fd);
}

int real_dup_cloexec(void * /*context*/, int fd) noexcept
{
    return result_or_errno(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
}

int real_poll(void * /*context*/, pollfd *fds, nfds_t nfds, int timeout_ms) noexcept
{
    return result_or_errno(::poll(fds, nfds, timeout_ms));
}

int real_setsockopt(void * /*context*/, int fd, int level, int name, const void *value, socklen_t len) noexcept
{
    return result_or_errno(::setsockopt(fd, level, name, value, len));
}

int real_getsockopt(void * /*context*/, int fd, int level, int name, void *value, socklen_t *len) noexcept
{
    return result_or_errno(::getsockopt(fd, level, name, value, len));
}

int real_getsockname(void * /*context*/, int fd, sockaddr *addr, socklen_t *len) noexcept
{
    return result_or_errno(::getsockname(fd, addr, len));
}

int real_ioctl_int(void * /*context*/, int fd, unsigned long request, int *value) noexcept
{
    return result_or_errno(::ioctl(fd, request, value));
}

int real_fcntl_flags(void * /*context*/, int fd, int set, int flags) noexcept
{
    return set != 0 ? result_or_errno(::fcntl(fd, F_SETFL, flags)) : result_or_errno(::fcntl(fd, F_GETFL));
}

uid_t real_getuid(void * /*context*/) noexcept
{
    return ::getuid();
}

int real_uring_init(void * /*context*/, unsigned entries, io_uring *ring) noexcept
{
    return ::io_uring_queue_init(entries, ring, 0); // already -errno
}

int real_uring_submit_and_wait(void * /*context*/, io_uring *ring, int timeout_ms) noexcept
{
    if (timeout_ms < 0) {
        return ::io_uring_submit_and_wait(ring, 1);
    }
    __kernel_timespec ts{.tv_sec = timeout_ms / 1000, .tv_nsec = (timeout_ms % 1000) * 1000000LL};
    io_uring_cqe *cqe = nullptr;
    const int ret = ::io_uring_submit_and_wait_timeout(ring, &cqe, 1, &ts, nullptr);
    return ret == -ETIME ? 0 : ret;
}

constexpr Syscalls real_table{
    .socket = real_socket,
    .connect = real_connect,
    .bind = real_bind,
    .listen = real_listen,
    .accept = real_accept,
    .sendmsg = real_sendmsg,
    .recvmsg = real_recvmsg,
    .close = real_close,
    .dup_cloexec = real_dup_cloexec,
    .poll = real_poll,
    .setsockopt = real_setsockopt,
    .getsockopt = real_getsockopt,
    .getsockname = real_getsockname,
    .ioctl_int = real_ioctl_int,
    .fcntl_flags = real_fcntl_flags,
    .getuid = real_getuid,
    .uring_init = real_uring_init,
    .uring_submit_and_wait = real_uring_submit_and_wait,
    .context = nullptr,
};

} // namespace

const Syscalls &real_syscalls() noexcept
{
    return real_table;
}

} // namespace afbus
