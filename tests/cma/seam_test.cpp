// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The transfer loop against a scripted kernel (fake_syscalls.hpp): every
// error, short count and misbehaviour that a real kernel produces only under
// conditions a test cannot arrange on demand. The handle is opened with
// cma::detail::open_process(); the calls under test are the public ones.
#include <cma/cma.h>

#include "fake_syscalls.hpp"
#include "iov_cursor.hpp"
#include "iov_testing.hpp"
#include "process.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <random>
#include <span>
#include <vector>

namespace cma::test {
namespace {

constexpr pid_t kPeer = 4242; // the fake never looks it up
constexpr std::uint64_t kSalt = 0x5eed;
constexpr auto kSsizeMax = static_cast<std::size_t>(std::numeric_limits<ssize_t>::max());
constexpr std::size_t kGiB = std::size_t{1} << 30U;

// @buf cut into consecutive elements of @element bytes (the last may be
// shorter).
std::vector<iovec> split(std::span<std::byte> buf, std::size_t element)
{
    std::vector<iovec> list;
    for (std::size_t off = 0; off < buf.size(); off += element) {
        list.push_back({buf.data() + off, std::min(element, buf.size() - off)});
    }
    return list;
}

std::size_t offset_of(const void *address, std::span<const std::byte> buf)
{
    return static_cast<std::size_t>(static_cast<const std::byte *>(address) - buf.data());
}

class SeamTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_EQ(cma::detail::open_process(kPeer, 0, fake_.table(), &proc_), 0); }
    void TearDown() override { cma_process_close(proc_); }

    // A source filled with the pattern and a zeroed destination.
    void make_buffers(std::size_t size)
    {
        src_.assign(size, std::byte{0});
        fill_pattern(src_, kSalt);
        dst_.assign(size, std::byte{0});
    }

    [[nodiscard]] ssize_t readv(std::span<const iovec> local, std::span<const iovec> remote) const
    {
        return cma_readv(proc_, local.data(), local.size(), remote.data(), remote.size(), 0);
    }

    [[nodiscard]] std::size_t bytes_reported() const
    {
        std::size_t sum = 0;
        for (const auto &call : fake_.calls) {
            sum += call.result > 0 ? static_cast<std::size_t>(call.result) : 0;
        }
        return sum;
    }

    FakeSyscalls fake_;
    cma_process *proc_ = nullptr;
    std::vector<std::byte> src_;
    std::vector<std::byte> dst_;
};

TEST_F(SeamTest, SmallListsGoToTheKernelUnchanged)
{
    make_buffers(300);
    const std::vector<iovec> remote{{src_.data(), 100}, {src_.data() + 100, 0}, {src_.data() + 100, 200}};
    const std::vector<iovec> local{{dst_.data(), 150}, {dst_.data() + 150, 150}};

    ASSERT_EQ(readv(local, remote), 300);
    ASSERT_EQ(fake_.calls.size(), 1U);
    EXPECT_FALSE(fake_.calls[0].write);
    EXPECT_EQ(fake_.calls[0].pid, kPeer);
    EXPECT_EQ(fake_.calls[0].local_array, local.data()) << "copied a list that needed no copy";
    EXPECT_EQ(fake_.calls[0].remote_array, remote.data()) << "copied a list that needed no copy";
    EXPECT_EQ(dst_, src_);
}

TEST_F(SeamTest, WritevUsesTheWriteCall)
{
    make_buffers(4096);
    const iovec local{src_.data(), src_.size()};
    const iovec remote{dst_.data(), dst_.size()};

    ASSERT_EQ(cma_writev(proc_, &local, 1, &remote, 1, 0), 4096);
    ASSERT_EQ(fake_.calls.size(), 1U);
    EXPECT_TRUE(fake_.calls[0].write);
    EXPECT_EQ(dst_, src_);
    ASSERT_EQ(cma_write(proc_, src_.data(), dst_.data(), 10, 0), 10);
    EXPECT_TRUE(fake_.calls.back().write);
    ASSERT_EQ(cma_read(proc_, dst_.data(), src_.data(), 10, 0), 10);
    EXPECT_FALSE(fake_.calls.back().write);
}

class SeamErrorTest : public SeamTest, public ::testing::WithParamInterface<int> {};

