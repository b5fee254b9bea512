// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Opening and closing handles, and the kernel's features. The library is
// built without exceptions and without libstdc++'s operator new: handles come
// from malloc().
#include "process.hpp"

#include "text.hpp"

#include <linux/process_vm.h>

#include <cerrno>
#include <cstdlib>
#include <new>

// cma.h spells the kernel's flag layout out for callers who do not have
// <linux/process_vm.h>; it must be the same.
static_assert(CMA_NOWAIT == PROCESS_VM_NOWAIT);
static_assert(CMA_OP_SHIFT == PROCESS_VM_OP_SHIFT && CMA_TYPE_SHIFT == PROCESS_VM_TYPE_SHIFT);
static_assert(CMA_OP_MASK == PROCESS_VM_OP_MASK && CMA_TYPE_MASK == PROCESS_VM_TYPE_MASK);
static_assert(CMA_REDUCE(SUM, S8) == PROCESS_VM_REDUCE(SUM, S8));
static_assert(CMA_REDUCE(PROD, U8) == PROCESS_VM_REDUCE(PROD, U8));
static_assert(CMA_REDUCE(MIN, S16) == PROCESS_VM_REDUCE(MIN, S16));
static_assert(CMA_REDUCE(MAX, U16) == PROCESS_VM_REDUCE(MAX, U16));
static_assert(CMA_REDUCE(BAND, S32) == PROCESS_VM_REDUCE(BAND, S32));
static_assert(CMA_REDUCE(BOR, U32) == PROCESS_VM_REDUCE(BOR, U32));
static_assert(CMA_REDUCE(BXOR, S64) == PROCESS_VM_REDUCE(BXOR, S64));
static_assert(CMA_REDUCE(SUM, U64) == PROCESS_VM_REDUCE(SUM, U64));
static_assert(CMA_REDUCE(SUM, F32) == PROCESS_VM_REDUCE(SUM, F32));
static_assert(CMA_REDUCE(SUM, F64) == PROCESS_VM_REDUCE(SUM, F64));

