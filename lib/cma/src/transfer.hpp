// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The transfer loop, shared by plain copies, the thread pool's slices and
// the reduce fallback.
#ifndef CMA_SRC_TRANSFER_HPP
#define CMA_SRC_TRANSFER_HPP

#include "iov_cursor.hpp"
#include "process.hpp"

#include <cstddef>
#include <span>

namespace cma::detail {

enum class Direction { read, write };

// How much a transfer moved, and the negative errno value that stopped it
// (0 if it moved everything it was asked to).
struct Moved {
    std::size_t bytes;
    int error;
};

// What the C API returns for @moved: the bytes if any moved, else the error.
inline ssize_t to_result(Moved moved) noexcept
{
    return moved.bytes > 0 ? static_cast<ssize_t>(moved.bytes) : moved.error;
}

// A validated transfer: @want bytes (min of both totals, > 0) between the
// two lists, with @flags as the kernel is to get them (PROCESS_VM_PIDFD for
// a pidfd handle, CMA_NOWAIT, and reduce bits when the kernel reduces).
struct Request {
    const cma_process *proc;
    Direction dir;
    std::span<const iovec> local;
    std::span<const iovec> remote;
    std::size_t want;
    unsigned long flags;
};

// Moves @len bytes (> 0) with the kernel, from where @local and @remote
// stand, advancing both by exactly what moved. Both lists must hold @len
// more bytes. With @cut, the windows given to the kernel end at @len; without
// it, the shorter list must end there (the kernel stops at the end of the
// shorter list, so no window needs cutting).
Moved move(const cma_process &proc, Direction dir, IovCursor &local, IovCursor &remote, std::size_t len,
           bool cut, unsigned long flags) noexcept;

// The whole request, on the calling thread.
Moved move_all(const Request &req) noexcept;

} // namespace cma::detail

#endif // CMA_SRC_TRANSFER_HPP