TEST_P(SeamErrorTest, ErrorWithNothingMovedIsReturned)
{
    make_buffers(8192);
    const std::vector<iovec> remote = split(src_, 4096);
    const std::vector<iovec> local = split(dst_, 3000);
    fake_.script = {FakeSyscalls::fail(-GetParam())};

    EXPECT_EQ(readv(local, remote), -GetParam());
    EXPECT_EQ(fake_.calls.size(), 1U);
    EXPECT_EQ(std::ranges::count(dst_, std::byte{0}), 8192);
}

TEST_P(SeamErrorTest, ErrorAfterSomeBytesReturnsTheBytesMoved)
{
    make_buffers(std::size_t{4} * 4096);
    const std::vector<iovec> remote = split(src_, 4096);
    const std::vector<iovec> local = split(dst_, 4096);
    // 5000 bytes, then the error: the kernel's own behaviour at a fault.
    fake_.script = {FakeSyscalls::move_at_most(5000), FakeSyscalls::fail(-GetParam())};

    ASSERT_EQ(readv(local, remote), 5000);
    ASSERT_EQ(fake_.calls.size(), 2U);
    // The second call resumed in the middle of element 1 on both sides.
    const auto &resumed = fake_.calls[1];
    EXPECT_EQ(offset_of(resumed.local[0].iov_base, dst_), 5000U);
    EXPECT_EQ(resumed.local[0].iov_len, 8192U - 5000U);
    EXPECT_EQ(offset_of(resumed.remote[0].iov_base, src_), 5000U);
    EXPECT_EQ(resumed.remote[0].iov_len, 8192U - 5000U);
    EXPECT_EQ(resumed.local.size(), 3U);
    EXPECT_TRUE(std::equal(dst_.begin(), dst_.begin() + 5000, src_.begin()));
    EXPECT_EQ(std::count(dst_.begin() + 5000, dst_.end(), std::byte{0}), (4 * 4096) - 5000);
}

INSTANTIATE_TEST_SUITE_P(Errno, SeamErrorTest, ::testing::Values(EPERM, ESRCH, EFAULT, ENOMEM, ENOSYS),
                         [](const ::testing::TestParamInfo<int> &param) {
                             return std::string{strerrorname_np(param.param)};
                         });

TEST_F(SeamTest, ShortCountsMidElementAreResumed)
{
    make_buffers(std::size_t{64} * 1024);
    const std::vector<iovec> remote = split(src_, 3000);
    const std::vector<iovec> local = split(dst_, 4096);
    fake_.clamp = 1000; // every call stops short, nowhere near an element boundary

    ASSERT_EQ(readv(local, remote), 64 * 1024);
    EXPECT_EQ(dst_, src_);
    EXPECT_EQ(fake_.calls.size(), (64U * 1024U + 999U) / 1000U);
    EXPECT_EQ(bytes_reported(), 64U * 1024U);
    EXPECT_EQ(fake_.rule_violations, 0U);
}

TEST_F(SeamTest, RepeatedEintrIsRetried)
{
    make_buffers(10000);
    const std::vector<iovec> remote = split(src_, 999);
    const std::vector<iovec> local = split(dst_, 1234);
    fake_.script.assign(50, FakeSyscalls::fail(-EINTR));
    fake_.script.push_back(FakeSyscalls::move_at_most(10));
    fake_.script.insert(fake_.script.end(), 3, FakeSyscalls::fail(-EINTR));

    ASSERT_EQ(readv(local, remote), 10000);
    EXPECT_EQ(dst_, src_);
    EXPECT_EQ(fake_.calls.size(), 50U + 1U + 3U + 1U);
}

TEST_F(SeamTest, RandomShortCountsAndEintr)
{
    const std::uint64_t seed = test_seed();
    std::mt19937_64 rng{seed};
    std::uniform_int_distribution<std::size_t> cut(1, 5000);
    std::bernoulli_distribution interrupted(0.2);
    for (int round = 0; round < 20; ++round) {
        SCOPED_TRACE(::testing::Message() << "seed " << seed << " round " << round);
        RandomCopy copy{rng, 300, 500, 2000};
        fake_.calls.clear();
        fake_.script.clear();
        for (int i = 0; i < 1000; ++i) {
            fake_.script.push_back(interrupted(rng) ? FakeSyscalls::fail(-EINTR)
                                                    : FakeSyscalls::move_at_most(cut(rng)));
        }

        ASSERT_EQ(readv(copy.dst, copy.src), static_cast<ssize_t>(copy.want));
        EXPECT_TRUE(copy.dst_arena == copy.expected_dst);
        EXPECT_EQ(bytes_reported(), copy.want);
        EXPECT_EQ(fake_.rule_violations, 0U);
    }
}

