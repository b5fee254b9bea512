// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Reductions: decoding CMA_REDUCE() flags, the kernel's layout rules, the
// element-wise combine with the kernel's exact results, and the userspace
// fallback for kernels that do not reduce.
#ifndef CMA_SRC_REDUCE_HPP
#define CMA_SRC_REDUCE_HPP

#include "transfer.hpp"

#include <sys/uio.h>

#include <cstddef>
#include <span>

namespace cma::detail {

struct ReduceSpec {
    unsigned op;       // CMA_OP_*, 0 for a plain copy
    unsigned type;     // CMA_TYPE_*, 0 for a plain copy
    std::size_t size;  // bytes per element
    bool floating;     // F32 or F64
};

// The reduce bits of transfer @flags: 0 with @spec filled in (op 0 for a
// plain copy), or -EINVAL for an operation without a type or the reverse, an
// unknown operation or type, or a bitwise operation on a floating type.
int decode_reduce(unsigned flags, ReduceSpec &spec) noexcept;

// Every non-empty element starts at a multiple of @size and is a whole
// number of elements.
bool aligned(std::span<const iovec> list, std::size_t size) noexcept;

// Whether a kernel with @features computes @spec itself.
bool kernel_reduces(unsigned features, const ReduceSpec &spec) noexcept;

// dst[i] = op(dst[i], src[i]) over @bytes (whole elements; the buffers need
// no alignment), with exactly the kernel's results whatever the calling
// thread's floating-point environment, which is left as it was.
void combine(const ReduceSpec &spec, std::byte *dst, const std::byte *src, std::size_t bytes) noexcept;

// The request (whose flags carry no reduce bits) reduced in userspace: the
// peer's data read into a bounce buffer and combined; for a write, combined
// into the peer's data read back, then written to the peer. Counts are whole
// elements, and nothing past the count is touched.
Moved reduce_fallback(const Request &req, const ReduceSpec &spec) noexcept;

} // namespace cma::detail

#endif // CMA_SRC_REDUCE_HPP
