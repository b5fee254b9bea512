// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The context behind the opaque struct cma_context: a lazily started pool of
// threads that moves the slices of large copies, NUMA-aware.
#ifndef CMA_SRC_POOL_HPP
#define CMA_SRC_POOL_HPP

#include <cma/cma.h>

#include "syscalls.hpp"
#include "transfer.hpp"

#include <cstddef>

namespace cma::detail {

// At most this many slices (and so threads) per transfer.
inline constexpr std::size_t kMaxSlices = 64;
// Slices are cut at multiples of this (a page), and never made smaller than
// kMinSlice.
inline constexpr std::size_t kSliceAlign = 4096;
inline constexpr std::size_t kMinSlice = std::size_t{64} << 10U;

// cma_context_create() with its system calls, libnuma calls and CPU queries
// routed through @sys (copied; its context must outlive the context).
int create_context(unsigned threads, unsigned flags, const Syscalls &sys, cma_context **out) noexcept;

// Whether a copy of @want bytes is split across @ctx's threads.
bool splits(const cma_context &ctx, std::size_t want) noexcept;

// The copy, split into slices run by the pool (and, without NUMA placement,
// the calling thread). The result is the contiguous prefix that completed:
// the slices before the first short one, plus what that one moved, and its
// error.
Moved parallel_copy(cma_context &ctx, const Request &req) noexcept;

} // namespace cma::detail

#endif // CMA_SRC_POOL_HPP
