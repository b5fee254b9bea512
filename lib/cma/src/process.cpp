// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Opening and closing handles. The library is built without exceptions and
// without libstdc++'s operator new: handles come from malloc().
#include "process.hpp"

#include <cerrno>
#include <cstdlib>
#include <new>
#include <type_traits>

static_assert(std::is_trivially_destructible_v<cma_process>, "cma_process_close() only frees");

namespace cma::detail {

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

    void *mem = std::malloc(sizeof(cma_process));
    if (mem == nullptr) {
        return -ENOMEM;
    }
    *out = ::new (mem) cma_process{pid, sys};
    return 0;
}

} // namespace cma::detail

extern "C" int cma_process_open(pid_t pid, unsigned flags, cma_process **out) noexcept
{
    return cma::detail::open_process(pid, flags, cma::detail::real_syscalls(), out);
}

extern "C" void cma_process_close(cma_process *proc) noexcept
{
    std::free(proc);
}

extern "C" pid_t cma_process_pid(const cma_process *proc) noexcept
{
    return proc != nullptr ? proc->pid : -EINVAL;
}
