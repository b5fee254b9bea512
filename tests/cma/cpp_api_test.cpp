// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The C++ interface (cma/cma.hpp) against a real child: RAII ownership,
// std::expected results and std::errc-comparable errors.
#include <cma/cma.hpp>

#include "child_process.hpp"
#include "iov_testing.hpp"
#include "peer.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace cma::test {
namespace {

constexpr std::uint64_t kSalt = 0xc1a55;

static_assert(!std::is_copy_constructible_v<cma::Process>);
static_assert(std::is_nothrow_move_constructible_v<cma::Process>);
static_assert(std::is_nothrow_move_assignable_v<cma::Process>);
static_assert(!std::is_copy_constructible_v<cma::Context>);
static_assert(std::is_nothrow_move_constructible_v<cma::Context>);
static_assert(std::is_nothrow_move_assignable_v<cma::Context>);

static_assert(cma::reduce_flags(cma::Op::sum, cma::Type::f64) == CMA_REDUCE(SUM, F64));
static_assert(cma::reduce_flags(cma::Op::bxor, cma::Type::s8) == CMA_REDUCE(BXOR, S8));
static_assert(cma::type_of<std::int8_t> == cma::Type::s8);
static_assert(cma::type_of<const std::uint16_t> == cma::Type::u16);
static_assert(cma::type_of<std::int64_t> == cma::Type::s64);
static_assert(cma::type_of<float> == cma::Type::f32);
static_assert(cma::type_of<double> == cma::Type::f64);
static_assert(cma::ReduceElement<std::uint32_t>);
static_assert(!cma::ReduceElement<char>);
static_assert(!cma::ReduceElement<long double>);

TEST(CppApi, ReadAndWriteThroughAProcess)
{
    std::vector<std::byte> remote(10000);
    std::vector<std::byte> inbox(300);
    Peer peer{[&] { fill_pattern(remote, kSalt); },
              [&] { return find_pattern_mismatch(inbox, kSalt + 1) == inbox.size() ? 0 : 1; }};
    ASSERT_TRUE(peer.started());
    auto opened = cma::Process::open(peer.pid());
    ASSERT_TRUE(opened.has_value()) << opened.error().message();
    const cma::Process &process = *opened;
    EXPECT_TRUE(process);
    EXPECT_EQ(process.pid(), peer.pid());

    std::vector<std::byte> local(remote.size());
    const cma::Result read = process.read(local, remote.data());
    ASSERT_TRUE(read.has_value()) << read.error().message();
    EXPECT_EQ(*read, remote.size());
    EXPECT_EQ(find_pattern_mismatch(local, kSalt), local.size());

    const std::vector<iovec> local_list{{local.data(), 10}, {local.data() + 10, 20}};
    const std::vector<iovec> remote_list{{remote.data() + 100, 30}};
    EXPECT_EQ(process.readv(local_list, remote_list), cma::Result{30});

    std::vector<std::byte> outgoing(inbox.size());
    fill_pattern(outgoing, kSalt + 1);
    EXPECT_EQ(process.write(outgoing, inbox.data()), cma::Result{inbox.size()});
    const std::vector<iovec> out_list{{outgoing.data(), 0}, {outgoing.data(), 5}};
    const std::vector<iovec> inbox_list{{inbox.data(), 5}};
    EXPECT_EQ(process.writev(out_list, inbox_list), cma::Result{5});
    EXPECT_EQ(peer.finish(), 0);
}

TEST(CppApi, ErrorsAreGenericErrorCodes)
{
    const auto invalid = cma::Process::open(-1);
    ASSERT_FALSE(invalid.has_value());
    EXPECT_EQ(invalid.error(), std::errc::invalid_argument);
    EXPECT_EQ(&invalid.error().category(), &std::generic_category());

    Child child = Child::spawn([](const Link & /*parent*/) { return 0; });
    ASSERT_GT(child.pid(), 0);
    ASSERT_EQ(child.wait(), 0);
    const auto gone = cma::Process::open(child.pid());
    ASSERT_FALSE(gone.has_value());
    EXPECT_EQ(gone.error(), std::errc::no_such_process);

    const cma::Process empty;
    std::vector<std::byte> buf(8);
    const cma::Result result = empty.read(buf, buf.data());
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error(), std::errc::invalid_argument);
}

