// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A position in a scatter-gather list (element index + offset into it), and
// the kernel-sized window of the list that starts there.
#ifndef CMA_SRC_IOV_CURSOR_HPP
#define CMA_SRC_IOV_CURSOR_HPP

#include <sys/uio.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

namespace cma::detail {

// Most elements one process_vm_readv/writev call accepts on either side
// (UIO_MAXIOV; more is EINVAL).
inline constexpr std::size_t kIovMax = 1024;

// Most bytes one call moves (MAX_RW_COUNT, INT_MAX rounded down to a page).
// The kernel truncates the local list there and returns a short count, which
// the transfer loop resumes like any other; nothing needs to cut at it first.
inline constexpr std::size_t kMaxRwCount = 0x7ffff000;

// IovCursor::window() without a byte limit.
inline constexpr std::size_t kNoLimit = SIZE_MAX;

class IovCursor {
public:
    IovCursor() noexcept = default;
    explicit IovCursor(std::span<const iovec> list) noexcept : list_{list} {}

    // Steps over elements that are empty or fully consumed, so that a window
    // never starts with bytes the kernel would not count.
    void skip_consumed() noexcept
    {
        while (index_ < list_.size() && offset_ == list_[index_].iov_len) {
            ++index_;
            offset_ = 0;
        }
    }

    [[nodiscard]] bool at_end() const noexcept { return index_ == list_.size(); }

    [[nodiscard]] bool mid_element() const noexcept { return offset_ != 0; }

    // Up to kIovMax elements from here on, holding at most @limit bytes:
    // the last one is cut short if need be. Without a limit the window may
    // hold more than the transfer wants, and the other side's window (which
    // ends where its list does) bounds the call.
    // At an element boundary, when no cut is needed, that is a slice of the
    // caller's own array (no copy). Otherwise the window has to be a copy,
    // starting with the unconsumed rest of the current element: it goes to
    // @scratch (1 to kIovMax entries) and is at most as long as that.
    // Requires !at_end() and @limit > 0.
    [[nodiscard]] std::span<const iovec> window(std::span<iovec> scratch,
                                                std::size_t limit = kNoLimit) const noexcept
    {
        const std::span<const iovec> rest = list_.subspan(index_);
        if (offset_ == 0) {
            const std::span<const iovec> whole = rest.first(std::min(rest.size(), kIovMax));
            if (limit == kNoLimit) {
                return whole;
            }
            std::size_t count = 0;
            std::size_t bytes = 0;
            while (count < whole.size() && whole[count].iov_len <= limit - bytes) {
                bytes += whole[count].iov_len;
                ++count;
            }
            if (count == whole.size() || bytes == limit) {
                return whole.first(count);
            }
        }
        std::size_t count = 0;
        std::size_t bytes = 0;
        for (std::size_t i = 0; i < rest.size() && count < scratch.size() && bytes < limit; ++i) {
            const std::size_t skip = i == 0 ? offset_ : 0;
            // Integer arithmetic: a remote address is not a pointer into any
            // object of ours.
            scratch[count].iov_base = reinterpret_cast<void *>( // NOLINT(performance-no-int-to-ptr)
                    reinterpret_cast<std::uintptr_t>(rest[i].iov_base) + skip);
            scratch[count].iov_len = std::min(rest[i].iov_len - skip, limit - bytes);
            bytes += scratch[count].iov_len;
            ++count;
        }
        return scratch.first(count);
    }

    // The address of the next byte (of the current element, after
    // skip_consumed()).
    [[nodiscard]] std::uintptr_t address() const noexcept
    {
        return reinterpret_cast<std::uintptr_t>(list_[index_].iov_base) + offset_;
    }

    // Calls @fn(pointer, length) for each contiguous piece of the next
    // @bytes, in order, and consumes them. For local lists, whose addresses
    // are ours.
    template <typename Fn>
    void for_each_piece(std::size_t bytes, Fn &&fn) noexcept
    {
        while (bytes > 0) {
            skip_consumed();
            const iovec &element = list_[index_];
            const std::size_t piece = std::min(bytes, element.iov_len - offset_);
            fn(static_cast<std::byte *>(element.iov_base) + offset_, piece);
            offset_ += piece;
            bytes -= piece;
        }
    }

    // Consumes @bytes, which must not exceed what is left.
    void advance(std::size_t bytes) noexcept
    {
        while (bytes > 0) {
            const std::size_t left = list_[index_].iov_len - offset_;
            if (bytes < left) {
                offset_ += bytes;
                return;
            }
            bytes -= left;
            ++index_;
            offset_ = 0;
        }
    }

private:
    std::span<const iovec> list_;
    std::size_t index_ = 0;
    std::size_t offset_ = 0;
};

} // namespace cma::detail

#endif // CMA_SRC_IOV_CURSOR_HPP
