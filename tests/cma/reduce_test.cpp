// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Reductions: the combine, bit for bit against the independent reference
// (reduce_reference.hpp) over special and random operands for every op x
// type, whatever the caller's floating-point environment; the kernel's
// argument checks; the userspace fallback (on a scripted 6.1 kernel, partial
// results included) and the kernel path (on a scripted patched kernel); and
// both directions against real children on the running kernel.
#include <cma/cma.h>

#include "fake_syscalls.hpp"
#include "iov_testing.hpp"
#include "peer.hpp"
#include "process.hpp"
#include "reduce.hpp"
#include "reduce_reference.hpp"

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>
#include <xmmintrin.h>

#include <bit>
#include <cerrno>
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace cma::test {
namespace {

constexpr pid_t kPeer = 4242;

unsigned flags_of(ReduceKind kind)
{
    return (kind.op << CMA_OP_SHIFT) | (kind.type << CMA_TYPE_SHIFT);
}

cma::detail::ReduceSpec spec_of(ReduceKind kind)
{
    cma::detail::ReduceSpec spec{};
    EXPECT_EQ(cma::detail::decode_reduce(flags_of(kind), spec), 0);
    return spec;
}

// Every pair of special values of the type, then @random random elements:
// the destination and source streams, element i of one against element i
// of the other.
struct Operands {
    std::vector<std::byte> dst;
    std::vector<std::byte> src;
};

Operands operands(unsigned type, std::mt19937_64 &rng, std::size_t random)
{
    const std::vector<std::vector<std::byte>> values = special_values(type);
    Operands out;
    for (const auto &d : values) {
        for (const auto &s : values) {
            out.dst.insert(out.dst.end(), d.begin(), d.end());
            out.src.insert(out.src.end(), s.begin(), s.end());
        }
    }
    std::uniform_int_distribution<unsigned> byte(0, 255);
    for (std::size_t i = 0; i < random * type_size(type); ++i) {
        out.dst.push_back(static_cast<std::byte>(byte(rng)));
        out.src.push_back(static_cast<std::byte>(byte(rng)));
    }
    return out;
}

// The first element where @got and @want differ, described; empty if none.
std::string first_difference(ReduceKind kind, const Operands &in, const std::vector<std::byte> &got,
                             const std::vector<std::byte> &want)
{
    const std::size_t size = type_size(kind.type);
    for (std::size_t i = 0; i < want.size(); i += size) {
        if (std::memcmp(got.data() + i, want.data() + i, size) != 0) {
            auto hex = [&](const std::vector<std::byte> &v) {
                std::uint64_t bits = 0;
                std::memcpy(&bits, v.data() + i, size);
                return ::testing::PrintToString(reinterpret_cast<void *>(bits)); // NOLINT(performance-no-int-to-ptr)
            };
            return kind_name(kind) + " element " + std::to_string(i / size) + ": d " + hex(in.dst) + " s " +
                   hex(in.src) + " gave " + hex(got) + ", expected " + hex(want);
        }
    }
    return {};
}

class CombineTest : public ::testing::TestWithParam<ReduceKind> {};

TEST_P(CombineTest, MatchesTheReferenceBitForBit)
{
    const ReduceKind kind = GetParam();
    std::mt19937_64 rng{test_seed()};
    const Operands in = operands(kind.type, rng, 4096);
    std::vector<std::byte> want = in.dst;
    reference_combine(kind, want, in.src);

    std::vector<std::byte> got = in.dst;
    cma::detail::combine(spec_of(kind), got.data(), in.src.data(), got.size());
    EXPECT_EQ(first_difference(kind, in, got, want), "");

    // Unaligned buffers: the combine loads and stores through memcpy.
    std::vector<std::byte> shifted(in.dst.size() + 1);
    std::vector<std::byte> shifted_src(in.src.size() + 3);
    std::memcpy(shifted.data() + 1, in.dst.data(), in.dst.size());
    std::memcpy(shifted_src.data() + 3, in.src.data(), in.src.size());
    cma::detail::combine(spec_of(kind), shifted.data() + 1, shifted_src.data() + 3, in.dst.size());
    EXPECT_TRUE(std::equal(want.begin(), want.end(), shifted.begin() + 1));
}

INSTANTIATE_TEST_SUITE_P(AllKinds, CombineTest, ::testing::ValuesIn(all_kinds()),
                         [](const ::testing::TestParamInfo<ReduceKind> &param) { return kind_name(param.param); });

TEST(CombineReference, AllKindsAreCovered)
{
    EXPECT_EQ(all_kinds().size(), (7U * 8U) + (4U * 2U));
}

// A few answers written out, so that the library and the reference cannot
// agree on a wrong one.
template <typename T>
T combine_one(unsigned flags, T d, T s)
{
    cma::detail::ReduceSpec spec{};
    EXPECT_EQ(cma::detail::decode_reduce(flags, spec), 0);
    std::array<std::byte, sizeof(T)> dst{};
    std::array<std::byte, sizeof(T)> src{};
    std::memcpy(dst.data(), &d, sizeof(T));
    std::memcpy(src.data(), &s, sizeof(T));
    cma::detail::combine(spec, dst.data(), src.data(), sizeof(T));
    T r{};
    std::memcpy(&r, dst.data(), sizeof(T));
    return r;
}

TEST(CombineKnownAnswers, IntegersWrapAndCompareByType)
{
    EXPECT_EQ(combine_one<std::uint8_t>(CMA_REDUCE(SUM, U8), 200, 100), 44);
    EXPECT_EQ(combine_one<std::int8_t>(CMA_REDUCE(SUM, S8), 127, 1), -128);
    EXPECT_EQ(combine_one<std::int16_t>(CMA_REDUCE(PROD, S16), 300, 300), 24464);
    EXPECT_EQ(combine_one<std::uint16_t>(CMA_REDUCE(PROD, U16), 65535, 65535), 1);
    EXPECT_EQ(combine_one<std::int32_t>(CMA_REDUCE(PROD, S32), std::numeric_limits<std::int32_t>::min(), -1),
              std::numeric_limits<std::int32_t>::min());
    EXPECT_EQ(combine_one<std::int64_t>(CMA_REDUCE(SUM, S64), std::numeric_limits<std::int64_t>::max(), 1),
              std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(combine_one<std::uint64_t>(CMA_REDUCE(PROD, U64), 1ULL << 63U, 2), 0U);
    EXPECT_EQ(combine_one<std::int32_t>(CMA_REDUCE(MIN, S32), -1, 1), -1);
    EXPECT_EQ(combine_one<std::uint32_t>(CMA_REDUCE(MIN, U32), 0xffffffffU, 1), 1U);
    EXPECT_EQ(combine_one<std::int8_t>(CMA_REDUCE(MAX, S8), -128, 127), 127);
    EXPECT_EQ(combine_one<std::uint8_t>(CMA_REDUCE(MAX, U8), 0x80, 0x7f), 0x80);
    EXPECT_EQ(combine_one<std::uint16_t>(CMA_REDUCE(BXOR, U16), 0xff00, 0x0ff0), 0xf0f0);
}

TEST(CombineKnownAnswers, FloatsFollowIeee754_2019)
{
    const auto bits32 = [](float f) { return std::bit_cast<std::uint32_t>(f); };
    const auto bits64 = [](double f) { return std::bit_cast<std::uint64_t>(f); };
    const auto nan32 = std::bit_cast<float>(0xffc01234U); // negative, with a payload
    const auto snan64 = std::bit_cast<double>(0x7ff0000000000001ULL);
    const double inf = std::numeric_limits<double>::infinity();

    EXPECT_EQ(bits32(combine_one(CMA_REDUCE(MIN, F32), -0.0F, 0.0F)), 0x80000000U);
    EXPECT_EQ(bits32(combine_one(CMA_REDUCE(MIN, F32), 0.0F, -0.0F)), 0x80000000U);
    EXPECT_EQ(bits32(combine_one(CMA_REDUCE(MAX, F32), -0.0F, 0.0F)), 0U);
    EXPECT_EQ(bits32(combine_one(CMA_REDUCE(MAX, F32), 1.0F, nan32)), 0x7fc00000U) << "maximum, not maxNum";
    EXPECT_EQ(bits32(combine_one(CMA_REDUCE(MIN, F32), nan32, -1.0F)), 0x7fc00000U);
    EXPECT_EQ(bits32(combine_one(CMA_REDUCE(SUM, F32), nan32, 1.0F)), 0x7fc00000U) << "canonical NaN";
    EXPECT_EQ(bits64(combine_one(CMA_REDUCE(SUM, F64), inf, -inf)), 0x7ff8000000000000ULL);
    EXPECT_EQ(bits64(combine_one(CMA_REDUCE(PROD, F64), 0.0, inf)), 0x7ff8000000000000ULL);
    EXPECT_EQ(bits64(combine_one(CMA_REDUCE(PROD, F64), snan64, 2.0)), 0x7ff8000000000000ULL);
    EXPECT_EQ(bits64(combine_one(CMA_REDUCE(MAX, F64), -inf, snan64)), 0x7ff8000000000000ULL);
    // Round to nearest, ties to even.
    EXPECT_EQ(combine_one(CMA_REDUCE(SUM, F64), 1.0, 0x1p-53), 1.0);
    EXPECT_EQ(combine_one(CMA_REDUCE(SUM, F64), 1.0 + 0x1p-52, 0x1p-53), 1.0 + 0x1p-51);
    // Subnormals are neither flushed nor treated as zero.
    EXPECT_EQ(bits32(combine_one(CMA_REDUCE(SUM, F32), std::numeric_limits<float>::denorm_min(),
                                 std::numeric_limits<float>::denorm_min())),
              2U);
    EXPECT_EQ(bits64(combine_one(CMA_REDUCE(PROD, F64), 0x1p-1000, 0x1p-60)), bits64(0x1p-1060));
}

// MXCSR: round toward +inf, flush to zero, denormals are zero.
constexpr unsigned kHostileMxcsr = 0x1f80U | (2U << 13U) | 0x8000U | 0x40U;

TEST(CombineEnvironment, CallersEnvironmentChangesNothingAndIsKept)
{
    std::mt19937_64 rng{test_seed()};
    for (const ReduceKind kind : all_kinds()) {
        if (!is_float_type(kind.type)) {
            continue;
        }
        SCOPED_TRACE(kind_name(kind));
        const Operands in = operands(kind.type, rng, 1000);
        std::vector<std::byte> want = in.dst;
        reference_combine(kind, want, in.src);
        std::vector<std::byte> got = in.dst;

        const unsigned saved = _mm_getcsr();
        _mm_setcsr(kHostileMxcsr);
        cma::detail::combine(spec_of(kind), got.data(), in.src.data(), got.size());
        const unsigned after = _mm_getcsr();
        _mm_setcsr(saved);

        EXPECT_EQ(after, kHostileMxcsr) << "the caller's MXCSR, flags included, was not restored";
        EXPECT_EQ(first_difference(kind, in, got, want), "");
    }
}

TEST(CombineEnvironment, RoundingModeOfTheCallerIsIgnored)
{
    ASSERT_EQ(std::fesetround(FE_DOWNWARD), 0);
    const double r = combine_one(CMA_REDUCE(SUM, F64), 1.0, 0x1p-53 + 0x1p-80);
    const int mode = std::fegetround();
    ASSERT_EQ(std::fesetround(FE_TONEAREST), 0);
    EXPECT_EQ(r, 1.0 + 0x1p-52) << "rounded downward";
    EXPECT_EQ(mode, FE_DOWNWARD);
}

// The public calls, on a scripted kernel.
class SeamReduceTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_EQ(cma::detail::open_process(kPeer, 0, fake_.table(), &proc_), 0); }
    void TearDown() override { cma_process_close(proc_); }

    FakeSyscalls fake_;
    cma_process *proc_ = nullptr;
};

TEST_F(SeamReduceTest, InvalidOperationsAndTypesAreEinval)
{
    std::vector<double> buf(8);
    const std::vector<unsigned> bad{
            CMA_OP_SUM << CMA_OP_SHIFT,                           // no type
            CMA_TYPE_U8 << CMA_TYPE_SHIFT,                        // no op
            (8U << CMA_OP_SHIFT) | (CMA_TYPE_U8 << CMA_TYPE_SHIFT), // unknown op
            (CMA_OP_SUM << CMA_OP_SHIFT) | (11U << CMA_TYPE_SHIFT), // unknown type
            (0xffU << CMA_OP_SHIFT) | (0xffU << CMA_TYPE_SHIFT),
            CMA_REDUCE(BAND, F32),
            CMA_REDUCE(BOR, F64),
            CMA_REDUCE(BXOR, F64),
            CMA_REDUCE(SUM, F64) | 1U,          // PROCESS_VM_PIDFD is not the caller's
            CMA_REDUCE(SUM, F64) | (1U << 24U), // unknown bit
    };
    for (const unsigned flags : bad) {
        SCOPED_TRACE(flags);
        EXPECT_EQ(cma_read(proc_, buf.data(), buf.data(), 64, flags), -EINVAL);
        EXPECT_EQ(cma_write(proc_, buf.data(), buf.data(), 64, flags), -EINVAL);
        EXPECT_EQ(cma_readv(proc_, nullptr, 0, nullptr, 0, flags), -EINVAL) << "even when nothing would move";
    }
    EXPECT_TRUE(fake_.calls.empty());
}

TEST_F(SeamReduceTest, LayoutRulesAreEinval)
{
    std::vector<std::uint64_t> a(16);
    std::vector<std::uint64_t> b(16);
    auto *bytes = reinterpret_cast<std::byte *>(a.data());
    const unsigned flags = CMA_REDUCE(SUM, U32);
    // Misaligned start, on either side; a length that is not whole elements.
    EXPECT_EQ(cma_read(proc_, bytes + 2, b.data(), 8, flags), -EINVAL);
    EXPECT_EQ(cma_read(proc_, b.data(), bytes + 2, 8, flags), -EINVAL);
    EXPECT_EQ(cma_read(proc_, a.data(), b.data(), 6, flags), -EINVAL);
    const std::vector<iovec> straddles{{bytes, 6}, {bytes + 6, 2}};
    const iovec whole{b.data(), 8};
    EXPECT_EQ(cma_readv(proc_, straddles.data(), 2, &whole, 1, flags), -EINVAL);
    EXPECT_EQ(cma_writev(proc_, &whole, 1, straddles.data(), 2, flags), -EINVAL);
    // Beyond what would move, too, as the kernel checks whole lists.
    const std::vector<iovec> tail{{bytes, 8}, {bytes + 9, 4}};
    EXPECT_EQ(cma_readv(proc_, tail.data(), 2, &whole, 1, flags), -EINVAL);
    EXPECT_TRUE(fake_.transfers().empty());
    // Empty elements may lie anywhere; the same layout is fine for U8.
    const std::vector<iovec> empties{{bytes + 1, 0}, {bytes, 8}, {bytes + 3, 0}};
    EXPECT_EQ(cma_readv(proc_, empties.data(), 3, &whole, 1, flags), 8);
    EXPECT_EQ(cma_readv(proc_, straddles.data(), 2, &whole, 1, CMA_REDUCE(SUM, U8)), 8);
}

// A random reduce problem: destination and source arenas of random values,
// cut into random whole-element pieces, with the destination as it must be
// once the first @want bytes are reduced.
struct RandomReduce {
    RandomReduce(std::mt19937_64 &rng, ReduceKind kind, std::size_t pieces, std::size_t max_elements)
    {
        const std::size_t size = type_size(kind.type);
        dst_pieces = element_pieces(rng, pieces, max_elements, size);
        src_pieces = element_pieces(rng, pieces + 7, max_elements, size);
        dst_arena.resize(arena_size(dst_pieces));
        src_arena.resize(arena_size(src_pieces));
        std::uniform_int_distribution<unsigned> byte(0, 255);
        for (std::byte &b : dst_arena) {
            b = static_cast<std::byte>(byte(rng));
        }
        for (std::byte &b : src_arena) {
            b = static_cast<std::byte>(byte(rng));
        }
        dst = to_iovecs(dst_pieces, dst_arena.data());
        src = to_iovecs(src_pieces, src_arena.data());
        want = std::min(total_length(dst), total_length(src));
        // A copy of the randomized destination, so not a member initializer.
        expected_dst = dst_arena; // NOLINT(cppcoreguidelines-prefer-member-initializer)
        std::vector<std::byte> combined(want);
        std::vector<std::byte> source(want);
        const iovec c{combined.data(), want};
        const iovec s{source.data(), want};
        copy_stream({&c, 1}, dst, want);
        copy_stream({&s, 1}, src, want);
        reference_combine(kind, combined, source);
        copy_stream(to_iovecs(dst_pieces, expected_dst.data()), {&c, 1}, want);
    }

    // Pieces of whole elements at element-aligned offsets (the arenas are
    // vectors of bytes, aligned for any element by operator new).
    static std::vector<Piece> element_pieces(std::mt19937_64 &rng, std::size_t count, std::size_t max_elements,
                                             std::size_t size)
    {
        std::vector<Piece> pieces = random_pieces(rng, count, max_elements);
        for (Piece &piece : pieces) {
            piece.offset *= size;
            piece.length *= size;
        }
        return pieces;
    }

    std::vector<Piece> dst_pieces;
    std::vector<Piece> src_pieces;
    std::vector<std::byte> dst_arena;
    std::vector<std::byte> src_arena;
    std::vector<iovec> dst;
    std::vector<iovec> src;
    std::size_t want;
    std::vector<std::byte> expected_dst;
};

class SeamReduceKindTest : public SeamReduceTest, public ::testing::WithParamInterface<ReduceKind> {
protected:
    // A random readv reduce, checked; every call must have carried @flags.
    void readv_and_check(unsigned long flags)
    {
        const ReduceKind kind = GetParam();
        std::mt19937_64 rng{test_seed()};
        RandomReduce problem{rng, kind, 300, 600};
        ASSERT_EQ(cma_readv(proc_, problem.dst.data(), problem.dst.size(), problem.src.data(),
                            problem.src.size(), flags_of(kind)),
                  static_cast<ssize_t>(problem.want));
        EXPECT_TRUE(problem.dst_arena == problem.expected_dst);
        for (const auto &call : fake_.transfers()) {
            EXPECT_FALSE(call.write);
            EXPECT_EQ(call.flags, flags);
        }
        EXPECT_EQ(fake_.rule_violations, 0U);
    }
};

TEST_P(SeamReduceKindTest, FallbackReadv)
{
    fake_.clamp = 99'999; // short counts, mid-element ones included
    readv_and_check(0);   // a 6.1 kernel gets plain copies
}

TEST_P(SeamReduceKindTest, FallbackWritev)
{
    const ReduceKind kind = GetParam();
    std::mt19937_64 rng{test_seed()};
    RandomReduce problem{rng, kind, 300, 600};

    // Local is the source; the "remote" destination is read, combined,
    // written back.
    ASSERT_EQ(cma_writev(proc_, problem.src.data(), problem.src.size(), problem.dst.data(), problem.dst.size(),
                         flags_of(kind)),
              static_cast<ssize_t>(problem.want));
    EXPECT_TRUE(problem.dst_arena == problem.expected_dst);
    const auto calls = fake_.transfers();
    ASSERT_FALSE(calls.empty());
    EXPECT_FALSE(calls.front().write) << "the peer's data is read first";
    EXPECT_TRUE(calls.back().write);
}

TEST_P(SeamReduceKindTest, KernelReduces)
{
    fake_.features = CMA_FEATURE_REDUCE | CMA_FEATURE_REDUCE_FLOAT;
    readv_and_check(flags_of(GetParam())); // the kernel gets the reduce flags
}

INSTANTIATE_TEST_SUITE_P(AllKinds, SeamReduceKindTest, ::testing::ValuesIn(all_kinds()),
                         [](const ::testing::TestParamInfo<ReduceKind> &param) { return kind_name(param.param); });

TEST_F(SeamReduceTest, FloatFallbackWhereTheKernelReducesIntegersOnly)
{
    fake_.features = CMA_FEATURE_REDUCE;
    std::vector<double> local{1.0, 2.0};
    const std::vector<double> remote{0.5, -0.0};
    ASSERT_EQ(cma_read(proc_, local.data(), remote.data(), 16, CMA_REDUCE(SUM, F64)), 16);
    EXPECT_EQ(local, (std::vector<double>{1.5, 2.0}));
    std::vector<std::int32_t> ints{1, 2};
    const std::vector<std::int32_t> more{10, 20};
    ASSERT_EQ(cma_read(proc_, ints.data(), more.data(), 8, CMA_REDUCE(SUM, S32)), 8);
    EXPECT_EQ(ints, (std::vector<std::int32_t>{11, 22}));
    const auto calls = fake_.transfers();
    ASSERT_EQ(calls.size(), 2U);
    EXPECT_EQ(calls[0].flags, 0U) << "F64 in userspace";
    EXPECT_EQ(calls[1].flags, CMA_REDUCE(SUM, S32)) << "S32 in the kernel";
}

TEST_F(SeamReduceTest, FallbackLargerThanItsBounceBuffer)
{
    const std::size_t n = (3U << 20U) / 8 + 5; // three bounce buffers and a bit
    std::vector<std::uint64_t> local(n, 1);
    std::vector<std::uint64_t> remote(n);
    for (std::size_t i = 0; i < n; ++i) {
        remote[i] = i;
    }
    ASSERT_EQ(cma_read(proc_, local.data(), remote.data(), n * 8, CMA_REDUCE(SUM, U64)),
              static_cast<ssize_t>(n * 8));
    for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(local[i], i + 1) << i;
    }
    ASSERT_EQ(cma_write(proc_, local.data(), remote.data(), n * 8, CMA_REDUCE(MAX, U64)),
              static_cast<ssize_t>(n * 8));
    EXPECT_EQ(remote, local);
    EXPECT_EQ(fake_.transfers().size(), 4U + 8U) << "4 reads, then 4 reads and 4 writes";
}

