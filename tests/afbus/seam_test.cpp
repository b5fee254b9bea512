// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Failure injection through the seam: a Connection on a socketpair to a
// scripted server, with EAGAIN, EINTR, short writes and ECONNRESET from
// the fake system calls, and bad input from the server.
#include "fake_syscalls.hpp"
#include "stream_server.hpp"
#include "wire_util.hpp"

#include <afbus/connection.hpp>
#include <afbus/event_loop.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace afbus::testing {
namespace {

class SeamTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        Connection::Options options;
        options.syscalls = &sys.table();
        options.connect_timeout = 5s;
        auto c = Connection::from_socket(server.take_client(), Connection::Transport::unix_stream, options);
        ASSERT_TRUE(c) << c.error().message();
        conn = std::move(*c);
    }

    CallResult<IncomingMessage> echo(std::string_view text, std::chrono::milliseconds timeout = 5s)
    {
        return conn->call(call_header("org.afbus.Server", "Echo"), string_body(text), timeout);
    }

    FakeSyscalls sys;
    StreamServer server{{.accept_uid = ::getuid()}};
    std::unique_ptr<Connection> conn;
};

TEST_F(SeamTest, HandshakeGivesTheUniqueNameAndUnixFds)
{
    EXPECT_EQ(conn->unique_name(), ":1.1");
    EXPECT_TRUE(conn->unix_fds_enabled());
    EXPECT_EQ(conn->server_guid(), "00112233445566778899aabbccddeeff");
}

TEST_F(SeamTest, SendRetriesAfterEagain)
{
    sys.faults.send_errno = EAGAIN;
    sys.faults.send_fail_count = 3;
    auto reply = echo("after eagain");
    ASSERT_TRUE(reply) << reply.error().code.message();
    EXPECT_EQ(first_string(reply->message()), "after eagain");
    EXPECT_EQ(sys.faults.send_fail_count, 0);
    EXPECT_EQ(conn->queued_outgoing(), 0U);
}

TEST_F(SeamTest, EintrIsRetriedEverywhere)
{
    sys.faults.send_errno = EINTR;
    sys.faults.send_fail_count = 2;
    sys.faults.recv_errno = EINTR;
    sys.faults.recv_fail_count = 2;
    sys.faults.poll_errno = EINTR;
    sys.faults.poll_fail_count = 2;
    auto reply = echo("through EINTR");
    ASSERT_TRUE(reply) << reply.error().code.message();
    EXPECT_EQ(first_string(reply->message()), "through EINTR");
    EXPECT_EQ(sys.faults.recv_fail_count, 0);
    EXPECT_EQ(sys.faults.poll_fail_count, 0);
}

TEST_F(SeamTest, ShortWritesAreResumed)
{
    sys.faults.send_max_bytes = 7;
    const std::string big(5000, 'x');
    const int sends_before = sys.faults.sends;
    auto reply = echo(big);
    ASSERT_TRUE(reply) << reply.error().code.message();
    EXPECT_EQ(first_string(reply->message()), big);
    EXPECT_GT(sys.faults.sends - sends_before, 5000 / 7);
}

// A writer that is not const: the message is built in its buffer and sent
// from there, resumed across short writes.
TEST_F(SeamTest, InPlaceCallIsResumedAcrossShortWrites)
{
    sys.faults.send_max_bytes = 7;
    const std::string big(5000, 'y');
    dbus::Writer w;
    w.put_string(big);
    auto reply = conn->call(call_header("org.afbus.Server", "Echo"), w, 5s);
    ASSERT_TRUE(reply) << reply.error().code.message();
    EXPECT_EQ(first_string(reply->message()), big);
    EXPECT_EQ(server.echoed(), std::vector<std::string>{big});
}

// Built in the caller's writer, a message that cannot be written at once is
// copied into the queue: the caller may reuse its writer at once.
TEST_F(SeamTest, InPlaceMessageQueuedOnEagainOwnsItsBytes)
{
    sys.faults.send_errno = EAGAIN;
    sys.faults.send_fail_count = 1;
    dbus::Writer w;
    w.put_string("queued in place");
    ASSERT_TRUE(conn->send(call_header("org.afbus.Server", "Echo"), w));
    EXPECT_EQ(conn->queued_outgoing(), 1U);
    w.clear();
    w.put_string("written over");
    auto reply = conn->call(call_header("org.afbus.Server", "Echo"), w, 5s);
    ASSERT_TRUE(reply) << reply.error().code.message();
    EXPECT_EQ(first_string(reply->message()), "written over");
    EXPECT_EQ(server.echoed(), (std::vector<std::string>{"queued in place", "written over"}));
    EXPECT_EQ(conn->queued_outgoing(), 0U);
}

TEST_F(SeamTest, ConnectionResetFailsTheCallAndTheConnection)
{
    sys.faults.recv_errno = ECONNRESET;
    sys.faults.recv_fail_count = 1;
    auto reply = echo("lost");
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, std::errc::connection_reset);
    EXPECT_FALSE(conn->connected());
    auto again = conn->send(call_header("org.afbus.Server", "Echo"), string_body("x"));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error(), std::errc::connection_reset);
}

TEST_F(SeamTest, SendErrorOtherThanEagainClosesAStream)
{
    sys.faults.send_errno = EPIPE;
    sys.faults.send_fail_count = 1;
    auto reply = echo("x");
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, std::errc::broken_pipe);
    EXPECT_FALSE(conn->connected());
}

