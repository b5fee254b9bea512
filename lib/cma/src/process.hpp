// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The handle behind the opaque struct cma_process.
#ifndef CMA_SRC_PROCESS_HPP
#define CMA_SRC_PROCESS_HPP

#include <cma/cma.h>

#include "syscalls.hpp"

#include <pthread.h>

#include <array>
#include <atomic>

// Everything a transfer reads is set at open (or by
// cma_process_set_context(), which must not race with transfers), which is
// what makes concurrent transfers on one handle safe without locking. The
// kernel's features are found once, on first need, and published with an
// atomic; the probe result is computed once under probe_lock.
struct cma_process {
    pid_t pid;
    // The handle's own duplicate of the caller's pidfd, or -1 for a handle
    // opened by pid.
    int pidfd;
    // Transfers pass pidfd with PROCESS_VM_PIDFD (else pid, without it).
    bool kernel_pidfd;
    cma::detail::Syscalls sys;
    cma_context *context;

    // CMA_FEATURE_* | kFeaturesKnown once found; 0 before.
    std::atomic<unsigned> features;

    pthread_mutex_t probe_lock;
    bool probed;
    cma_probe_result probe;
    std::array<char, 1024> message;
};

namespace cma::detail {

// Set in cma_process::features once the features are known.
inline constexpr unsigned kFeaturesKnown = 1U << 31U;

// What the kernel says to the empty calls the feature probe makes.
struct KernelSupport {
    // process_vm_readv(0, NULL, 0, NULL, 0, 0): 0 when the system call is
    // there and allowed, else -ENOSYS or -EPERM (CONFIG_CROSS_MEMORY_ATTACH
    // off, or seccomp).
    ssize_t base;
    unsigned features; // CMA_FEATURE_*
};

KernelSupport probe_kernel(const Syscalls &sys) noexcept;

// The kernel's CMA_FEATURE_* bits, found on first use and then cached in the
// handle.
unsigned features(cma_process &proc) noexcept;

// What process_vm_readv/writev take as their first argument for @proc, and
// the flags that go with it.
inline pid_t target(const cma_process &proc) noexcept
{
    return proc.kernel_pidfd ? proc.pidfd : proc.pid;
}

// PROCESS_VM_PIDFD (bit 0 of the kernel's flags) for a handle that passes
// its pidfd, else 0.
inline unsigned long target_flags(const cma_process &proc) noexcept
{
    return proc.kernel_pidfd ? 1UL : 0UL;
}

// Whether a pidfd's process has exited (pidfd_send_signal(fd, 0) is ESRCH).
bool pidfd_exited(const cma_process &proc) noexcept;

// For a pidfd handle that transfers by pid (a kernel without
// PROCESS_VM_PIDFD): whether the peer has exited, so that the pid a transfer
// used may have named another process. Always false for other handles.
inline bool peer_exited(const cma_process &proc) noexcept
{
    return proc.pidfd >= 0 && !proc.kernel_pidfd && pidfd_exited(proc);
}

// cma_process_open() / cma_process_open_pidfd() with the system calls routed
// through @sys (copied into the handle; its context must outlive the handle).
// Tests use them to put a scripted kernel behind a handle.
int open_process(pid_t pid, unsigned flags, const Syscalls &sys, cma_process **out) noexcept;
int open_pidfd(int pidfd, unsigned flags, const Syscalls &sys, cma_process **out) noexcept;

} // namespace cma::detail

#endif // CMA_SRC_PROCESS_HPP