// A fault inside an element: the count stops at the element before it, and
// nothing after it changes, so that reducing the rest again is correct.
TEST_F(SeamReduceTest, FallbackPartialResultsAreWholeElements)
{
    std::vector<std::uint32_t> local(1000, 1);
    std::vector<std::uint32_t> remote(1000, 5);
    // Bytes 2001..: element 500 is cut after one of its bytes.
    fake_.remote_faults = {FakeSyscalls::range_of(reinterpret_cast<std::byte *>(remote.data()) + 2001, 100)};

    ASSERT_EQ(cma_read(proc_, local.data(), remote.data(), 4000, CMA_REDUCE(SUM, U32)), 2000);
    for (std::size_t i = 0; i < local.size(); ++i) {
        ASSERT_EQ(local[i], i < 500 ? 6U : 1U) << i;
    }
    ASSERT_EQ(cma_write(proc_, local.data(), remote.data(), 4000, CMA_REDUCE(SUM, U32)), 2000);
    for (std::size_t i = 0; i < remote.size(); ++i) {
        ASSERT_EQ(remote[i], i < 500 ? 11U : 5U) << i;
    }
    // Nothing moved at all: the error.
    fake_.remote_faults = {FakeSyscalls::range_of(remote.data(), 4000)};
    EXPECT_EQ(cma_read(proc_, local.data(), remote.data(), 4000, CMA_REDUCE(SUM, U32)), -EFAULT);
    EXPECT_EQ(cma_write(proc_, local.data(), remote.data(), 4000, CMA_REDUCE(SUM, U32)), -EFAULT);
}

