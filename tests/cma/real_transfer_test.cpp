// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Transfers against real child processes on the running kernel. A buffer
// allocated before the fork has the same address in the child, which fills
// or checks its own copy; the parent's copy is never what gets verified.
#include <cma/cma.h>

#include "iov_testing.hpp"
#include "peer.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <thread>
#include <vector>

namespace cma::test {
namespace {

constexpr std::uint64_t kSalt = 0xc0ffee;
constexpr std::uint64_t kSentinel = 0xdead;
constexpr std::size_t kMiB = std::size_t{1} << 20U;

int matches_pattern(std::span<const std::byte> buf, std::uint64_t salt, std::size_t first_pos = 0)
{
    return find_pattern_mismatch(buf, salt, first_pos) == buf.size() ? 0 : 1;
}

class RealTransferTest : public ::testing::TestWithParam<std::size_t> {};

TEST_P(RealTransferTest, Read)
{
    const std::size_t size = GetParam();
    std::vector<std::byte> remote(size + 3);
    const std::span<std::byte> remote_range = std::span{remote}.subspan(3); // unaligned on purpose
    Peer peer{[&] { fill_pattern(remote_range, kSalt); }};
    ASSERT_TRUE(peer.started());
    std::vector<std::byte> local(size);

    ASSERT_EQ(cma_read(peer.proc(), local.data(), remote_range.data(), size, 0), static_cast<ssize_t>(size));
    EXPECT_EQ(find_pattern_mismatch(local, kSalt), size);
    EXPECT_EQ(peer.finish(), 0);
}

TEST_P(RealTransferTest, Write)
{
    const std::size_t size = GetParam();
    std::vector<std::byte> remote(size + 5);
    const std::span<std::byte> remote_range = std::span{remote}.subspan(5);
    Peer peer{{}, [&] { return matches_pattern(remote_range, kSalt); }};
    ASSERT_TRUE(peer.started());
    std::vector<std::byte> local(size);
    fill_pattern(local, kSalt);

    ASSERT_EQ(cma_write(peer.proc(), local.data(), remote_range.data(), size, 0), static_cast<ssize_t>(size));
    EXPECT_EQ(peer.finish(), 0) << "the child's buffer does not hold what was written";
}

INSTANTIATE_TEST_SUITE_P(Sizes, RealTransferTest,
                         ::testing::Values(1, 100, 4096 + 17, kMiB + 3, 64 * kMiB),
                         [](const ::testing::TestParamInfo<std::size_t> &param) {
                             return std::to_string(param.param) + "_bytes";
                         });

// Random layouts on both sides, thousands of elements (well past IOV_MAX),
// about one in eight empty, visiting their arenas out of order; the arenas
// are at the same addresses in the child.
TEST(RealTransfer, ReadvRandomLayoutsBeyondIovMax)
{
    const std::uint64_t seed = test_seed();
    std::mt19937_64 rng{seed};
    for (int round = 0; round < 3; ++round) {
        SCOPED_TRACE(::testing::Message() << "seed " << seed << " round " << round);
        RandomCopy copy{rng, 3000, 5000, 3500};
        Peer peer{{}};
        ASSERT_TRUE(peer.started());
        // Only the child's source still holds the pattern.
        fill_pattern(copy.src_arena, kSentinel);

        ASSERT_EQ(cma_readv(peer.proc(), copy.dst.data(), copy.dst.size(), copy.src.data(), copy.src.size(), 0),
                  static_cast<ssize_t>(copy.want));
        EXPECT_TRUE(copy.dst_arena == copy.expected_dst) << "wrong bytes, or bytes outside the elements";
        EXPECT_EQ(peer.finish(), 0);
    }
}

TEST(RealTransfer, WritevRandomLayoutsBeyondIovMax)
{
    const std::uint64_t seed = test_seed();
    std::mt19937_64 rng{seed};
    for (int round = 0; round < 3; ++round) {
        SCOPED_TRACE(::testing::Message() << "seed " << seed << " round " << round);
        RandomCopy copy{rng, 5000, 3000, 3500};
        // The child checks its whole destination arena, gaps included.
        Peer peer{{}, [&] { return copy.dst_arena == copy.expected_dst ? 0 : 1; }};
        ASSERT_TRUE(peer.started());

        ASSERT_EQ(cma_writev(peer.proc(), copy.src.data(), copy.src.size(), copy.dst.data(), copy.dst.size(), 0),
                  static_cast<ssize_t>(copy.want));
        EXPECT_EQ(peer.finish(), 0) << "wrong bytes, or bytes outside the elements";
    }
}

TEST(RealTransfer, EmptyElementsAtEitherEnd)
{
    std::vector<std::byte> remote(10000);
    std::vector<std::byte> local(10000);
    Peer peer{[&] { fill_pattern(remote, kSalt); }};
    ASSERT_TRUE(peer.started());
    std::byte *const r = remote.data();
    std::byte *const l = local.data();
    const std::vector<iovec> remote_list{{r, 0}, {r, 0}, {r, 4000}, {r + 4000, 0}, {r + 4000, 6000}, {r, 0}};
    const std::vector<iovec> local_list{{l, 0}, {l, 1}, {l + 1, 0}, {l + 1, 9999}, {l, 0}};

    ASSERT_EQ(cma_readv(peer.proc(), local_list.data(), local_list.size(), remote_list.data(),
                        remote_list.size(), 0),
              10000);
    EXPECT_EQ(find_pattern_mismatch(local, kSalt), local.size());
    EXPECT_EQ(peer.finish(), 0);
}

// The kernel moves at most MAX_RW_COUNT (0x7ffff000) bytes per call and stops
// in the middle of an element to do so. 513 elements of 4 MiB make 2052 MiB,
// but the memory is shared: all elements before the split one alias a sink
// buffer, and the split element and the one after it get their own buffers,
// which are checked. Each source element starts at a different offset of a
// patterned buffer, so a resume at the wrong offset shows.
constexpr std::size_t kElement = 4 * kMiB;
constexpr std::size_t kElements = 513;
constexpr std::size_t kSplitElement = 0x7ffff000 / kElement; // 511, cut 4 KiB before its end
static_assert(kSplitElement + 2 == kElements);

std::size_t source_offset(std::size_t element)
{
    return (element * 12345) % kElement;
}

// Element i: kElement bytes at source_offset(i) of @source (2 * kElement).
std::vector<iovec> clamp_sources(std::byte *source)
{
    std::vector<iovec> list;
    for (std::size_t i = 0; i < kElements; ++i) {
        list.push_back({source + source_offset(i), kElement});
    }
    return list;
}

// Every element @sink, except the split one and the one after it.
std::vector<iovec> clamp_destinations(std::byte *sink, std::byte *split, std::byte *last)
{
    std::vector<iovec> list(kElements, iovec{sink, kElement});
    list[kSplitElement].iov_base = split;
    list[kSplitElement + 1].iov_base = last;
    return list;
}

TEST(RealTransfer, ReadvBeyondMaxRwCount)
{
    std::vector<std::byte> source(2 * kElement);
    std::vector<std::byte> sink(kElement);
    std::vector<std::byte> split(kElement);
    std::vector<std::byte> last(kElement);
    Peer peer{[&] { fill_pattern(source, kSalt); }};
    ASSERT_TRUE(peer.started());
    const std::vector<iovec> remote = clamp_sources(source.data());
    const std::vector<iovec> local = clamp_destinations(sink.data(), split.data(), last.data());

    ASSERT_EQ(cma_readv(peer.proc(), local.data(), local.size(), remote.data(), remote.size(), 0),
              static_cast<ssize_t>(kElements * kElement));
    EXPECT_EQ(find_pattern_mismatch(split, kSalt, source_offset(kSplitElement)), kElement);
    EXPECT_EQ(find_pattern_mismatch(last, kSalt, source_offset(kSplitElement + 1)), kElement);
    EXPECT_EQ(peer.finish(), 0);
}

TEST(RealTransfer, WritevBeyondMaxRwCount)
{
    std::vector<std::byte> source(2 * kElement);
    fill_pattern(source, kSalt);
    std::vector<std::byte> sink(kElement);
    std::vector<std::byte> split(kElement);
    std::vector<std::byte> last(kElement);
    Peer peer{{}, [&] {
                  return matches_pattern(split, kSalt, source_offset(kSplitElement)) |
                         matches_pattern(last, kSalt, source_offset(kSplitElement + 1));
              }};
    ASSERT_TRUE(peer.started());
    const std::vector<iovec> local = clamp_sources(source.data());
    const std::vector<iovec> remote = clamp_destinations(sink.data(), split.data(), last.data());

    ASSERT_EQ(cma_writev(peer.proc(), local.data(), local.size(), remote.data(), remote.size(), 0),
              static_cast<ssize_t>(kElements * kElement));
    EXPECT_EQ(peer.finish(), 0) << "the elements around the split hold the wrong bytes";
}

TEST(RealTransfer, ConcurrentTransfersShareOneHandle)
{
    constexpr std::size_t kSize = 4 * kMiB;
    constexpr std::size_t kChunk = 256 * 1024 + 7;
    std::vector<std::byte> remote(kSize);
    Peer peer{[&] { fill_pattern(remote, kSalt); }};
    ASSERT_TRUE(peer.started());
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            std::vector<std::byte> local(kChunk);
            for (std::size_t i = 0; i < 50; ++i) {
                const std::size_t offset = ((t * 50) + i) * 4099 % (kSize - kChunk);
                if (cma_read(peer.proc(), local.data(), remote.data() + offset, kChunk, 0) !=
                            static_cast<ssize_t>(kChunk) ||
                    matches_pattern(local, kSalt, offset) != 0) {
                    ++failures;
                }
            }
        });
    }
    for (std::thread &thread : threads) {
        thread.join();
    }
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(peer.finish(), 0);
}

TEST(RealTransfer, ReadFromSelf)
{
    std::vector<std::byte> source(100'000);
    fill_pattern(source, kSalt);
    std::vector<std::byte> local(source.size());
    cma_process *self = nullptr;
    ASSERT_EQ(cma_process_open(getpid(), 0, &self), 0);
    EXPECT_EQ(cma_process_pid(self), getpid());

    EXPECT_EQ(cma_read(self, local.data(), source.data(), source.size(), 0), 100'000);
    EXPECT_EQ(local, source);
    cma_process_close(self);
}

} // namespace
} // namespace cma::test