TEST_F(SeamTest, KernelClampBelowMaxRwCount)
{
    // A kernel whose per-call limit is not MAX_RW_COUNT (another page size,
    // another version): nothing may depend on getting 0x7ffff000 per call.
    make_buffers(100'000);
    const std::vector<iovec> remote = split(src_, 100'000);
    const std::vector<iovec> local = split(dst_, 100'000);
    fake_.clamp = 4097;

    ASSERT_EQ(readv(local, remote), 100'000);
    EXPECT_EQ(dst_, src_);
    EXPECT_EQ(fake_.calls.size(), (100'000U + 4096U) / 4097U);
    for (const auto &call : fake_.calls) {
        EXPECT_EQ(call.local.size(), 1U);
    }
}

TEST_F(SeamTest, MaxRwCountSplitsMultiGigabyteElements)
{
    // Addresses only: nothing is touched.
    fake_.copy_memory = false;
    const std::size_t len = 5 * kGiB;
    const iovec local{reinterpret_cast<void *>(std::uintptr_t{0x10000000}), len};      // NOLINT(performance-no-int-to-ptr)
    const iovec remote{reinterpret_cast<void *>(std::uintptr_t{0x7f0000000000}), len}; // NOLINT(performance-no-int-to-ptr)

    ASSERT_EQ(cma_readv(proc_, &local, 1, &remote, 1, 0), static_cast<ssize_t>(len));
    ASSERT_EQ(fake_.calls.size(), 3U);
    EXPECT_EQ(fake_.calls[0].result, static_cast<ssize_t>(detail::kMaxRwCount));
    EXPECT_EQ(fake_.calls[1].result, static_cast<ssize_t>(detail::kMaxRwCount));
    EXPECT_EQ(fake_.calls[2].result, static_cast<ssize_t>(len - (2 * detail::kMaxRwCount)));
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(fake_.calls[1].local[0].iov_base),
              0x10000000 + detail::kMaxRwCount);
    EXPECT_EQ(fake_.calls[1].local[0].iov_len, len - detail::kMaxRwCount);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(fake_.calls[2].remote[0].iov_base),
              0x7f0000000000 + (2 * detail::kMaxRwCount));
}

// Random lists of 3000 and 5000 elements, in-process: every call within
// IOV_MAX on both sides, exact bytes, nothing outside the elements touched.
void check_long_lists(const FakeSyscalls &fake, cma_process *proc, bool write)
{
    const std::uint64_t seed = test_seed();
    std::mt19937_64 rng{seed};
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    const RandomCopy copy{rng, 3000, 5000, 2500};
    const std::vector<iovec> &src = copy.src;
    const std::vector<iovec> &dst = copy.dst;

    const ssize_t moved = write ? cma_writev(proc, src.data(), src.size(), dst.data(), dst.size(), 0)
                                : cma_readv(proc, dst.data(), dst.size(), src.data(), src.size(), 0);

    ASSERT_EQ(moved, static_cast<ssize_t>(copy.want));
    EXPECT_TRUE(copy.dst_arena == copy.expected_dst) << "wrong bytes, or bytes outside the elements";
    EXPECT_EQ(fake.rule_violations, 0U);
    for (const auto &call : fake.calls) {
        EXPECT_EQ(call.write, write);
        EXPECT_LE(call.local.size(), detail::kIovMax);
        EXPECT_LE(call.remote.size(), detail::kIovMax);
    }
    // Each call consumes at least a copied window (128 elements when both
    // sides resume mid-element) of one side: the windows never degenerate.
    EXPECT_LE(fake.calls.size(), ((src.size() + dst.size()) / 128) + 2);
    ::testing::Test::RecordProperty("calls", static_cast<int>(fake.calls.size()));
}

TEST_F(SeamTest, ReadvListsLongerThanIovMaxAreSplit)
{
    check_long_lists(fake_, proc_, false);
}

TEST_F(SeamTest, WritevListsLongerThanIovMaxAreSplit)
{
    check_long_lists(fake_, proc_, true);
}

TEST_F(SeamTest, EmptyElementsBeyondIovMax)
{
    make_buffers(100);
    std::vector<iovec> local(2000, iovec{dst_.data(), 0});
    local.push_back({dst_.data(), 100});
    local.insert(local.end(), 1500, iovec{dst_.data(), 0});
    std::vector<iovec> remote(1500, iovec{src_.data(), 0});
    remote.push_back({src_.data(), 60});
    remote.insert(remote.end(), 1100, iovec{src_.data() + 60, 0});
    remote.push_back({src_.data() + 60, 40});

    ASSERT_EQ(readv(local, remote), 100);
    EXPECT_EQ(dst_, src_);
    EXPECT_EQ(fake_.rule_violations, 0U);
    for (const auto &call : fake_.calls) {
        EXPECT_NE(call.local[0].iov_len, 0U) << "a window started with an empty element";
        EXPECT_NE(call.remote[0].iov_len, 0U) << "a window started with an empty element";
    }
}

// Counts Linux never returns: none without an error, more than requested.
TEST_F(SeamTest, ImpossibleCountsEndTheTransfer)
{
    struct Case {
        std::deque<FakeSyscalls::Step> script;
        ssize_t result;
    };
    const std::vector<Case> cases{
            {{FakeSyscalls::move_at_most(0)}, -EIO},
            {{FakeSyscalls::move_at_most(10), FakeSyscalls::move_at_most(0)}, 10},
            {{FakeSyscalls::misreport(4097)}, -EIO},
            {{FakeSyscalls::move_at_most(100), FakeSyscalls::misreport(1 << 20)}, 100},
    };
    make_buffers(4096);
    const std::vector<iovec> remote = split(src_, 1024);
    const std::vector<iovec> local = split(dst_, 1024);

    for (const Case &c : cases) {
        SCOPED_TRACE(c.result);
        fake_.calls.clear();
        fake_.script = c.script;
        EXPECT_EQ(readv(local, remote), c.result);
        EXPECT_EQ(fake_.calls.size(), c.script.size()) << "the transfer went on";
    }
}

// Each of these must fail with -EINVAL before any system call.
TEST_F(SeamTest, NullHandleIsEinval)
{
    make_buffers(64);
    const iovec local{dst_.data(), 64};
    const iovec remote{src_.data(), 64};

    EXPECT_EQ(cma_readv(nullptr, &local, 1, &remote, 1, 0), -EINVAL);
    EXPECT_EQ(cma_writev(nullptr, &local, 1, &remote, 1, 0), -EINVAL);
    EXPECT_EQ(cma_read(nullptr, dst_.data(), src_.data(), 64, 0), -EINVAL);
    EXPECT_EQ(cma_write(nullptr, src_.data(), dst_.data(), 64, 0), -EINVAL);
    EXPECT_TRUE(fake_.calls.empty());
}

TEST_F(SeamTest, UnknownFlagsAreEinval)
{
    make_buffers(64);
    const iovec local{dst_.data(), 64};
    const iovec remote{src_.data(), 64};

    for (const unsigned flags : {1U, 0x100U, 0x80000000U, UINT_MAX}) {
        SCOPED_TRACE(flags);
        EXPECT_EQ(cma_readv(proc_, &local, 1, &remote, 1, flags), -EINVAL);
        EXPECT_EQ(cma_writev(proc_, &local, 1, &remote, 1, flags), -EINVAL);
        EXPECT_EQ(cma_read(proc_, dst_.data(), src_.data(), 64, flags), -EINVAL);
        EXPECT_EQ(cma_write(proc_, src_.data(), dst_.data(), 64, flags), -EINVAL);
        // Even when nothing would move.
        EXPECT_EQ(cma_readv(proc_, nullptr, 0, nullptr, 0, flags), -EINVAL);
    }
    EXPECT_TRUE(fake_.calls.empty());
}

TEST_F(SeamTest, NullListWithACountIsEinval)
{
    make_buffers(64);
    const iovec local{dst_.data(), 64};
    const iovec remote{src_.data(), 64};

    EXPECT_EQ(cma_readv(proc_, nullptr, 1, &remote, 1, 0), -EINVAL);
    EXPECT_EQ(cma_readv(proc_, &local, 1, nullptr, 1, 0), -EINVAL);
    EXPECT_EQ(cma_writev(proc_, nullptr, 1, &remote, 1, 0), -EINVAL);
    EXPECT_EQ(cma_writev(proc_, &local, 1, nullptr, 1, 0), -EINVAL);
    EXPECT_TRUE(fake_.calls.empty());
}

TEST_F(SeamTest, LengthsBeyondSsizeMaxAreEinval)
{
    make_buffers(64);
    const iovec good{dst_.data(), 64};
    const iovec too_long{dst_.data(), kSsizeMax + 1};
    const std::vector<iovec> overflowing(2, iovec{dst_.data(), (kSsizeMax / 2) + 1});

    EXPECT_EQ(cma_readv(proc_, &too_long, 1, &good, 1, 0), -EINVAL);
    EXPECT_EQ(cma_readv(proc_, &good, 1, &too_long, 1, 0), -EINVAL);
    EXPECT_EQ(cma_writev(proc_, &too_long, 1, &good, 1, 0), -EINVAL);
    EXPECT_EQ(cma_writev(proc_, &good, 1, &too_long, 1, 0), -EINVAL);
    EXPECT_EQ(cma_readv(proc_, overflowing.data(), 2, &good, 1, 0), -EINVAL);
    EXPECT_EQ(cma_readv(proc_, &good, 1, overflowing.data(), 2, 0), -EINVAL);
    EXPECT_EQ(cma_read(proc_, dst_.data(), src_.data(), kSsizeMax + 1, 0), -EINVAL);
    EXPECT_EQ(cma_write(proc_, src_.data(), dst_.data(), SIZE_MAX, 0), -EINVAL);
    EXPECT_TRUE(fake_.calls.empty());
}

TEST_F(SeamTest, TotalOfExactlySsizeMaxIsValid)
{
    // The kernel then decides (here: EFAULT); nothing is touched.
    fake_.copy_memory = false;
    fake_.script = {FakeSyscalls::fail(-EFAULT)};
    make_buffers(64);
    const std::vector<iovec> at_limit{{dst_.data(), kSsizeMax - 1}, {dst_.data(), 1}, {dst_.data(), 0}};

    EXPECT_EQ(cma_readv(proc_, at_limit.data(), at_limit.size(), at_limit.data(), at_limit.size(), 0), -EFAULT);
    EXPECT_EQ(fake_.calls.size(), 1U);
}

TEST_F(SeamTest, EmptyRequestsNeverReachTheKernel)
{
    make_buffers(64);
    const iovec some{dst_.data(), 64};
    const std::vector<iovec> empties(3000, iovec{dst_.data(), 0});

    EXPECT_EQ(cma_readv(proc_, nullptr, 0, nullptr, 0, 0), 0);
    EXPECT_EQ(cma_readv(proc_, &some, 1, nullptr, 0, 0), 0);
    EXPECT_EQ(cma_readv(proc_, nullptr, 0, &some, 1, 0), 0);
    EXPECT_EQ(cma_writev(proc_, empties.data(), empties.size(), &some, 1, 0), 0);
    EXPECT_EQ(cma_readv(proc_, &some, 1, empties.data(), empties.size(), 0), 0);
    EXPECT_EQ(cma_read(proc_, dst_.data(), src_.data(), 0, 0), 0);
    EXPECT_EQ(cma_write(proc_, nullptr, nullptr, 0, 0), 0);
    EXPECT_TRUE(fake_.calls.empty());
}

TEST(SeamOpenTest, RejectsBadArguments)
{
    FakeSyscalls fake;
    auto *proc = reinterpret_cast<cma_process *>(std::uintptr_t{1}); // NOLINT(performance-no-int-to-ptr): poison

    EXPECT_EQ(cma::detail::open_process(kPeer, 1, fake.table(), &proc), -EINVAL);
    EXPECT_EQ(proc, nullptr);
    EXPECT_EQ(cma::detail::open_process(0, 0, fake.table(), &proc), -EINVAL);
    EXPECT_EQ(cma::detail::open_process(-1, 0, fake.table(), &proc), -EINVAL);
    EXPECT_EQ(cma::detail::open_process(kPeer, 0, fake.table(), nullptr), -EINVAL);
    EXPECT_EQ(cma_process_pid(nullptr), -EINVAL);
    cma_process_close(nullptr);
}

TEST(SeamOpenTest, MissingProcessIsEsrch)
{
    FakeSyscalls fake;
    fake.kill_result = -ESRCH;
    cma_process *proc = nullptr;

    EXPECT_EQ(cma::detail::open_process(kPeer, 0, fake.table(), &proc), -ESRCH);
    EXPECT_EQ(proc, nullptr);
}

TEST(SeamOpenTest, UnsignallableProcessStillOpens)
{
    // kill() may be denied where CMA is allowed (and the reverse); open only
    // establishes that the process exists.
    FakeSyscalls fake;
    fake.kill_result = -EPERM;
    cma_process *proc = nullptr;

    ASSERT_EQ(cma::detail::open_process(kPeer, 0, fake.table(), &proc), 0);
    EXPECT_EQ(cma_process_pid(proc), kPeer);
    cma_process_close(proc);
}

} // namespace
} // namespace cma::test
