// SPDX-License-Identifier: LGPL-2.1-or-later
#include "reduce_reference.hpp"

#include <cma/cma.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace cma::test {
namespace {

constexpr std::uint32_t kF32QuietNan = 0x7fc00000U;
constexpr std::uint64_t kF64QuietNan = 0x7ff8000000000000ULL;

std::uint64_t load_bits(const std::byte *p, std::size_t size) noexcept
{
    std::uint64_t bits = 0;
    std::memcpy(&bits, p, size); // little-endian host: the low bytes
    return bits;
}

void store_bits(std::byte *p, std::uint64_t bits, std::size_t size) noexcept
{
    std::memcpy(p, &bits, size);
}

bool is_signed_type(unsigned type) noexcept
{
    return type == CMA_TYPE_S8 || type == CMA_TYPE_S16 || type == CMA_TYPE_S32 || type == CMA_TYPE_S64;
}

std::int64_t sign_extend(std::uint64_t bits, std::size_t size) noexcept
{
    if (size == 0 || size >= 8) {
        return static_cast<std::int64_t>(bits);
    }
    const unsigned shift = 64U - (8U * static_cast<unsigned>(size));
    return static_cast<std::int64_t>(bits << shift) >> shift;
}

std::uint64_t integer_op(unsigned op, unsigned type, std::uint64_t d, std::uint64_t s) noexcept
{
    const std::size_t size = type_size(type);
    const std::uint64_t mask = size == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8U * size)) - 1;
    const bool less = is_signed_type(type) ? sign_extend(s, size) < sign_extend(d, size) : s < d;
    switch (op) {
    case CMA_OP_SUM:
        return (d + s) & mask;
    case CMA_OP_PROD:
        return (d * s) & mask;
    case CMA_OP_MIN:
        return less ? s : d;
    case CMA_OP_MAX:
        return less ? d : s;
    case CMA_OP_BAND:
        return d & s;
    case CMA_OP_BOR:
        return d | s;
    default:
        return d ^ s;
    }
}

template <typename F>
F float_op(unsigned op, F d, F s, F nan) noexcept
{
    switch (op) {
    case CMA_OP_SUM:
    case CMA_OP_PROD: {
        const F r = op == CMA_OP_SUM ? d + s : d * s;
        return std::isnan(r) ? nan : r;
    }
    case CMA_OP_MIN:
        if (std::isnan(d) || std::isnan(s)) {
            return nan;
        }
        if (d == 0 && s == 0) {
            return std::signbit(d) ? d : s;
        }
        return std::fmin(d, s);
    default:
        if (std::isnan(d) || std::isnan(s)) {
            return nan;
        }
        if (d == 0 && s == 0) {
            return std::signbit(d) ? s : d;
        }
        return std::fmax(d, s);
    }
}

// *d = op(*d, *s) for one element of type F, whose quiet NaN is @nan.
template <typename F, typename Bits>
void float_element(unsigned op, std::byte *d, const std::byte *s, Bits nan) noexcept
{
    F a = 0;
    F b = 0;
    std::memcpy(&a, d, sizeof(F));
    std::memcpy(&b, s, sizeof(F));
    const F r = float_op(op, a, b, std::bit_cast<F>(nan));
    std::memcpy(d, &r, sizeof(F));
}

template <typename F>
std::vector<std::byte> bytes_of_value(F value)
{
    std::vector<std::byte> out(sizeof(F));
    std::memcpy(out.data(), &value, sizeof(F));
    return out;
}

template <typename F>
std::vector<std::vector<std::byte>> float_values(std::uint64_t quiet_nan_bits)
{
    using Limits = std::numeric_limits<F>;
    std::vector<std::vector<std::byte>> values;
    for (const F v : {F{0}, -F{0}, F{1}, -F{1}, F{0.1}, F{1} / F{3}, Limits::infinity(), -Limits::infinity(),
                      Limits::denorm_min(), -Limits::denorm_min(), Limits::min() - Limits::denorm_min(),
                      Limits::min(), -Limits::min(), Limits::max(), -Limits::max(), Limits::epsilon(),
                      F{1} + Limits::epsilon(), F{3}, F{-7.5}}) {
        values.push_back(bytes_of_value(v));
    }
    // NaNs: quiet with and without payload and sign, signalling.
    std::vector<std::uint64_t> nans{quiet_nan_bits, quiet_nan_bits | 1U, quiet_nan_bits | 0x1234U};
    const unsigned bits = sizeof(F) * 8;
    const std::uint64_t sign = std::uint64_t{1} << (bits - 1);
    const std::uint64_t quiet_bit = quiet_nan_bits & (~quiet_nan_bits + 1); // its lowest set bit
    nans.push_back(quiet_nan_bits | sign);
    // Signalling: the exponent all ones, the quiet bit clear, a payload.
    nans.push_back((quiet_nan_bits & ~quiet_bit) | 5U);
    nans.push_back((quiet_nan_bits & ~quiet_bit) | 1U | sign);
    for (const std::uint64_t nan : nans) {
        std::vector<std::byte> out(sizeof(F));
        std::memcpy(out.data(), &nan, sizeof(F));
        values.push_back(out);
    }
    return values;
}

} // namespace

