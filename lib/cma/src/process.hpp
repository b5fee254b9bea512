// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The handle behind the opaque struct cma_process.
#ifndef CMA_SRC_PROCESS_HPP
#define CMA_SRC_PROCESS_HPP

#include <cma/cma.h>

#include "syscalls.hpp"

// Immutable after open, which is what makes concurrent transfers on one
// handle safe without locking.
struct cma_process {
    pid_t pid;
    cma::detail::Syscalls sys;
};

namespace cma::detail {

// cma_process_open() with the system calls routed through @sys (copied into
// the handle; its context must outlive the handle). Tests use it to put a
// scripted kernel behind a handle.
int open_process(pid_t pid, unsigned flags, const Syscalls &sys, cma_process **out) noexcept;

} // namespace cma::detail

#endif // CMA_SRC_PROCESS_HPP
