// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Reductions with the exact results of Documentation/userspace-api/
// process_vm.rst, so that the userspace fallback and the kernel agree bit
// for bit:
//  - integers: SUM and PROD in the unsigned type of the same width (at least
//    unsigned int, so that nothing is promoted to a signed int that could
//    overflow), which wraps modulo 2^N for signed and unsigned types alike;
//    MIN and MAX compare in the element's own type;
//  - floats: SUM and PROD in the default environment (round to nearest even,
//    no flush to zero, exceptions masked), set for the duration of a combine
//    and then undone, the caller's exception flags included; MIN and MAX are
//    IEEE 754-2019 minimum and maximum (a NaN operand gives NaN, -0 < +0);
//    a NaN result becomes the canonical quiet NaN.
// This file is compiled with -frounding-math and -ffp-contract=off, so the
// compiler neither folds nor fuses floating-point operations across the
// environment switch.
#include "reduce.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#if !defined(__x86_64__)
#include <cfenv>
#endif

namespace cma::detail {
namespace {

// The bounce buffer of the fallback: large enough that the system calls'
// fixed cost disappears, small enough to stay in the caches.
constexpr std::size_t kBounceBytes = std::size_t{1} << 20U;

// The default floating-point environment for as long as it lives.
class DefaultFloatEnvironment {
public:
#if defined(__x86_64__)
    // SSE does all float and double arithmetic on x86_64. 0x1f80: every
    // exception masked and no flag set, round to nearest, no FTZ or DAZ.
    DefaultFloatEnvironment() noexcept
    {
        constexpr unsigned kDefaultMxcsr = 0x1f80;
        asm volatile("stmxcsr %0" : "=m"(saved_) : : "memory");
        asm volatile("ldmxcsr %0" : : "m"(kDefaultMxcsr) : "memory");
    }
    ~DefaultFloatEnvironment() { asm volatile("ldmxcsr %0" : : "m"(saved_) : "memory"); }
#else
    DefaultFloatEnvironment() noexcept
    {
        (void)std::fegetenv(&saved_);
        (void)std::fesetenv(FE_DFL_ENV);
    }
    ~DefaultFloatEnvironment() { (void)std::fesetenv(&saved_); }
#endif
    DefaultFloatEnvironment(const DefaultFloatEnvironment &) = delete;
    DefaultFloatEnvironment &operator=(const DefaultFloatEnvironment &) = delete;
    DefaultFloatEnvironment(DefaultFloatEnvironment &&) = delete;
    DefaultFloatEnvironment &operator=(DefaultFloatEnvironment &&) = delete;

private:
#if defined(__x86_64__)
    unsigned saved_ = 0;
#else
    std::fenv_t saved_{};
#endif
};

template <typename T>
using Wide = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

template <typename T>
struct IntegerOps {
    static T sum(T d, T s) noexcept
    {
        return static_cast<T>(static_cast<Wide<T>>(static_cast<Wide<T>>(d) + static_cast<Wide<T>>(s)));
    }
    static T prod(T d, T s) noexcept
    {
        return static_cast<T>(static_cast<Wide<T>>(static_cast<Wide<T>>(d) * static_cast<Wide<T>>(s)));
    }
    static T min(T d, T s) noexcept { return s < d ? s : d; }
    static T max(T d, T s) noexcept { return d < s ? s : d; }
    static T band(T d, T s) noexcept { return static_cast<T>(d & s); }
    static T bor(T d, T s) noexcept { return static_cast<T>(d | s); }
    static T bxor(T d, T s) noexcept { return static_cast<T>(d ^ s); }
};

template <typename F, typename Bits, Bits kQuietNan>
struct FloatOps {
    static_assert(sizeof(F) == sizeof(Bits));

    static F canonical(F r) noexcept { return std::isnan(r) ? std::bit_cast<F>(kQuietNan) : r; }
    static bool negative(F x) noexcept { return (std::bit_cast<Bits>(x) >> ((sizeof(Bits) * 8) - 1)) != 0; }