TEST_F(SeamReduceTest, FallbackWriteBackFailure)
{
    std::vector<std::int16_t> local(100, 3);
    std::vector<std::int16_t> remote(100, 4);
    fake_.script = {FakeSyscalls::ok(), FakeSyscalls::fail(-EFAULT)}; // the read works, the write-back not
    EXPECT_EQ(cma_write(proc_, local.data(), remote.data(), 200, CMA_REDUCE(PROD, S16)), -EFAULT);
    EXPECT_EQ(remote, std::vector<std::int16_t>(100, 4));
    fake_.script = {FakeSyscalls::ok(), FakeSyscalls::move_at_most(101), FakeSyscalls::fail(-EFAULT)};
    EXPECT_EQ(cma_write(proc_, local.data(), remote.data(), 200, CMA_REDUCE(PROD, S16)), 100)
            << "a torn element is not counted";
}

TEST_F(SeamReduceTest, FallbackBounceBufferIsAllocatedOnlyForReductions)
{
    // Zero-length reductions return before anything else.
    EXPECT_EQ(cma_read(proc_, nullptr, nullptr, 0, CMA_REDUCE(SUM, F64)), 0);
    EXPECT_TRUE(fake_.transfers().empty());
}

// Against real children. On 6.1 this is the fallback, on the patched kernel
// the kernel: the results must be the same.

