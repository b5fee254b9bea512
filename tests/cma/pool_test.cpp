// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Contexts: large copies split across a pool of threads. Against a scripted
// kernel: the split itself, exact prefixes when a middle slice faults, NUMA
// placement (and its absence), what is never split; against real children:
// large random scatter-gather layouts, and a fault in a middle slice.
#include <cma/cma.h>

#include "child_process.hpp"
#include "fake_syscalls.hpp"
#include "iov_testing.hpp"
#include "peer.hpp"
#include "pool.hpp"
#include "process.hpp"

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <random>
#include <set>
#include <thread>
#include <vector>

namespace cma::test {
namespace {

constexpr pid_t kPeer = 4242;
constexpr std::uint64_t kSalt = 0x9001;
constexpr std::size_t kMiB = std::size_t{1} << 20U;

// The first @n bytes of a stream.
std::vector<std::byte> stream_prefix(std::span<const iovec> list, std::size_t n)
{
    std::vector<std::byte> out(n);
    const iovec whole{out.data(), n};
    copy_stream({&whole, 1}, list, n);
    return out;
}

// The address of byte @offset of a stream.
std::byte *stream_address(std::span<const iovec> list, std::size_t offset)
{
    for (const iovec &element : list) {
        if (offset < element.iov_len) {
            return static_cast<std::byte *>(element.iov_base) + offset;
        }
        offset -= element.iov_len;
    }
    return nullptr;
}

class SeamPoolTest : public ::testing::Test {
protected:
    void open(unsigned threads, unsigned flags = 0)
    {
        ASSERT_EQ(cma::detail::create_context(threads, flags, fake_.table(), &ctx_), 0);
        ASSERT_EQ(cma::detail::open_process(kPeer, 0, fake_.table(), &proc_), 0);
        ASSERT_EQ(cma_process_set_context(proc_, ctx_), 0);
    }
    void TearDown() override
    {
        cma_process_close(proc_);
        cma_context_destroy(ctx_);
    }

    void make_buffers(std::size_t size)
    {
        src_.assign(size, std::byte{0});
        fill_pattern(src_, kSalt);
        dst_.assign(size, std::byte{0});
    }

    [[nodiscard]] ssize_t read_all() { return cma_read(proc_, dst_.data(), src_.data(), src_.size(), 0); }

    [[nodiscard]] std::set<std::thread::id> calling_threads() const
    {
        std::set<std::thread::id> threads;
        for (const auto &call : fake_.transfers()) {
            threads.insert(call.thread);
        }
        return threads;
    }

