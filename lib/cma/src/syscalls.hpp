// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The seam: every system call, file read and libnuma call libcma makes goes
// through a Syscalls table. real_syscalls() is the kernel; unit tests fill a
// table with a scripted kernel (EPERM, EFAULT after some bytes, short counts,
// EINTR, a Yama ptrace_scope, a seccomp filter, two NUMA nodes...) and open a
// handle or a context on it with detail::open_process(),
// detail::open_pidfd() or detail::create_context().
//
// Each handle and each context keeps its own copy of the table, filled in
// once at open: a transfer costs one indirect call per system call, and there
// is no global state to swap or lock. A table of function pointers rather
// than a virtual interface keeps vtables and RTTI (and with them libstdc++)
// out of the library and out of the tests' way.
//
// Entries return a negative errno value on failure, never -1 with errno, so
// the rest of the library never looks at errno. They may be called from
// several threads at once (the pool's workers).
#ifndef CMA_SRC_SYSCALLS_HPP
#define CMA_SRC_SYSCALLS_HPP

#include <sched.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>

namespace cma::detail {

struct Syscalls {
    // process_vm_readv(2) / process_vm_writev(2): bytes moved or -errno.
    // @pid is a pid, or a pidfd when @flags has PROCESS_VM_PIDFD.
    ssize_t (*process_vm_readv)(void *context, pid_t pid, const iovec *local, unsigned long nlocal,
                                const iovec *remote, unsigned long nremote, unsigned long flags) noexcept;
    ssize_t (*process_vm_writev)(void *context, pid_t pid, const iovec *local, unsigned long nlocal,
                                 const iovec *remote, unsigned long nremote, unsigned long flags) noexcept;
    // kill(2), pidfd_send_signal(2) without siginfo: 0 or -errno.
    int (*kill)(void *context, pid_t pid, int sig) noexcept;
    int (*pidfd_send_signal)(void *context, int pidfd, int sig) noexcept;
    // fcntl(F_DUPFD_CLOEXEC): the new descriptor or -errno; close(2).
    int (*dup_cloexec)(void *context, int fd) noexcept;
    void (*close)(void *context, int fd) noexcept;
    // Up to @size bytes of a (/proc or /sys) file from its start: the byte
    // count or -errno. Not NUL-terminated.
    ssize_t (*read_file)(void *context, const char *path, char *buf, std::size_t size) noexcept;
    // readlink(2): the length or -errno. Not NUL-terminated.
    ssize_t (*read_link)(void *context, const char *path, char *buf, std::size_t size) noexcept;
    // The owner of a file, from stat(2): 0 or -errno.
    int (*owner_uid)(void *context, const char *path, uid_t *uid) noexcept;

    // The number of CPUs the calling thread may run on (sched_getaffinity),
    // or -errno.
    int (*cpu_count)(void *context) noexcept;
    // The number of NUMA nodes (libnuma's numa_max_node() + 1), or 0 when
    // libnuma reports that the system has no NUMA support.
    int (*numa_nodes)(void *context) noexcept;
    // The CPUs of @node (numa_node_to_cpus): 0 or -errno.
    int (*node_cpus)(void *context, int node, cpu_set_t *cpus) noexcept;
    // The node of the page holding each of @count addresses of process @pid
    // (0: the caller), as move_pages(2) without moving reports it: a node
    // number, or a negative errno for a page that is not present. Returns 0
    // or -errno for the call as a whole.
    int (*page_nodes)(void *context, pid_t pid, std::size_t count, const void *const *addresses,
                      int *nodes) noexcept;
    // sched_setaffinity(2) of the calling thread: 0 or -errno.
    int (*set_affinity)(void *context, const cpu_set_t *cpus) noexcept;

    // Passed to every entry; unused by the real ones.
    void *context;
};

// The real kernel; what cma_process_open() and cma_context_create() use.
const Syscalls &real_syscalls() noexcept;

} // namespace cma::detail

#endif // CMA_SRC_SYSCALLS_HPP