constexpr std::size_t kRealElements = (1U << 20U) + 3;

double real_value(std::size_t i, int salt)
{
    return std::ldexp(static_cast<double>((i * 2654435761U + static_cast<unsigned>(salt)) % 1000003), -7) - 3000.0;
}

TEST(RealReduce, ReadvSumF64FromAChild)
{
    std::vector<double> remote(kRealElements);
    Peer peer{[&] {
        for (std::size_t i = 0; i < remote.size(); ++i) {
            remote[i] = real_value(i, 1);
        }
    }};
    ASSERT_TRUE(peer.started());
    std::vector<double> local(kRealElements);
    std::vector<double> expected(kRealElements);
    for (std::size_t i = 0; i < local.size(); ++i) {
        local[i] = real_value(i, 2);
        expected[i] = local[i] + real_value(i, 1);
    }
    // Two elements of the local list, one remote.
    const std::vector<iovec> local_list{{local.data(), std::size_t{8} * 1000},
                                        {local.data() + 1000, 8 * (kRealElements - 1000)}};
    const iovec remote_list{remote.data(), 8 * kRealElements};
    ASSERT_EQ(cma_readv(peer.proc(), local_list.data(), 2, &remote_list, 1, CMA_REDUCE(SUM, F64)),
              static_cast<ssize_t>(8 * kRealElements));
    EXPECT_TRUE(local == expected);
    EXPECT_EQ(peer.finish(), 0);
}