    FakeSyscalls fake_;
    cma_context *ctx_ = nullptr;
    cma_process *proc_ = nullptr;
    std::vector<std::byte> src_;
    std::vector<std::byte> dst_;
};

TEST(SeamContext, Arguments)
{
    FakeSyscalls fake;
    fake.cpus = 6;
    auto *ctx = reinterpret_cast<cma_context *>(std::uintptr_t{1}); // NOLINT(performance-no-int-to-ptr): poison
    EXPECT_EQ(cma::detail::create_context(0, 2, fake.table(), &ctx), -EINVAL);
    EXPECT_EQ(ctx, nullptr);
    EXPECT_EQ(cma::detail::create_context(1025, 0, fake.table(), &ctx), -EINVAL);
    EXPECT_EQ(cma::detail::create_context(0, 0, fake.table(), nullptr), -EINVAL);
    ASSERT_EQ(cma::detail::create_context(0, 0, fake.table(), &ctx), 0);
    EXPECT_EQ(cma_context_threads(ctx), 6) << "one per CPU";
    cma_context_destroy(ctx);
    ASSERT_EQ(cma::detail::create_context(1024, CMA_CONTEXT_NO_NUMA, fake.table(), &ctx), 0);
    EXPECT_EQ(cma_context_threads(ctx), 1024);
    cma_context_destroy(ctx);
    fake.cpus = -EPERM;
    ASSERT_EQ(cma::detail::create_context(0, 0, fake.table(), &ctx), 0);
    EXPECT_EQ(cma_context_threads(ctx), 1) << "CPUs unknown: one";
    cma_context_destroy(ctx);

    EXPECT_EQ(cma_context_threads(nullptr), -EINVAL);
    EXPECT_EQ(cma_context_set_threshold(nullptr, 1), -EINVAL);
    EXPECT_EQ(cma_process_set_context(nullptr, nullptr), -EINVAL);
    cma_context_destroy(nullptr);
}

TEST(SeamContext, UnusedContextStartsNoThreads)
{
    cma_context *ctx = nullptr;
    ASSERT_EQ(cma_context_create(8, 0, &ctx), 0);
    cma_context_destroy(ctx); // nothing to join; must not hang
}

TEST_F(SeamPoolTest, SmallCopiesStayOnTheCallingThread)
{
    open(4);
    make_buffers((4 * kMiB) - 1);
    ASSERT_EQ(read_all(), static_cast<ssize_t>((4 * kMiB) - 1));
    EXPECT_EQ(dst_, src_);
    EXPECT_EQ(fake_.transfers().size(), 1U);
    EXPECT_EQ(calling_threads(), std::set<std::thread::id>{std::this_thread::get_id()});
}

TEST_F(SeamPoolTest, LargeCopiesAreSplitIntoOneSlicePerThread)
{
    open(4);
    make_buffers(8 * kMiB);
    ASSERT_EQ(read_all(), static_cast<ssize_t>(8 * kMiB));
    EXPECT_EQ(dst_, src_);
    const auto calls = fake_.transfers();
    ASSERT_EQ(calls.size(), 4U);
    std::set<std::uintptr_t> starts;
    for (const auto &call : calls) {
        EXPECT_EQ(total_length(call.local), 2 * kMiB);
        EXPECT_EQ(total_length(call.remote), 2 * kMiB);
        starts.insert(reinterpret_cast<std::uintptr_t>(call.remote[0].iov_base));
    }
    EXPECT_EQ(starts.size(), 4U);
}

TEST_F(SeamPoolTest, ThresholdDecidesWhatIsSplit)
{
    open(4);
    make_buffers(std::size_t{512} * 1024);
    ASSERT_EQ(cma_context_set_threshold(ctx_, std::size_t{256} * 1024), 0);
    ASSERT_EQ(read_all(), 512 * 1024);
    EXPECT_EQ(fake_.transfers().size(), 4U) << "128 KiB slices";
    fake_.calls.clear();
    // Slices never get smaller than 64 KiB.
    make_buffers(std::size_t{200} * 1024);
    ASSERT_EQ(cma_context_set_threshold(ctx_, 1), 0);
    ASSERT_EQ(read_all(), 200 * 1024);
    EXPECT_EQ(fake_.transfers().size(), 3U);
    fake_.calls.clear();
    ASSERT_EQ(cma_context_set_threshold(ctx_, SIZE_MAX), 0);
    make_buffers(16 * kMiB);
    ASSERT_EQ(read_all(), static_cast<ssize_t>(16 * kMiB));
    EXPECT_EQ(fake_.transfers().size(), 1U);
    fake_.calls.clear();
    ASSERT_EQ(cma_context_set_threshold(ctx_, 0), 0); // the default, 4 MiB
    ASSERT_EQ(read_all(), static_cast<ssize_t>(16 * kMiB));
    EXPECT_EQ(fake_.transfers().size(), 4U);
}

TEST_F(SeamPoolTest, OneThreadNeverSplits)
{
    open(1);
    make_buffers(8 * kMiB);
    ASSERT_EQ(read_all(), static_cast<ssize_t>(8 * kMiB));
    EXPECT_EQ(fake_.transfers().size(), 1U);
}

// Random layouts of thousands of elements on both sides, with the kernel
// stopping short every 100000 bytes: every slice resumes mid-element and
// ends mid-element, and nothing outside the elements may change.
void check_random_layouts(FakeSyscalls &fake, cma_process *proc, bool write)
{
    const std::uint64_t seed = test_seed();
    std::mt19937_64 rng{seed};
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    fake.clamp = 100'000;
    for (int round = 0; round < 3; ++round) {
        fake.calls.clear();
        const RandomCopy copy{rng, 3000, 5000, 4000};
        const ssize_t moved =
                write ? cma_writev(proc, copy.src.data(), copy.src.size(), copy.dst.data(), copy.dst.size(), 0)
                      : cma_readv(proc, copy.dst.data(), copy.dst.size(), copy.src.data(), copy.src.size(), 0);
        ASSERT_EQ(moved, static_cast<ssize_t>(copy.want));
        EXPECT_TRUE(copy.dst_arena == copy.expected_dst) << "wrong bytes, or bytes outside the elements";
        EXPECT_EQ(fake.rule_violations, 0U);
        std::size_t reported = 0;
        for (const auto &call : fake.transfers()) {
            EXPECT_LE(call.local.size(), 1024U);
            EXPECT_LE(call.remote.size(), 1024U);
            EXPECT_EQ(call.write, write);
            reported += static_cast<std::size_t>(call.result);
        }
        EXPECT_EQ(reported, copy.want) << "bytes moved twice, or not at all";
    }
}

TEST_F(SeamPoolTest, ReadvRandomLayouts)
{
    open(4);
    check_random_layouts(fake_, proc_, false);
}

TEST_F(SeamPoolTest, WritevRandomLayouts)
{
    open(3);
    check_random_layouts(fake_, proc_, true);
}

// A fault in the middle of the stream: the slices before it complete, the
// one it is in stops there, later ones may complete too, but only the
// contiguous prefix is returned.
TEST_F(SeamPoolTest, FaultInAMiddleSliceReturnsTheContiguousPrefix)
{
    open(4);
    const std::uint64_t seed = test_seed();
    std::mt19937_64 rng{seed};
    for (const bool write : {false, true}) {
        SCOPED_TRACE(::testing::Message() << "seed " << seed << (write ? " writev" : " readv"));
        const RandomCopy copy{rng, 3000, 3000, 4000};
        const std::size_t fault = (copy.want / 2) + 12345;
        // Remote: the source of a read, the destination of a write.
        const std::vector<iovec> &remote = write ? copy.dst : copy.src;
        fake_.remote_faults = {FakeSyscalls::range_of(stream_address(remote, fault), 1)};
        const ssize_t moved =
                write ? cma_writev(proc_, copy.src.data(), copy.src.size(), copy.dst.data(), copy.dst.size(), 0)
                      : cma_readv(proc_, copy.dst.data(), copy.dst.size(), copy.src.data(), copy.src.size(), 0);
        ASSERT_EQ(moved, static_cast<ssize_t>(fault));
        EXPECT_EQ(stream_prefix(copy.dst, fault), stream_prefix(copy.src, fault));
    }
}

TEST_F(SeamPoolTest, FaultInTheFirstSliceIsTheError)
{
    open(4);
    make_buffers(8 * kMiB);
    fake_.remote_faults = {FakeSyscalls::range_of(src_.data(), 1)};
    EXPECT_EQ(read_all(), -EFAULT);
    fake_.remote_faults = {FakeSyscalls::range_of(src_.data() + 100, 1)};
    EXPECT_EQ(read_all(), 100);
}

TEST_F(SeamPoolTest, EverySliceFailing)
{
    open(4);
    make_buffers(8 * kMiB);
    fake_.syscall_error = -ESRCH;
    EXPECT_EQ(read_all(), -ESRCH);
    fake_.syscall_error = -EPERM;
    EXPECT_EQ(read_all(), -EPERM);
}

TEST_F(SeamPoolTest, ReductionsAreNeverSplit)
{
    open(4);
    make_buffers(8 * kMiB);
    ASSERT_EQ(cma_read(proc_, dst_.data(), src_.data(), src_.size(), CMA_REDUCE(BXOR, U64)),
              static_cast<ssize_t>(8 * kMiB));
    EXPECT_EQ(dst_, src_) << "0 ^ s";
    EXPECT_EQ(calling_threads(), std::set<std::thread::id>{std::this_thread::get_id()});
}

// Two nodes of two CPUs; the destination's first half on node 0, the rest on
// node 1.
class SeamNumaTest : public SeamPoolTest {
protected:
    void SetUp() override
    {
        fake_.numa_nodes = 2;
        fake_.cpus = 4;
        make_buffers(8 * kMiB);
        fake_.page_node = [this](pid_t pid, const void *address) {
            pids_.insert(pid);
            const std::byte *dest = pid == 0 ? dst_.data() : src_.data();
            const auto *byte = static_cast<const std::byte *>(address);
            if (byte < dest || byte >= dest + dst_.size()) {
                return -EFAULT;
            }
            return byte < dest + (dst_.size() / 2) ? 0 : 1;
        };
    }

