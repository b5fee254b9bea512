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
// Then the request goes one of four ways: the loop on the calling thread; a
// context's threads, each running the loop on a slice (pool.cpp); the kernel
// reducing, through the same loop; or the userspace reduce fallback
// (reduce.cpp), which runs the loop to and from a bounce buffer.
//
// Cost: a request that fits in one call (up to IOV_MAX elements a side, the
// usual case) reaches the kernel as the caller's own arrays: no copy, no
// allocation. Past that, a side that resumes at an element boundary is still
// passed as a slice of the caller's array; a side that resumes mid-element
// (or a slice that ends mid-element) needs its ends adjusted, so up to
// kScratchIovecs of its elements are copied to the stack. Copies never
// allocate; the price is that a call on a split list may consume as few as
// 128 elements of one side instead of up to IOV_MAX.
#include "transfer.hpp"

#include "pool.hpp"
#include "reduce.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <limits>
#include <span>

namespace cma::detail {
namespace {

// Stack space for copied windows (4 KiB), halved between the two sides when
// both need a copy.
constexpr std::size_t kScratchIovecs = 256;
static_assert(kScratchIovecs >= 2 && kScratchIovecs <= kIovMax);

constexpr auto kSsizeMax = static_cast<std::size_t>(std::numeric_limits<ssize_t>::max());

// Flags a caller may pass; bit 0 (PROCESS_VM_PIDFD) is the handle's business.
constexpr unsigned kTransferFlags = CMA_NOWAIT | CMA_OP_MASK | CMA_TYPE_MASK;

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
                    std::span<const iovec> remote, unsigned long flags) noexcept
{
    auto *const call = dir == Direction::read ? proc.sys.process_vm_readv : proc.sys.process_vm_writev;
    ssize_t ret = 0;
    do {
        ret = call(proc.sys.context, target(proc), local.data(), local.size(), remote.data(), remote.size(),
                   flags);
    } while (ret == -EINTR);
    return ret;
}

// The checks made before anything moves, in the kernel's order (flags, then
// the lists, then the reduce layout); 0 or a negative errno value. Sets
// @want to min(total local, total remote).
int validate(cma_process &proc, const iovec *local, std::size_t nlocal, const iovec *remote,
             std::size_t nremote, unsigned flags, const ReduceSpec &spec, std::size_t &want) noexcept
{
    if ((flags & CMA_NOWAIT) != 0 && (features(proc) & CMA_FEATURE_NOWAIT) == 0) {
        return -EOPNOTSUPP;
    }
    const ssize_t local_total = checked_total(local, nlocal);
    if (local_total < 0) {
        return static_cast<int>(local_total);
    }
    const ssize_t remote_total = checked_total(remote, nremote);
    if (remote_total < 0) {
        return static_cast<int>(remote_total);
    }
    if (spec.op != 0 && (!aligned({local, nlocal}, spec.size) || !aligned({remote, nremote}, spec.size))) {
        return -EINVAL;
    }
    want = static_cast<std::size_t>(std::min(local_total, remote_total));
    return 0;
}

[[gnu::hot]] ssize_t transfer(cma_process *proc, Direction dir, const iovec *local, std::size_t nlocal,
                              const iovec *remote, std::size_t nremote, unsigned flags) noexcept
{
    ReduceSpec spec{};
    if (proc == nullptr || (flags & ~kTransferFlags) != 0 ||
        ((flags & (CMA_OP_MASK | CMA_TYPE_MASK)) != 0 && decode_reduce(flags, spec) < 0)) {
        return -EINVAL;
    }
    std::size_t want = 0;
    if (const int err = validate(*proc, local, nlocal, remote, nremote, flags, spec, want); err < 0) {
        return err;
    }
    if (want == 0) {
        return 0;
    }

    Request req{
            .proc = proc,
            .dir = dir,
            .local = {local, nlocal},
            .remote = {remote, nremote},
            .want = want,
            .flags = target_flags(*proc) | (flags & CMA_NOWAIT),
    };
    Moved moved{};
    if (spec.op != 0) {
        if (kernel_reduces(features(*proc), spec)) {
            req.flags |= flags & (CMA_OP_MASK | CMA_TYPE_MASK);
            moved = move_all(req);
        } else {
            moved = reduce_fallback(req, spec);
        }
    } else if (proc->context != nullptr && splits(*proc->context, want)) {
        moved = parallel_copy(*proc->context, req);
    } else {
        moved = move_all(req);
    }
    if (peer_exited(*proc)) {
        return -ESRCH;
    }
    return to_result(moved);
}

// One element on each side. iovec has no const variant; the kernel only
// reads the source.
iovec single(const void *base, std::size_t len) noexcept
{
    return {const_cast<void *>(base), len};
}

} // namespace