    static F sum(F d, F s) noexcept { return canonical(d + s); }
    static F prod(F d, F s) noexcept { return canonical(d * s); }
    static F min(F d, F s) noexcept
    {
        if (std::isnan(d) || std::isnan(s)) {
            return std::bit_cast<F>(kQuietNan);
        }
        if (d != s) {
            return s < d ? s : d;
        }
        return negative(d) ? d : s; // equal: only -0 and +0 differ
    }
    static F max(F d, F s) noexcept
    {
        if (std::isnan(d) || std::isnan(s)) {
            return std::bit_cast<F>(kQuietNan);
        }
        if (d != s) {
            return d < s ? s : d;
        }
        return negative(d) ? s : d;
    }
};

using F32Ops = FloatOps<float, std::uint32_t, 0x7fc00000U>;
using F64Ops = FloatOps<double, std::uint64_t, 0x7ff8000000000000ULL>;

using Combine = void (*)(std::byte *dst, const std::byte *src, std::size_t bytes) noexcept;

// Unaligned-safe element access: memcpy compiles to plain loads and stores.
template <typename T, T (*Fn)(T, T) noexcept>
void apply(std::byte *dst, const std::byte *src, std::size_t bytes) noexcept
{
    for (std::size_t i = 0; i < bytes; i += sizeof(T)) {
        T d{};
        T s{};
        std::memcpy(&d, dst + i, sizeof(T));
        std::memcpy(&s, src + i, sizeof(T));
        d = Fn(d, s);
        std::memcpy(dst + i, &d, sizeof(T));
    }
}

template <typename T, typename Ops>
Combine select_op(unsigned op) noexcept
{
    switch (op) {
    case CMA_OP_SUM:
        return apply<T, Ops::sum>;
    case CMA_OP_PROD:
        return apply<T, Ops::prod>;
    case CMA_OP_MIN:
        return apply<T, Ops::min>;
    case CMA_OP_MAX:
        return apply<T, Ops::max>;
    default:
        break;
    }
    if constexpr (std::is_integral_v<T>) {
        switch (op) {
        case CMA_OP_BAND:
            return apply<T, Ops::band>;
        case CMA_OP_BOR:
            return apply<T, Ops::bor>;
        case CMA_OP_BXOR:
            return apply<T, Ops::bxor>;
        default:
            break;
        }
    }
    return nullptr;
}

template <typename T>
Combine select_integer(unsigned op) noexcept
{
    return select_op<T, IntegerOps<T>>(op);
}

// nullptr for a combination decode_reduce() rejects.
Combine select(const ReduceSpec &spec) noexcept
{
    switch (spec.type) {
    case CMA_TYPE_S8:
        return select_integer<std::int8_t>(spec.op);
    case CMA_TYPE_U8:
        return select_integer<std::uint8_t>(spec.op);
    case CMA_TYPE_S16:
        return select_integer<std::int16_t>(spec.op);
    case CMA_TYPE_U16:
        return select_integer<std::uint16_t>(spec.op);
    case CMA_TYPE_S32:
        return select_integer<std::int32_t>(spec.op);
    case CMA_TYPE_U32:
        return select_integer<std::uint32_t>(spec.op);
    case CMA_TYPE_S64:
        return select_integer<std::int64_t>(spec.op);
    case CMA_TYPE_U64:
        return select_integer<std::uint64_t>(spec.op);
    case CMA_TYPE_F32:
        return select_op<float, F32Ops>(spec.op);
    case CMA_TYPE_F64:
        return select_op<double, F64Ops>(spec.op);
    default:
        return nullptr;
    }
}

std::size_t element_size(unsigned type) noexcept
{
    switch (type) {
    case CMA_TYPE_S8:
    case CMA_TYPE_U8:
        return 1;
    case CMA_TYPE_S16:
    case CMA_TYPE_U16:
        return 2;
    case CMA_TYPE_S32:
    case CMA_TYPE_U32:
    case CMA_TYPE_F32:
        return 4;
    case CMA_TYPE_S64:
    case CMA_TYPE_U64:
    case CMA_TYPE_F64:
        return 8;
    default:
        return 0;
    }
}

} // namespace

int decode_reduce(unsigned flags, ReduceSpec &spec) noexcept
{
    spec = ReduceSpec{
            .op = (flags & CMA_OP_MASK) >> CMA_OP_SHIFT,
            .type = (flags & CMA_TYPE_MASK) >> CMA_TYPE_SHIFT,
            .size = 0,
            .floating = false,
    };
    if (spec.op == 0 && spec.type == 0) {
        return 0;
    }
    spec.size = element_size(spec.type);
    spec.floating = spec.type == CMA_TYPE_F32 || spec.type == CMA_TYPE_F64;
    return select(spec) != nullptr ? 0 : -EINVAL;
}

bool aligned(std::span<const iovec> list, std::size_t size) noexcept
{
    return std::ranges::all_of(list, [size](const iovec &element) {
        return element.iov_len == 0 ||
               (reinterpret_cast<std::uintptr_t>(element.iov_base) % size == 0 && element.iov_len % size == 0);
    });
}

bool kernel_reduces(unsigned features, const ReduceSpec &spec) noexcept
{
    return (features & (spec.floating ? CMA_FEATURE_REDUCE_FLOAT : CMA_FEATURE_REDUCE)) != 0;
}

void combine(const ReduceSpec &spec, std::byte *dst, const std::byte *src, std::size_t bytes) noexcept
{
    const Combine fn = select(spec);
    if (spec.floating) {
        const DefaultFloatEnvironment environment;
        fn(dst, src, bytes);
    } else {
        fn(dst, src, bytes);
    }
}

Moved reduce_fallback(const Request &req, const ReduceSpec &spec) noexcept
{
    // want is a whole number of elements (both lists are), and so is the
    // bounce buffer, which aligned_alloc wants a multiple of its alignment.
    constexpr std::size_t kAlign = 64;
    const std::size_t bounce_size = std::min(req.want, kBounceBytes);
    auto *bounce = static_cast<std::byte *>(std::aligned_alloc(kAlign, (bounce_size + kAlign - 1) / kAlign * kAlign));
    if (bounce == nullptr) {
        return {.bytes = 0, .error = -ENOMEM};
    }
    const unsigned long copy_flags = req.flags & ~static_cast<unsigned long>(CMA_OP_MASK | CMA_TYPE_MASK);
    IovCursor local{req.local};
    IovCursor remote{req.remote};
    Moved total{.bytes = 0, .error = 0};
    while (total.bytes < req.want) {
        const std::size_t chunk = std::min(bounce_size, req.want - total.bytes);
        const iovec bounce_iov{bounce, chunk};
        const IovCursor chunk_start = remote;
        IovCursor staged{{&bounce_iov, 1}};
        const Moved got = move(*req.proc, Direction::read, staged, remote, chunk, true, copy_flags);
        // A fault may end the copy inside an element, which is then left out.
        std::size_t usable = got.bytes - (got.bytes % spec.size);
        int error = got.error;
        std::size_t offset = 0;
        if (req.dir == Direction::read) {
            local.for_each_piece(usable, [&](std::byte *piece, std::size_t len) {
                combine(spec, piece, bounce + offset, len);
                offset += len;
            });
        } else {
            local.for_each_piece(usable, [&](std::byte *piece, std::size_t len) {
                combine(spec, bounce + offset, piece, len);
                offset += len;
            });
            if (usable > 0) {
                IovCursor back = chunk_start;
                IovCursor combined{{&bounce_iov, 1}};
                const Moved put = move(*req.proc, Direction::write, combined, back, usable, true, copy_flags);
                if (put.bytes < usable) {
                    // Only if the peer unmapped or protected the memory in
                    // between; an element may then be torn, and is not counted.
                    usable = put.bytes - (put.bytes % spec.size);
                    error = put.error;
                }
            }
        }
        total.bytes += usable;
        if (usable < chunk) {
            total.error = error;
            break;
        }
    }
    std::free(bounce);
    return total;
}

} // namespace cma::detail
