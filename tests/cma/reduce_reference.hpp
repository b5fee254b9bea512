// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Reductions as Documentation/userspace-api/process_vm.rst defines them,
// written independently of lib/cma/src/reduce.cpp (64-bit arithmetic masked
// to the element width, <cmath> for floats), as the reference both the
// library's fallback and the scripted kernel are compared with.
#ifndef CMA_TESTS_REDUCE_REFERENCE_HPP
#define CMA_TESTS_REDUCE_REFERENCE_HPP

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cma::test {

struct ReduceKind {
    unsigned op;   // CMA_OP_*
    unsigned type; // CMA_TYPE_*
};

// Bytes per element of a CMA_TYPE_*, 0 if unknown.
std::size_t type_size(unsigned type) noexcept;
bool is_float_type(unsigned type) noexcept;
// Whether the kernel accepts @kind (known op and type, no bitwise op on a
// float type).
bool valid_kind(ReduceKind kind) noexcept;
// Every valid op x type: 7 x 8 integer + 4 x 2 float.
std::vector<ReduceKind> all_kinds();
std::string kind_name(ReduceKind kind);

// dst[i] = op(dst[i], src[i]) over whole elements of dst.size() bytes, in
// the default floating-point environment (the caller's must be the default).
void reference_combine(ReduceKind kind, std::span<std::byte> dst, std::span<const std::byte> src);

// Operand values that stress @type: 0, 1, -1, the extremes and their
// neighbours for integers (so that SUM and PROD wrap); for floats +-0,
// +-inf, quiet and signalling NaNs with payloads, the smallest and largest
// subnormals and normals, the largest finite, 1, -1, 0.1, 1/3. Each as
// type_size(type) bytes.
std::vector<std::vector<std::byte>> special_values(unsigned type);

} // namespace cma::test

#endif // CMA_TESTS_REDUCE_REFERENCE_HPP