    // The first CPU of each affinity change, and whether any was made by
    // the calling thread.
    [[nodiscard]] std::set<int> nodes_pinned(bool &by_caller) const
    {
        std::set<int> first_cpus;
        by_caller = false;
        for (const auto &change : fake_.affinity_changes) {
            first_cpus.insert(change.first_cpu);
            EXPECT_EQ(change.cpus, 2);
            by_caller = by_caller || change.thread == std::this_thread::get_id();
        }
        return first_cpus;
    }

    std::set<pid_t> pids_;
};

TEST_F(SeamNumaTest, SlicesRunOnTheNodeOfTheirDestination)
{
    open(4);
    ASSERT_EQ(read_all(), static_cast<ssize_t>(8 * kMiB));
    EXPECT_EQ(dst_, src_);
    bool by_caller = true;
    EXPECT_EQ(nodes_pinned(by_caller), (std::set<int>{0, 2})) << "node 0 is CPUs 0-1, node 1 CPUs 2-3";
    EXPECT_FALSE(by_caller) << "the caller's own affinity was changed";
    EXPECT_EQ(calling_threads().count(std::this_thread::get_id()), 0U) << "with NUMA only workers move slices";
    EXPECT_EQ(fake_.page_node_calls, 1U) << "one move_pages() for all slices";
    EXPECT_EQ(pids_, std::set<pid_t>{0}) << "a read's destination is the caller's memory";
}

TEST_F(SeamNumaTest, WritesAreLocatedInThePeer)
{
    open(4);
    ASSERT_EQ(cma_write(proc_, dst_.data(), src_.data(), src_.size(), 0), static_cast<ssize_t>(8 * kMiB));
    EXPECT_EQ(pids_, std::set<pid_t>{kPeer});
    bool by_caller = true;
    EXPECT_EQ(nodes_pinned(by_caller), (std::set<int>{0, 2}));
}

TEST_F(SeamNumaTest, PagesNotFaultedInLeaveWorkersAlone)
{
    fake_.page_node = [](pid_t /*pid*/, const void * /*address*/) { return -ENOENT; };
    open(4);
    ASSERT_EQ(read_all(), static_cast<ssize_t>(8 * kMiB));
    EXPECT_TRUE(fake_.affinity_changes.empty());
}

TEST_F(SeamNumaTest, NoNumaFlag)
{
    open(4, CMA_CONTEXT_NO_NUMA);
    ASSERT_EQ(read_all(), static_cast<ssize_t>(8 * kMiB));
    EXPECT_TRUE(fake_.affinity_changes.empty());
    EXPECT_EQ(fake_.page_node_calls, 0U);
}

TEST_F(SeamNumaTest, WithoutNumaNothingIsPinned)
{
    fake_.numa_nodes = 0; // libnuma: no NUMA support
    open(4);
    ASSERT_EQ(read_all(), static_cast<ssize_t>(8 * kMiB));
    EXPECT_EQ(dst_, src_);
    EXPECT_TRUE(fake_.affinity_changes.empty());
    EXPECT_EQ(fake_.page_node_calls, 0U);
    EXPECT_EQ(calling_threads().count(std::this_thread::get_id()), 1U) << "the caller takes slices too";
}

TEST_F(SeamPoolTest, ConcurrentTransfersShareAContext)
{
    open(3);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    threads.reserve(4);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            cma_process *proc = nullptr;
            if (cma::detail::open_process(kPeer, 0, fake_.table(), &proc) != 0 ||
                cma_process_set_context(proc, ctx_) != 0) {
                ++failures;
                return;
            }
            std::vector<std::byte> src((5 * kMiB) + static_cast<std::size_t>(t));
            std::vector<std::byte> dst(src.size());
            for (int i = 0; i < 5; ++i) {
                fill_pattern(src, kSalt + static_cast<std::uint64_t>((t * 10) + i));
                if (cma_read(proc, dst.data(), src.data(), src.size(), 0) != static_cast<ssize_t>(src.size()) ||
                    dst != src) {
                    ++failures;
                }
            }
            cma_process_close(proc);
        });
    }
    for (std::thread &thread : threads) {
        thread.join();
    }
    EXPECT_EQ(failures.load(), 0);
}

