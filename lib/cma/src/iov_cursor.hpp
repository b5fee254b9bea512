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

class IovCursor {
public:
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

    // Up to kIovMax elements from here on. At an element boundary that is a
    // slice of the caller's own array (no copy). In the middle of an element
    // the window starts with the unconsumed rest of it, so it has to be a
    // copy: it goes to @scratch (1 to kIovMax entries) and is as long as that.
    // Requires !at_end().
    [[nodiscard]] std::span<const iovec> window(std::span<iovec> scratch) const noexcept
    {
        const std::span<const iovec> rest = list_.subspan(index_);
        if (offset_ == 0) {
            return rest.first(std::min(rest.size(), kIovMax));
        }
        const std::size_t count = std::min(rest.size(), scratch.size());
        const iovec &head = rest.front();
        // Integer arithmetic: a remote address is not a pointer into any
        // object of ours.
        scratch[0].iov_base = reinterpret_cast<void *>( // NOLINT(performance-no-int-to-ptr)
                reinterpret_cast<std::uintptr_t>(head.iov_base) + offset_);
        scratch[0].iov_len = head.iov_len - offset_;
        std::copy_n(rest.begin() + 1, count - 1, scratch.begin() + 1);
        return scratch.first(count);
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