TEST(RealReduce, WritevMinS32IntoAChild)
{
    std::vector<std::int32_t> remote(kRealElements);
    std::vector<std::int32_t> local(kRealElements);
    std::vector<std::int32_t> expected(kRealElements);
    for (std::size_t i = 0; i < kRealElements; ++i) {
        // Wrapping in unsigned, then as int32_t: all of the range, both signs.
        remote[i] = static_cast<std::int32_t>(static_cast<std::uint32_t>(i * 7919U) - 1'000'000U);
        local[i] = static_cast<std::int32_t>(static_cast<std::uint32_t>(i * 104729U) - 2'000'000U);
        expected[i] = std::min(remote[i], local[i]);
    }
    Peer peer{{}, [&] { return remote == expected ? 0 : 1; }};
    ASSERT_TRUE(peer.started());
    ASSERT_EQ(cma_write(peer.proc(), local.data(), remote.data(), 4 * kRealElements, CMA_REDUCE(MIN, S32)),
              static_cast<ssize_t>(4 * kRealElements));
    EXPECT_EQ(peer.finish(), 0) << "the child's array is not the element-wise minimum";
}

TEST(RealReduce, WritevToReadOnlyMemoryIsEfault)
{
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    void *mem = ::mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(mem, MAP_FAILED);
    Peer peer{[&] {
        if (::mprotect(mem, page, PROT_READ) != 0) {
            ::_exit(99);
        }
    }};
    ASSERT_TRUE(peer.started());
    std::vector<std::uint8_t> local(page, 1);
    EXPECT_EQ(cma_write(peer.proc(), local.data(), mem, page, CMA_REDUCE(BOR, U8)), -EFAULT);
    EXPECT_EQ(cma_read(peer.proc(), local.data(), mem, page, CMA_REDUCE(BOR, U8)), static_cast<ssize_t>(page));
    EXPECT_EQ(peer.finish(), 0);
    ::munmap(mem, page);
}

} // namespace
} // namespace cma::test