namespace cma::detail {
namespace {

cma_process *new_handle(pid_t pid, int pidfd, bool kernel_pidfd, const Syscalls &sys) noexcept
{
    void *mem = std::malloc(sizeof(cma_process));
    if (mem == nullptr) {
        return nullptr;
    }
    return ::new (mem) cma_process{
            .pid = pid,
            .pidfd = pidfd,
            .kernel_pidfd = kernel_pidfd,
            .sys = sys,
            .context = nullptr,
            .features = {0},
            .probe_lock = PTHREAD_MUTEX_INITIALIZER,
            .probed = false,
            .probe = {},
            .message = {},
    };
}

// process_vm_readv(0, NULL, 0, NULL, 0, @flags): the kernel checks the flags,
// then returns 0 for the empty local list before looking anything up.
ssize_t empty_call(const Syscalls &sys, unsigned long flags) noexcept
{
    return sys.process_vm_readv(sys.context, 0, nullptr, 0, nullptr, 0, flags);
}

} // namespace

KernelSupport probe_kernel(const Syscalls &sys) noexcept
{
    KernelSupport support{.base = empty_call(sys, 0), .features = 0};
    if (support.base != 0) {
        return support;
    }
    struct Probe {
        unsigned long flags;
        unsigned feature;
    };
    // F64 reduce fails with EOPNOTSUPP where the architecture has no kernel
    // FPU use; anything but 0 means "not available".
    constexpr std::array<Probe, 4> probes{{
            {PROCESS_VM_PIDFD, CMA_FEATURE_PIDFD},
            {PROCESS_VM_NOWAIT, CMA_FEATURE_NOWAIT},
            {PROCESS_VM_REDUCE(SUM, U8), CMA_FEATURE_REDUCE},
            {PROCESS_VM_REDUCE(SUM, F64), CMA_FEATURE_REDUCE_FLOAT},
    }};
    for (const Probe &probe : probes) {
        if (empty_call(sys, probe.flags) == 0) {
            support.features |= probe.feature;
        }
    }
    return support;
}

unsigned features(cma_process &proc) noexcept
{
    unsigned found = proc.features.load(std::memory_order_acquire);
    if ((found & kFeaturesKnown) == 0) {
        // Threads that get here at once all ask the kernel, and agree.
        found = probe_kernel(proc.sys).features | kFeaturesKnown;
        proc.features.store(found, std::memory_order_release);
    }
    return found & ~kFeaturesKnown;
}

static_assert(PROCESS_VM_PIDFD == 1, "target_flags()");

bool pidfd_exited(const cma_process &proc) noexcept
{
    // Signal 0 checks existence only; EPERM still means the process exists.
    // While it exists, and a zombie does, its pid cannot be reused.
    return proc.sys.pidfd_send_signal(proc.sys.context, proc.pidfd, 0) == -ESRCH;
}

int open_process(pid_t pid, unsigned flags, const Syscalls &sys, cma_process **out) noexcept
{
    if (out == nullptr) {
        return -EINVAL;
    }
    *out = nullptr;
    if (flags != 0 || pid <= 0) {
        return -EINVAL;
    }

    // Signal 0 checks existence only. EPERM says the process exists but we
    // may not signal it, which says nothing about CMA access: accept it and
    // let the first transfer report what the kernel decides.
    if (const int err = sys.kill(sys.context, pid, 0); err == -ESRCH) {
        return err;
    }

    *out = new_handle(pid, -1, false, sys);
    return *out != nullptr ? 0 : -ENOMEM;
}

int open_pidfd(int pidfd, unsigned flags, const Syscalls &sys, cma_process **out) noexcept
{
    if (out == nullptr) {
        return -EINVAL;
    }
    *out = nullptr;
    if (flags != 0 || pidfd < 0) {
        return -EINVAL;
    }
    // Our own descriptor first: the caller may close theirs at any time, and
    // dup fails with EBADF for a descriptor that is not open.
    const int fd = sys.dup_cloexec(sys.context, pidfd);
    if (fd < 0) {
        return fd;
    }
    const auto fail = [&](int err) {
        sys.close(sys.context, fd);
        return err;
    };

    // A pidfd's fdinfo has "Pid:" with the pid in the namespace of /proc:
    // -1 once the process has been reaped, 0 if it is outside that
    // namespace. No other kind of descriptor has that line.
    const SmallFile info{sys, fdinfo_path(fd).data()};
    if (info.error() < 0) {
        return fail(info.error() == -ENOENT ? -EBADF : info.error());
    }
    const std::optional<long> pid = field_number<long>(info, "Pid");
    if (!pid || *pid < -1) {
        return fail(-EBADF);
    }
    if (*pid == -1) {
        return fail(-ESRCH);
    }

    const unsigned found = probe_kernel(sys).features;
    const bool kernel_pidfd = (found & CMA_FEATURE_PIDFD) != 0;
    if (*pid == 0 && !kernel_pidfd) {
        return fail(-EOPNOTSUPP);
    }
    cma_process *proc = new_handle(static_cast<pid_t>(*pid), fd, kernel_pidfd, sys);
    if (proc == nullptr) {
        return fail(-ENOMEM);
    }
    proc->features.store(found | kFeaturesKnown, std::memory_order_relaxed);
    *out = proc;
    return 0;
}

} // namespace cma::detail

extern "C" int cma_process_open(pid_t pid, unsigned flags, cma_process **out) noexcept
{
    return cma::detail::open_process(pid, flags, cma::detail::real_syscalls(), out);
}

extern "C" int cma_process_open_pidfd(int pidfd, unsigned flags, cma_process **out) noexcept
{
    return cma::detail::open_pidfd(pidfd, flags, cma::detail::real_syscalls(), out);
}

extern "C" void cma_process_close(cma_process *proc) noexcept
{
    if (proc == nullptr) {
        return;
    }
    if (proc->pidfd >= 0) {
        proc->sys.close(proc->sys.context, proc->pidfd);
    }
    pthread_mutex_destroy(&proc->probe_lock);
    proc->~cma_process();
    std::free(proc);
}

extern "C" pid_t cma_process_pid(const cma_process *proc) noexcept
{
    return proc != nullptr ? proc->pid : -EINVAL;
}

extern "C" int cma_process_set_context(cma_process *proc, cma_context *ctx) noexcept
{
    if (proc == nullptr) {
        return -EINVAL;
    }
    proc->context = ctx;
    return 0;
}