TEST(CppApi, OwnershipMoves)
{
    auto opened = cma::Process::open(getpid());
    ASSERT_TRUE(opened.has_value());
    cma::Process first = std::move(*opened);
    cma_process *const handle = first.native_handle();
    ASSERT_NE(handle, nullptr);

    cma::Process second{std::move(first)};
    EXPECT_FALSE(first); // NOLINT(bugprone-use-after-move): moved-from is empty, by contract
    EXPECT_EQ(second.native_handle(), handle);

    cma::Process third;
    third = std::move(second);
    EXPECT_EQ(third.native_handle(), handle);

    cma_process *const released = third.release();
    EXPECT_EQ(released, handle);
    EXPECT_FALSE(third);
    const cma::Process adopted{released};
    EXPECT_EQ(adopted.pid(), getpid());
}

TEST(CppApi, PidfdHandleProbeContextAndReduce)
{
    constexpr std::size_t kCount = 300'000;
    std::vector<double> remote(kCount);
    std::vector<std::int32_t> totals(kCount, 5);
    Peer peer{[&] {
                  for (std::size_t i = 0; i < kCount; ++i) {
                      remote[i] = static_cast<double>(i) / 4;
                  }
              },
              [&] {
                  for (std::size_t i = 0; i < kCount; ++i) {
                      if (totals[i] != 5 + static_cast<std::int32_t>(i)) {
                          return 1;
                      }
                  }
                  return 0;
              }};
    ASSERT_TRUE(peer.started());
    const int pidfd = pidfd_of(peer.pid());
    ASSERT_GE(pidfd, 0);
    auto opened = cma::Process::open_pidfd(pidfd);
    ::close(pidfd);
    ASSERT_TRUE(opened.has_value()) << opened.error().message();
    cma::Process &process = *opened;

    const auto probe = process.probe();
    ASSERT_TRUE(probe.has_value());
    EXPECT_EQ(probe->error, 0) << probe->message;

    auto pool = cma::Context::create(2);
    ASSERT_TRUE(pool.has_value()) << pool.error().message();
    EXPECT_EQ(pool->threads(), 2U);
    EXPECT_FALSE(pool->set_threshold(std::size_t{128} * 1024));
    EXPECT_FALSE(process.set_context(*pool));

    std::vector<double> copy(kCount);
    EXPECT_EQ(process.read(std::as_writable_bytes(std::span{copy}), remote.data()), cma::Result{kCount * 8});
    EXPECT_EQ(copy[kCount - 1], static_cast<double>(kCount - 1) / 4);

    std::vector<double> sums(kCount, 1.0);
    EXPECT_EQ(process.reduce_read(std::span{sums}, remote.data(), cma::Op::sum), cma::Result{kCount * 8});
    EXPECT_EQ(sums[8], 3.0);
    std::vector<double> mins(kCount, 2.0);
    const std::vector<iovec> local_list{{mins.data(), kCount * 8}};
    const std::vector<iovec> remote_list{{remote.data(), kCount * 8}};
    EXPECT_EQ(process.reduce_readv(local_list, remote_list, cma::Op::min, cma::Type::f64), cma::Result{kCount * 8});
    EXPECT_EQ(mins[4], 1.0);
    EXPECT_EQ(mins[100], 2.0);

    std::vector<std::int32_t> ramp(kCount);
    for (std::size_t i = 0; i < kCount; ++i) {
        ramp[i] = static_cast<std::int32_t>(i);
    }
    EXPECT_EQ(process.reduce_write(std::span<const std::int32_t>{ramp}, totals.data(), cma::Op::sum),
              cma::Result{kCount * 4});
    const cma::Result bad = process.reduce_read(std::span{sums}, remote.data(), cma::Op::band);
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error(), std::errc::invalid_argument);
    EXPECT_FALSE(process.clear_context());
    EXPECT_EQ(peer.finish(), 0);
}

TEST(CppApi, EmptyContextAndProcessReportErrors)
{
    cma::Context empty;
    EXPECT_FALSE(empty);
    EXPECT_EQ(empty.set_threshold(1), std::errc::invalid_argument);
    cma::Process none;
    EXPECT_EQ(none.set_context(empty), std::errc::invalid_argument);
    const auto probe = none.probe();
    ASSERT_FALSE(probe.has_value());
    EXPECT_EQ(probe.error(), std::errc::invalid_argument);
    EXPECT_EQ(cma::Context::create(0, 0x10).error(), std::errc::invalid_argument);

    auto made = cma::Context::create(1);
    ASSERT_TRUE(made.has_value());
    cma::Context moved = std::move(*made);
    cma_context *const raw = moved.release();
    ASSERT_NE(raw, nullptr);
    const cma::Context adopted{raw};
    EXPECT_EQ(adopted.threads(), 1U);
}

} // namespace
} // namespace cma::test