// Not inlined: its 4 KiB of scratch windows stay off the stack of the
// usual one-call transfer. (Each page a transfer touches costs a TLB miss
// after the system call where the kernel isolates its page tables without
// PCID; on such a machine that is most of libcma's overhead.)
[[gnu::noinline]] Moved move(const cma_process &proc, Direction dir, IovCursor &local, IovCursor &remote,
                             std::size_t len, bool cut, unsigned long flags) noexcept
{
    // Left uninitialised: window() writes every element it hands out, and
    // zeroing 4 KiB on every call would cost more than a small transfer.
    std::array<iovec, kScratchIovecs> scratch; // NOLINT(cppcoreguidelines-pro-type-member-init)
    Moved moved{.bytes = 0, .error = 0};
    while (moved.bytes < len) {
        // Neither cursor is at its end: each side still has len - moved > 0
        // bytes, so skipping empty elements stops on a non-empty one.
        local.skip_consumed();
        remote.skip_consumed();
        std::span<iovec> local_scratch{scratch};
        std::span<iovec> remote_scratch{scratch};
        // Both sides may need a copy (a mid-element start, or a cut end), so
        // each gets its own half.
        if ((local.mid_element() && remote.mid_element()) || cut) {
            local_scratch = local_scratch.first(kScratchIovecs / 2);
            remote_scratch = remote_scratch.last(kScratchIovecs / 2);
        }
        const std::size_t left = len - moved.bytes;
        const std::size_t limit = cut ? left : kNoLimit;
        const ssize_t ret = call_kernel(proc, dir, local.window(local_scratch, limit),
                                        remote.window(remote_scratch, limit), flags);
        if (ret < 0) {
            moved.error = static_cast<int>(ret);
            return moved;
        }
        const auto n = static_cast<std::size_t>(ret);
        if (n == 0 || n > left) {
            // No progress, or more than was asked: impossible from Linux for
            // windows that start non-empty. Stop rather than spin or miscount.
            moved.error = -EIO;
            return moved;
        }
        moved.bytes += n;
        local.advance(n);
        remote.advance(n);
    }
    return moved;
}

[[gnu::hot]] Moved move_all(const Request &req) noexcept
{
    IovCursor local{req.local};
    IovCursor remote{req.remote};
    // The usual case first: lists that fit in one call go to the kernel as
    // they are, and the call moves everything. Only a list past IOV_MAX or
    // a short count needs move() and its stack of scratch windows.
    if (req.local.size() <= kIovMax && req.remote.size() <= kIovMax) {
        const ssize_t ret = call_kernel(*req.proc, req.dir, req.local, req.remote, req.flags);
        if (ret < 0) {
            return {.bytes = 0, .error = static_cast<int>(ret)};
        }
        const auto n = static_cast<std::size_t>(ret);
        if (n == req.want) {
            return {.bytes = n, .error = 0};
        }
        if (n == 0 || n > req.want) {
            return {.bytes = 0, .error = -EIO}; // as in move()
        }
        local.advance(n);
        remote.advance(n);
        Moved rest = move(*req.proc, req.dir, local, remote, req.want - n, false, req.flags);
        rest.bytes += n;
        return rest;
    }
    return move(*req.proc, req.dir, local, remote, req.want, false, req.flags);
}

} // namespace cma::detail

using cma::detail::Direction;

extern "C" [[gnu::hot]] ssize_t cma_readv(cma_process *proc, const iovec *local, size_t nlocal, const iovec *remote,
                             size_t nremote, unsigned flags) noexcept
{
    return cma::detail::transfer(proc, Direction::read, local, nlocal, remote, nremote, flags);
}

extern "C" [[gnu::hot]] ssize_t cma_writev(cma_process *proc, const iovec *local, size_t nlocal, const iovec *remote,
                              size_t nremote, unsigned flags) noexcept
{
    return cma::detail::transfer(proc, Direction::write, local, nlocal, remote, nremote, flags);
}

extern "C" [[gnu::hot]] ssize_t cma_read(cma_process *proc, void *local, const void *remote, size_t len,
                            unsigned flags) noexcept
{
    const iovec local_iov = cma::detail::single(local, len);
    const iovec remote_iov = cma::detail::single(remote, len);
    return cma::detail::transfer(proc, Direction::read, &local_iov, 1, &remote_iov, 1, flags);
}

extern "C" [[gnu::hot]] ssize_t cma_write(cma_process *proc, const void *local, void *remote, size_t len,
                             unsigned flags) noexcept
{
    const iovec local_iov = cma::detail::single(local, len);
    const iovec remote_iov = cma::detail::single(remote, len);
    return cma::detail::transfer(proc, Direction::write, &local_iov, 1, &remote_iov, 1, flags);
}
