// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The transfer loop behind cma_readv/cma_writev/cma_read/cma_write.
//
// The kernel moves at most IOV_MAX elements per side and MAX_RW_COUNT bytes
// per call, and may stop anywhere, in the middle of an element included, at
// a fault or at that clamp. So: validate both lists once, then call the
// kernel on windows of them, advancing a cursor on each side by exactly the
// bytes it reports, until min(total local, total remote) bytes have moved or
// it reports an error.
//
// Cost: a request that fits in one call (up to IOV_MAX elements a side, the
// usual case) reaches the kernel as the caller's own arrays: no copy, no
// allocation. Past that, a side that resumes at an element boundary is still
// passed as a slice of the caller's array; a side that resumes mid-element
// needs its first element adjusted, so up to kScratchIovecs of its elements
// are copied to the stack. Nothing ever allocates; the price is that a call
// on a split list may consume as few as 128 elements of one side instead of
// up to IOV_MAX.
#include "iov_cursor.hpp"
#include "process.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <limits>
#include <span>

namespace cma::detail {
namespace {

enum class Direction { read, write };

// Stack space for copied windows (4 KiB), halved between the two sides when
// both resume mid-element.
constexpr std::size_t kScratchIovecs = 256;
static_assert(kScratchIovecs >= 2 && kScratchIovecs <= kIovMax);

constexpr auto kSsizeMax = static_cast<std::size_t>(std::numeric_limits<ssize_t>::max());

// Total length of a list, or -EINVAL if it is NULL with a non-zero count or
// an element or the total exceeds SSIZE_MAX (the kernel calls such lengths
// negative, and such a total could not be returned).
ssize_t checked_total(const iovec *iov, std::size_t count) noexcept
{
    if (iov == nullptr && count != 0) {
        return -EINVAL;
    }
    std::size_t total = 0;
    for (const iovec &element : std::span{iov, count}) {
        if (element.iov_len > kSsizeMax - total) {
            return -EINVAL;
        }
        total += element.iov_len;
    }
    return static_cast<ssize_t>(total);
}

ssize_t call_kernel(const cma_process &proc, Direction dir, std::span<const iovec> local,
                    std::span<const iovec> remote) noexcept
{
    ssize_t ret = 0;
    do {
        ret = dir == Direction::read
                      ? proc.sys.process_vm_readv(proc.sys.context, proc.pid, local.data(), local.size(),
                                                  remote.data(), remote.size(), 0)
                      : proc.sys.process_vm_writev(proc.sys.context, proc.pid, local.data(), local.size(),
                                                   remote.data(), remote.size(), 0);
    } while (ret == -EINTR);
    return ret;
}

ssize_t transfer(const cma_process *proc, Direction dir, const iovec *local, std::size_t nlocal,
                 const iovec *remote, std::size_t nremote, unsigned flags) noexcept
{
    if (proc == nullptr || flags != 0) {
        return -EINVAL;
    }
    const ssize_t local_total = checked_total(local, nlocal);
    if (local_total < 0) {
        return local_total;
    }
    const ssize_t remote_total = checked_total(remote, nremote);
    if (remote_total < 0) {
        return remote_total;
    }
    const auto want = static_cast<std::size_t>(std::min(local_total, remote_total));

    IovCursor local_pos{{local, nlocal}};
    IovCursor remote_pos{{remote, nremote}};
    // Left uninitialised: window() writes every element it hands out, and
    // zeroing 4 KiB on every call would cost more than a small transfer.
    std::array<iovec, kScratchIovecs> scratch; // NOLINT(cppcoreguidelines-pro-type-member-init)
    std::size_t moved = 0;
    while (moved < want) {
        // Neither cursor is at its end: each side still has want - moved > 0
        // bytes, so skipping empty elements stops on a non-empty one.
        local_pos.skip_consumed();
        remote_pos.skip_consumed();
        std::span<iovec> local_scratch{scratch};
        std::span<iovec> remote_scratch{scratch};
        if (local_pos.mid_element() && remote_pos.mid_element()) {
            local_scratch = local_scratch.first(kScratchIovecs / 2);
            remote_scratch = remote_scratch.last(kScratchIovecs / 2);
        }
        const ssize_t ret = call_kernel(*proc, dir, local_pos.window(local_scratch),
                                        remote_pos.window(remote_scratch));
        if (ret < 0) {
            return moved > 0 ? static_cast<ssize_t>(moved) : ret;
        }
        const auto n = static_cast<std::size_t>(ret);
        if (n == 0 || n > want - moved) {
            // No progress, or more than was asked: impossible from Linux for
            // windows that start non-empty. Stop rather than spin or miscount.
            return moved > 0 ? static_cast<ssize_t>(moved) : -EIO;
        }
        moved += n;
        if (moved == want) {
            break;
        }
        local_pos.advance(n);
        remote_pos.advance(n);
    }
    return static_cast<ssize_t>(moved);
}

// One element on each side. iovec has no const variant; the kernel only
// reads the source.
iovec single(const void *base, std::size_t len) noexcept
{
    return {const_cast<void *>(base), len};
}

} // namespace
} // namespace cma::detail

using cma::detail::Direction;

extern "C" ssize_t cma_readv(cma_process *proc, const iovec *local, size_t nlocal, const iovec *remote,
                             size_t nremote, unsigned flags) noexcept
{
    return cma::detail::transfer(proc, Direction::read, local, nlocal, remote, nremote, flags);
}

extern "C" ssize_t cma_writev(cma_process *proc, const iovec *local, size_t nlocal, const iovec *remote,
                              size_t nremote, unsigned flags) noexcept
{
    return cma::detail::transfer(proc, Direction::write, local, nlocal, remote, nremote, flags);
}

extern "C" ssize_t cma_read(cma_process *proc, void *local, const void *remote, size_t len,
                            unsigned flags) noexcept
{
    const iovec local_iov = cma::detail::single(local, len);
    const iovec remote_iov = cma::detail::single(remote, len);
    return cma::detail::transfer(proc, Direction::read, &local_iov, 1, &remote_iov, 1, flags);
}

extern "C" ssize_t cma_write(cma_process *proc, const void *local, void *remote, size_t len,
                             unsigned flags) noexcept
{
    const iovec local_iov = cma::detail::single(local, len);
    const iovec remote_iov = cma::detail::single(remote, len);
    return cma::detail::transfer(proc, Direction::write, &local_iov, 1, &remote_iov, 1, flags);
}