TEST_F(SeamPoolTest, ForkChildCopiesOnItsOwnThread)
{
    open(4);
    make_buffers(8 * kMiB);
    ASSERT_EQ(read_all(), static_cast<ssize_t>(8 * kMiB)); // the workers are running now
    Child child = Child::spawn([&](const Link & /*parent*/) {
        fake_.calls.clear();
        dst_.assign(dst_.size(), std::byte{0});
        const bool copied = read_all() == static_cast<ssize_t>(8 * kMiB) && dst_ == src_;
        const bool alone = calling_threads() == std::set<std::thread::id>{std::this_thread::get_id()};
        cma_context_destroy(ctx_); // frees, joins nothing
        ctx_ = nullptr;
        return copied && alone ? 0 : 1;
    });
    ASSERT_GT(child.pid(), 0);
    EXPECT_EQ(child.wait(), 0);
}

// Against the running kernel.

TEST(RealPool, RandomLayoutsAcrossThreads)
{
    const std::uint64_t seed = test_seed();
    std::mt19937_64 rng{seed};
    cma_context *ctx = nullptr;
    ASSERT_EQ(cma_context_create(4, 0, &ctx), 0);
    ASSERT_EQ(cma_context_set_threshold(ctx, std::size_t{256} * 1024), 0);
    for (const bool write : {false, true}) {
        SCOPED_TRACE(::testing::Message() << "seed " << seed << (write ? " writev" : " readv"));
        RandomCopy copy{rng, write ? 5000U : 3000U, write ? 3000U : 5000U, 6000};
        Peer peer{{}, [&] { return !write || copy.dst_arena == copy.expected_dst ? 0 : 1; }};
        ASSERT_TRUE(peer.started());
        ASSERT_EQ(cma_process_set_context(peer.proc(), ctx), 0);
        if (write) {
            ASSERT_EQ(cma_writev(peer.proc(), copy.src.data(), copy.src.size(), copy.dst.data(), copy.dst.size(),
                                 0),
                      static_cast<ssize_t>(copy.want));
        } else {
            fill_pattern(copy.src_arena, kSalt); // only the child's source holds the pattern
            ASSERT_EQ(cma_readv(peer.proc(), copy.dst.data(), copy.dst.size(), copy.src.data(), copy.src.size(),
                                0),
                      static_cast<ssize_t>(copy.want));
            EXPECT_TRUE(copy.dst_arena == copy.expected_dst) << "wrong bytes, or bytes outside the elements";
        }
        EXPECT_EQ(peer.finish(), 0);
    }
    cma_context_destroy(ctx);
}

