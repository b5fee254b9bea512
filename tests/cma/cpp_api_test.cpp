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

} // namespace
} // namespace cma::test
