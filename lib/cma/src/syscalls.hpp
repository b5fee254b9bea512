// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The seam: every system call libcma makes goes through a Syscalls table.
// real_syscalls() is the kernel; unit tests fill a table with a scripted
// kernel (EPERM, EFAULT after some bytes, short counts, EINTR...) and open a
// handle on it with detail::open_process().
//
// Each handle keeps its own copy of the table, filled in once at open: a
// transfer costs one indirect call per system call, and there is no global
// state to swap or lock. A table of function pointers rather than a virtual
// interface keeps vtables and RTTI (and with them libstdc++) out of the
// library and out of the tests' way.
//
// Entries return a negative errno value on failure, never -1 with errno, so
// the rest of the library never looks at errno.
#ifndef CMA_SRC_SYSCALLS_HPP
#define CMA_SRC_SYSCALLS_HPP

#include <sys/types.h>
#include <sys/uio.h>

namespace cma::detail {

struct Syscalls {
    // process_vm_readv(2) / process_vm_writev(2): bytes moved or -errno.
    ssize_t (*process_vm_readv)(void *context, pid_t pid, const iovec *local, unsigned long nlocal,
                                const iovec *remote, unsigned long nremote, unsigned long flags) noexcept;
    ssize_t (*process_vm_writev)(void *context, pid_t pid, const iovec *local, unsigned long nlocal,
                                 const iovec *remote, unsigned long nremote, unsigned long flags) noexcept;
    // kill(2): 0 or -errno.
    int (*kill)(void *context, pid_t pid, int sig) noexcept;
    // Passed to every entry; unused by the real ones.
    void *context;
};

// The real kernel; what cma_process_open() uses.
const Syscalls &real_syscalls() noexcept;

} // namespace cma::detail

#endif // CMA_SRC_SYSCALLS_HPP