std::size_t type_size(unsigned type) noexcept
{
    constexpr std::array<std::size_t, 11> kSizes{0, 1, 1, 2, 2, 4, 4, 8, 8, 4, 8};
    return type < kSizes.size() ? kSizes.at(type) : 0;
}

bool is_float_type(unsigned type) noexcept
{
    return type == CMA_TYPE_F32 || type == CMA_TYPE_F64;
}

bool valid_kind(ReduceKind kind) noexcept
{
    if (kind.op < CMA_OP_SUM || kind.op > CMA_OP_BXOR || type_size(kind.type) == 0) {
        return false;
    }
    return !is_float_type(kind.type) || kind.op <= CMA_OP_MAX;
}

std::vector<ReduceKind> all_kinds()
{
    std::vector<ReduceKind> kinds;
    for (unsigned type = CMA_TYPE_S8; type <= CMA_TYPE_F64; ++type) {
        for (unsigned op = CMA_OP_SUM; op <= CMA_OP_BXOR; ++op) {
            if (valid_kind({op, type})) {
                kinds.push_back({op, type});
            }
        }
    }
    return kinds;
}

std::string kind_name(ReduceKind kind)
{
    static constexpr std::array<const char *, 8> kOps{"?", "SUM", "PROD", "MIN", "MAX", "BAND", "BOR", "BXOR"};
    static constexpr std::array<const char *, 11> kTypeNames{"?",   "S8",  "U8",  "S16", "U16", "S32",
                                                             "U32", "S64", "U64", "F32", "F64"};
    const char *op = kind.op < kOps.size() ? kOps.at(kind.op) : "?";
    const char *type = kind.type < kTypeNames.size() ? kTypeNames.at(kind.type) : "?";
    return std::string{op} + "_" + type;
}

void reference_combine(ReduceKind kind, std::span<std::byte> dst, std::span<const std::byte> src)
{
    const std::size_t size = type_size(kind.type);
    for (std::size_t i = 0; i + size <= dst.size(); i += size) {
        std::byte *d = dst.data() + i;
        const std::byte *s = src.data() + i;
        if (kind.type == CMA_TYPE_F32) {
            float_element<float>(kind.op, d, s, kF32QuietNan);
        } else if (kind.type == CMA_TYPE_F64) {
            float_element<double>(kind.op, d, s, kF64QuietNan);
        } else {
            store_bits(d, integer_op(kind.op, kind.type, load_bits(d, size), load_bits(s, size)), size);
        }
    }
}

std::vector<std::vector<std::byte>> special_values(unsigned type)
{
    if (type == CMA_TYPE_F32) {
        return float_values<float>(kF32QuietNan);
    }
    if (type == CMA_TYPE_F64) {
        return float_values<double>(kF64QuietNan);
    }
    const std::size_t size = type_size(type);
    if (size == 0) {
        return {};
    }
    const unsigned bits = 8U * static_cast<unsigned>(size);
    const std::uint64_t top = std::uint64_t{1} << (bits - 1);
    const std::uint64_t mask = size == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
    std::vector<std::vector<std::byte>> values;
    for (const std::uint64_t v : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{3},
                                  mask, mask - 1, top, top - 1, top + 1, std::uint64_t{0x5a5a5a5a5a5a5a5aULL},
                                  std::uint64_t{0x8181818181818181ULL}, std::uint64_t{0x00ff00ff00ff00ffULL}}) {
        std::vector<std::byte> out(size);
        store_bits(out.data(), v & mask, size);
        values.push_back(out);
    }
    return values;
}

} // namespace cma::test