TEST_F(SeamTest, PollFailureFailsTheCall)
{
    sys.faults.poll_errno = ENOMEM;
    sys.faults.poll_fail_count = 1;
    // The request goes out in send; the wait for the reply fails.
    auto reply = echo("x");
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, std::errc::not_enough_memory);
}

TEST_F(SeamTest, TimeoutIsBounded)
{
    const auto start = std::chrono::steady_clock::now();
    auto reply = conn->call(call_header("org.afbus.Server", "Silent"), dbus::Writer{}, 100ms);
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, std::errc::timed_out);
    EXPECT_GE(took, 100ms);
    EXPECT_LT(took, 3s);
    // The connection is still usable.
    auto after = echo("still here");
    ASSERT_TRUE(after) << after.error().code.message();
}

TEST_F(SeamTest, ErrorReplyCarriesNameAndText)
{
    auto reply = conn->call(call_header("org.afbus.Server", "Nope"), dbus::Writer{}, 5s);
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, std::error_code(EREMOTEIO, std::system_category()));
    EXPECT_EQ(reply.error().name, "org.freedesktop.DBus.Error.UnknownMethod");
    EXPECT_EQ(reply.error().text, "no such method");
}

TEST_F(SeamTest, GarbageFromTheServerIsAProtocolError)
{
    auto reply = conn->call(call_header("org.afbus.Server", "Garbage"), dbus::Writer{}, 5s);
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, std::errc::protocol_error);
    EXPECT_FALSE(conn->connected());
}

TEST_F(SeamTest, HangupFailsPendingAsyncCalls)
{
    int failures = 0;
    std::error_code seen;
    auto id = conn->call_async(call_header("org.afbus.Server", "Silent"), dbus::Writer{}, 5s,
                               [&](const CallResult<IncomingMessage> &r) {
                                   ++failures;
                                   seen = r ? std::error_code{} : r.error().code;
                               });
    ASSERT_TRUE(id);
    ASSERT_TRUE(conn->send(call_header("org.afbus.Server", "Hangup"), dbus::Writer{}));
    for (int i = 0; i < 50 && conn->connected(); ++i) {
        (void)conn->wait_and_dispatch(100ms);
    }
    EXPECT_FALSE(conn->connected());
    EXPECT_EQ(failures, 1);
    EXPECT_EQ(seen, std::errc::connection_reset);
}

TEST_F(SeamTest, FdsNeedNegotiationAndAreDuplicated)
{
    std::array<int, 2> p{};
    ASSERT_EQ(::pipe(p.data()), 0);
    auto serial = conn->send(call_header("org.afbus.Server", "Echo"), string_body("fd"), std::span<const int>{p.data(), 1});
    EXPECT_TRUE(serial);
    ::close(p[0]);
    ::close(p[1]);
}

TEST_F(SeamTest, MalformedOutgoingMessageIsRejectedBeforeSending)
{
    const int sends = sys.faults.sends;
    dbus::Header bad = call_header("org.afbus.Server", "Echo");
    bad.path = "not/a/path";
    auto r = conn->send(bad, dbus::Writer{});
    ASSERT_FALSE(r);
    EXPECT_EQ(sys.faults.sends, sends);
}

TEST(SeamAuth, RejectedAuthenticationIsEacces)
{
    const FakeSyscalls sys;
    StreamServer server{{.accept_uid = ::getuid() + 1}};
    Connection::Options options;
    options.syscalls = &sys.table();
    options.connect_timeout = 5s;
    auto c = Connection::from_socket(server.take_client(), Connection::Transport::unix_stream, options);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error(), std::errc::permission_denied);
}

TEST(SeamLoop, LoopFallsBackToPollWithoutIoUring)
{
    FakeSyscalls sys;
    sys.faults.uring_init_errno = ENOSYS;
    StreamServer server{{.accept_uid = ::getuid()}};
    Connection::Options options;
    options.syscalls = &sys.table();
    auto c = Connection::from_socket(server.take_client(), Connection::Transport::unix_stream, options);
    ASSERT_TRUE(c);
    auto loop = EventLoop::create({.syscalls = &sys.table(), .use_io_uring = true, .ring_entries = 8});
    ASSERT_TRUE(loop);
    EXPECT_FALSE((*loop)->uses_io_uring());
    ASSERT_TRUE((*loop)->add(**c));
    std::string got;
    auto id = (*c)->call_async(call_header("org.afbus.Server", "Echo"), string_body("polled"), 5s,
                               [&](const CallResult<IncomingMessage> &r) { got = r ? first_string(r->message()) : "error"; });
    ASSERT_TRUE(id);
    const int polls = sys.faults.polls;
    auto done = (*loop)->run_until([&] { return !got.empty(); }, 5s);
    ASSERT_TRUE(done && *done);
    EXPECT_EQ(got, "polled");
    EXPECT_GT(sys.faults.polls, polls);
}

TEST(SeamLoop, UringSetupFailureThatIsNotMissingIsReported)
{
    FakeSyscalls sys;
    sys.faults.uring_init_errno = EMFILE;
    auto loop = EventLoop::create({.syscalls = &sys.table(), .use_io_uring = true, .ring_entries = 8});
    ASSERT_FALSE(loop);
    EXPECT_EQ(loop.error(), std::errc::too_many_files_open);
}

} // namespace
} // namespace afbus::testing
