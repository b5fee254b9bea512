// SPDX-License-Identifier: LGPL-2.1-or-later
//
// CMA_NOWAIT: passed through to a kernel that has PROCESS_VM_NOWAIT (EFAULT,
// or the bytes before a page the peer has not mapped), -EOPNOTSUPP on one
// that has not, checked in the kernel's order.
#include <cma/cma.h>

#include "fake_syscalls.hpp"
#include "iov_testing.hpp"
#include "peer.hpp"
#include "process.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace cma::test {
namespace {

constexpr pid_t kPeer = 4242;
constexpr std::uint64_t kSalt = 0x20a17;

class SeamNowaitTest : public ::testing::Test {
protected:
    void open(unsigned features)
    {
        fake_.features = features;
        ASSERT_EQ(cma::detail::open_process(kPeer, 0, fake_.table(), &proc_), 0);
        src_.resize(std::size_t{64} * 1024);
        fill_pattern(src_, kSalt);
        dst_.assign(src_.size(), std::byte{0});
    }
    void TearDown() override { cma_process_close(proc_); }

    FakeSyscalls fake_;
    cma_process *proc_ = nullptr;
    std::vector<std::byte> src_;
    std::vector<std::byte> dst_;
};

TEST_F(SeamNowaitTest, PassedToAKernelThatHasIt)
{
    open(CMA_FEATURE_NOWAIT);
    ASSERT_EQ(cma_read(proc_, dst_.data(), src_.data(), src_.size(), CMA_NOWAIT), static_cast<ssize_t>(src_.size()));
    EXPECT_EQ(dst_, src_);
    ASSERT_EQ(cma_write(proc_, src_.data(), dst_.data(), src_.size(), CMA_NOWAIT),
              static_cast<ssize_t>(src_.size()));
    const auto calls = fake_.transfers();
    ASSERT_EQ(calls.size(), 2U);
    EXPECT_EQ(calls[0].flags, CMA_NOWAIT);
    EXPECT_EQ(calls[1].flags, CMA_NOWAIT);
}

TEST_F(SeamNowaitTest, NonResidentPagesEndTheTransfer)
{
    open(CMA_FEATURE_NOWAIT);
    fake_.nonresident = {FakeSyscalls::range_of(src_.data() + 10'000, 4096)};
    EXPECT_EQ(cma_read(proc_, dst_.data(), src_.data(), src_.size(), CMA_NOWAIT), 10'000);
    EXPECT_TRUE(std::equal(dst_.begin(), dst_.begin() + 10'000, src_.begin()));
    EXPECT_EQ(cma_read(proc_, dst_.data(), src_.data() + 10'000, 100, CMA_NOWAIT), -EFAULT);
    // Without the flag the kernel waits for the page.
    EXPECT_EQ(cma_read(proc_, dst_.data(), src_.data(), src_.size(), 0), static_cast<ssize_t>(src_.size()));
}

TEST_F(SeamNowaitTest, WithAPidfdHandle)
{
    fake_.features = CMA_FEATURE_NOWAIT | CMA_FEATURE_PIDFD;
    fake_.files["/proc/self/fdinfo/1000"] = "Pid:\t4242\n";
    cma_process *proc = nullptr;
    ASSERT_EQ(cma::detail::open_pidfd(5, 0, fake_.table(), &proc), 0);
    std::vector<std::byte> buf(100);
    EXPECT_EQ(cma_read(proc, buf.data(), buf.data(), buf.size(), CMA_NOWAIT), 100);
    EXPECT_EQ(fake_.transfers().back().flags, CMA_NOWAIT | 1U);
    cma_process_close(proc);
}

TEST_F(SeamNowaitTest, EopnotsuppWithoutKernelSupport)
{
    open(0);
    EXPECT_EQ(cma_read(proc_, dst_.data(), src_.data(), src_.size(), CMA_NOWAIT), -EOPNOTSUPP);
    EXPECT_EQ(cma_writev(proc_, nullptr, 0, nullptr, 0, CMA_NOWAIT), -EOPNOTSUPP) << "even when nothing moves";
    EXPECT_EQ(cma_read(proc_, dst_.data(), src_.data(), 64, CMA_NOWAIT | CMA_REDUCE(SUM, U8)), -EOPNOTSUPP);
    EXPECT_TRUE(fake_.transfers().empty());
    // Found once: later transfers do not ask the kernel again.
    const std::size_t calls = fake_.calls.size();
    EXPECT_EQ(cma_read(proc_, dst_.data(), src_.data(), 64, CMA_NOWAIT), -EOPNOTSUPP);
    EXPECT_EQ(fake_.calls.size(), calls);
}

TEST_F(SeamNowaitTest, ErrorOrder)
{
    open(0);
    // Flags first (EINVAL), then NOWAIT (EOPNOTSUPP), then the lists (EINVAL).
    EXPECT_EQ(cma_read(proc_, dst_.data(), src_.data(), 64, CMA_NOWAIT | (1U << 30U)), -EINVAL);
    EXPECT_EQ(cma_read(proc_, dst_.data(), src_.data(), 64, CMA_NOWAIT | CMA_REDUCE(BAND, F32)), -EINVAL);
    EXPECT_EQ(cma_readv(proc_, nullptr, 1, nullptr, 1, CMA_NOWAIT), -EOPNOTSUPP);
    EXPECT_EQ(cma_read(proc_, dst_.data() + 1, src_.data(), 64, CMA_NOWAIT | CMA_REDUCE(SUM, U64)), -EOPNOTSUPP);
    fake_.features = CMA_FEATURE_NOWAIT; // a kernel with it, on a new handle
    cma_process *proc = nullptr;
    ASSERT_EQ(cma::detail::open_process(kPeer, 0, fake_.table(), &proc), 0);
    EXPECT_EQ(cma_readv(proc, nullptr, 1, nullptr, 1, CMA_NOWAIT), -EINVAL);
    EXPECT_EQ(cma_read(proc, dst_.data() + 1, src_.data(), 64, CMA_NOWAIT | CMA_REDUCE(SUM, U64)), -EINVAL);
    cma_process_close(proc);
}

TEST_F(SeamNowaitTest, ReduceFallbackPassesNowaitOn)
{
    open(CMA_FEATURE_NOWAIT); // NOWAIT, but no reduce
    std::vector<std::uint32_t> local(1000, 1);
    std::vector<std::uint32_t> remote(1000, 2);
    fake_.nonresident = {FakeSyscalls::range_of(remote.data() + 600, 4)};
    EXPECT_EQ(cma_read(proc_, local.data(), remote.data(), 4000, CMA_NOWAIT | CMA_REDUCE(SUM, U32)), 2400);
    EXPECT_EQ(local[599], 3U);
    EXPECT_EQ(local[600], 1U);
    for (const auto &call : fake_.transfers()) {
        EXPECT_EQ(call.flags, CMA_NOWAIT);
    }
}

// The running kernel.

TEST(RealNowait, EopnotsuppOnAKernelWithoutIt)
{
    std::vector<std::byte> remote(4096);
    Peer peer{[&] { fill_pattern(remote, kSalt); }};
    ASSERT_TRUE(peer.started());
    cma_probe_result probe{};
    ASSERT_EQ(cma_probe(peer.proc(), &probe), 0);
    std::vector<std::byte> local(remote.size());
    const ssize_t ret = cma_read(peer.proc(), local.data(), remote.data(), local.size(), CMA_NOWAIT);
    if ((probe.features & CMA_FEATURE_NOWAIT) == 0) {
        EXPECT_EQ(ret, -EOPNOTSUPP);
    } else {
        // Resident memory (the child wrote it): everything moves.
        EXPECT_EQ(ret, static_cast<ssize_t>(local.size()));
        EXPECT_EQ(find_pattern_mismatch(local, kSalt), local.size());
    }
    EXPECT_EQ(peer.finish(), 0);
}

TEST(RealNowait, UntouchedRemotePagesOnAKernelWithIt)
{
    constexpr std::size_t kSize = std::size_t{4} << 20U;
    // Allocated, never touched by the child: not resident there.
    auto *remote = static_cast<std::byte *>(std::aligned_alloc(4096, kSize));
    ASSERT_NE(remote, nullptr);
    Peer peer{{}};
    ASSERT_TRUE(peer.started());
    cma_probe_result probe{};
    ASSERT_EQ(cma_probe(peer.proc(), &probe), 0);
    if ((probe.features & CMA_FEATURE_NOWAIT) == 0) {
        std::free(remote);
        GTEST_SKIP() << "the kernel has no PROCESS_VM_NOWAIT";
    }
    std::vector<std::byte> local(kSize);
    const ssize_t ret = cma_read(peer.proc(), local.data(), remote, kSize, CMA_NOWAIT);
    // Never touched by the peer, so not mapped there: nothing moves.
    EXPECT_EQ(ret, -EFAULT);
    EXPECT_EQ(cma_read(peer.proc(), local.data(), remote, kSize, 0), static_cast<ssize_t>(kSize));
    EXPECT_EQ(peer.finish(), 0);
    std::free(remote);
}

} // namespace
} // namespace cma::test
