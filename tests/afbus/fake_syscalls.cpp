// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fake_syscalls.hpp"

#include <sys/uio.h>

#include <algorithm>

namespace afbus::testing {
namespace {

Faults &faults_of(void *context)
{
    return *static_cast<Faults *>(context);
}

// Consumes one armed failure: its -errno, or 0 when none is armed.
int take(int &count, int err)
{
    if (count > 0) {
        --count;
        return -err;
    }
    return 0;
}

ssize_t fake_sendmsg(void *context, int fd, const msghdr *msg, int flags) noexcept
{
    Faults &f = faults_of(context);
    ++f.sends;
    if (const int err = take(f.send_fail_count, f.send_errno); err != 0) {
        return err;
    }
    const Syscalls &real = real_syscalls();
    if (f.send_max_bytes == 0 || msg->msg_iovlen != 1 || msg->msg_iov[0].iov_len <= f.send_max_bytes) {
        return real.sendmsg(real.context, fd, msg, flags);
    }
    msghdr shorter = *msg;
    iovec iov = msg->msg_iov[0];
    iov.iov_len = f.send_max_bytes;
    shorter.msg_iov = &iov;
    return real.sendmsg(real.context, fd, &shorter, flags);
}

ssize_t fake_recvmsg(void *context, int fd, msghdr *msg, int flags) noexcept
{
    Faults &f = faults_of(context);
    ++f.recvs;
    if (const int err = take(f.recv_fail_count, f.recv_errno); err != 0) {
        return err;
    }
    const Syscalls &real = real_syscalls();
    return real.recvmsg(real.context, fd, msg, flags);
}

int fake_poll(void *context, pollfd *fds, nfds_t nfds, int timeout_ms) noexcept
{
    Faults &f = faults_of(context);
    ++f.polls;
    if (const int err = take(f.poll_fail_count, f.poll_errno); err != 0) {
        return err;
    }
    const Syscalls &real = real_syscalls();
    return real.poll(real.context, fds, nfds, timeout_ms);
}

int fake_uring_init(void *context, unsigned entries, io_uring *ring) noexcept
{
    const Faults &f = faults_of(context);
    if (f.uring_init_errno != 0) {
        return -f.uring_init_errno;
    }
    const Syscalls &real = real_syscalls();
    return real.uring_init(real.context, entries, ring);
}

} // namespace

FakeSyscalls::FakeSyscalls() : table_{real_syscalls()}
{
    table_.sendmsg = fake_sendmsg;
    table_.recvmsg = fake_recvmsg;
    table_.poll = fake_poll;
    table_.uring_init = fake_uring_init;
    table_.context = &faults;
}

} // namespace afbus::testing
