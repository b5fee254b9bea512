// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The real system calls behind the seam. The libc wrappers are used rather
// than syscall(2) so that sanitizers see the memory the kernel writes.
#include "syscalls.hpp"

#include <cerrno>
#include <csignal>

namespace cma::detail {
namespace {

ssize_t real_process_vm_readv(void * /*context*/, pid_t pid, const iovec *local, unsigned long nlocal,
                              const iovec *remote, unsigned long nremote, unsigned long flags) noexcept
{
    const ssize_t ret = ::process_vm_readv(pid, local, nlocal, remote, nremote, flags);
    return ret < 0 ? -errno : ret;
}

ssize_t real_process_vm_writev(void * /*context*/, pid_t pid, const iovec *local, unsigned long nlocal,
                               const iovec *remote, unsigned long nremote, unsigned long flags) noexcept
{
    const ssize_t ret = ::process_vm_writev(pid, local, nlocal, remote, nremote, flags);
    return ret < 0 ? -errno : ret;
}

int real_kill(void * /*context*/, pid_t pid, int sig) noexcept
{
    return ::kill(pid, sig) < 0 ? -errno : 0;
}

constexpr Syscalls kReal{
        .process_vm_readv = real_process_vm_readv,
        .process_vm_writev = real_process_vm_writev,
        .kill = real_kill,
        .context = nullptr,
};

} // namespace

const Syscalls &real_syscalls() noexcept
{
    return kReal;
}

} // namespace cma::detail