// A PROT_NONE page in the middle of a 16 MiB remote buffer: slices before
// it complete, the rest may or may not, and the call returns exactly the
// bytes before the page.
TEST(RealPool, FaultInAMiddleSlice)
{
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t pages = (16 * kMiB) / page;
    const std::size_t bad = (pages / 2) + 3;
    auto *remote = static_cast<std::byte *>(
            ::mmap(nullptr, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    ASSERT_NE(remote, MAP_FAILED);
    Peer peer{[&] {
        fill_pattern({remote, pages * page}, kSalt);
        if (::mprotect(remote + (bad * page), page, PROT_NONE) != 0) {
            ::_exit(99);
        }
    }};
    ASSERT_TRUE(peer.started());
    cma_context *ctx = nullptr;
    ASSERT_EQ(cma_context_create(4, 0, &ctx), 0);
    ASSERT_EQ(cma_process_set_context(peer.proc(), ctx), 0);
    std::vector<std::byte> local(pages * page);

    ASSERT_EQ(cma_read(peer.proc(), local.data(), remote, local.size(), 0), static_cast<ssize_t>(bad * page));
    EXPECT_EQ(find_pattern_mismatch(std::span{local}.first(bad * page), kSalt), bad * page);
    EXPECT_EQ(cma_write(peer.proc(), local.data(), remote, local.size(), 0), static_cast<ssize_t>(bad * page));
    EXPECT_EQ(peer.finish(), 0);
    ASSERT_EQ(cma_process_set_context(peer.proc(), nullptr), 0);
    cma_context_destroy(ctx);
    ::munmap(remote, pages * page);
}

} // namespace
} // namespace cma::test
