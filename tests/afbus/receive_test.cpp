// SPDX-License-Identifier: LGPL-2.1-or-later
//
// BusSocket::receive() on the host, over an AF_UNIX SOCK_SEQPACKET pair
// (the same message boundaries as AF_BUS; no sender address): small
// messages are copied out of the receive buffer, large ones keep it when
// asked to, and a kept buffer is never handed out again while its message
// lives, however many are alive at once and whichever thread frees them.
#include <afbus/socket.hpp>

#include <gtest/gtest.h>

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdio>
#include <thread>
#include <vector>

namespace afbus::testing {
namespace {

class ReceiveTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        std::array<int, 2> sv{-1, -1};
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv.data()), 0);
        // As much room as net.core.wmem_max allows (the tests queue at most
        // about 200 KiB; the default limit gives 416 KiB).
        int size = 4 << 20;
        ASSERT_EQ(::setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)), 0);
        socklen_t len = sizeof(size);
        ASSERT_EQ(::getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, &len), 0);
        sndbuf = static_cast<std::size_t>(size);
        sender = Fd{sv[0]};
        receiver = BusSocket{Fd{sv[1]}, real_syscalls()};
    }

    // Sends @size bytes, each (@seed + i) mod 251, and returns them.
    std::vector<std::byte> send(std::size_t size, unsigned seed)
    {
        std::vector<std::byte> m(size);
        for (std::size_t i = 0; i < size; ++i) {
            m[i] = static_cast<std::byte>((seed + i) % 251);
        }
        EXPECT_EQ(::send(sender.get(), m.data(), m.size(), 0), static_cast<ssize_t>(size));
        return m;
    }

    static bool same(std::span<const std::byte> a, std::span<const std::byte> b)
    {
        return std::equal(a.begin(), a.end(), b.begin(), b.end());
    }

    Fd sender;
    BusSocket receiver;
    std::size_t sndbuf = 0;
};

TEST_F(ReceiveTest, SmallMessagesAreCopiedLargeOnesKeepTheirBuffer)
{
    const std::array<std::size_t, 5> sizes{1, receive_copy_max, receive_copy_max + 1, 65536, max_message_size};
    for (const std::size_t size : sizes) {
        if (size + 4096 > sndbuf) {
            // One datagram must fit the send buffer (net.core.wmem_max).
            std::printf("skipping %zu bytes: SO_SNDBUF is %zu\n", size, sndbuf);
            continue;
        }
        const auto sent = send(size, static_cast<unsigned>(size));
        auto d = receiver.receive(0, true);
        ASSERT_TRUE(d) << d.error().message();
        EXPECT_EQ(d->bytes().size(), size);
        EXPECT_TRUE(same(d->bytes(), sent)) << size;
        const bool large = size > receive_copy_max;
        EXPECT_EQ(static_cast<bool>(d->kept), large) << size;
        EXPECT_EQ(d->data.empty(), large) << size;
    }
}

TEST_F(ReceiveTest, WithoutKeepLargeEveryMessageIsInData)
{
    const auto sent = send(65536, 7);
    auto d = receiver.receive();
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_FALSE(d->kept);
    EXPECT_TRUE(same(d->data, sent));
}

// More kept messages alive than the pool keeps spare buffers, small ones in
// between; then all freed (half on another thread) and the same again, now
// from recycled buffers: every message must still read as it was sent.
TEST_F(ReceiveTest, KeptBuffersAreNotReusedWhileTheirMessagesLive)
{
    for (unsigned round = 0; round < 3; ++round) {
        std::vector<std::vector<std::byte>> sent;
        std::vector<Datagram> got;
        for (unsigned i = 0; i < 12; ++i) {
            const std::size_t size = i % 3 == 2 ? 100 : receive_copy_max + 1 + std::size_t{i} * 1024;
            sent.push_back(send(size, round * 100 + i));
        }
        for (std::size_t i = 0; i < sent.size(); ++i) {
            auto d = receiver.receive(MSG_DONTWAIT, true);
            ASSERT_TRUE(d) << d.error().message();
            got.push_back(std::move(*d));
        }
        for (std::size_t i = 0; i < sent.size(); ++i) {
            EXPECT_TRUE(same(got[i].bytes(), sent[i])) << "round " << round << " message " << i;
        }
        std::vector<Datagram> other_thread;
        for (std::size_t i = 0; i < got.size(); i += 2) {
            other_thread.push_back(std::move(got[i]));
        }
        std::thread{[moved = std::move(other_thread)]() mutable { moved.clear(); }}.join();
    }
    EXPECT_EQ(receiver.receive(MSG_DONTWAIT, true).error(), std::errc::resource_unavailable_try_again);
}

} // namespace
} // namespace afbus::testing
