// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Connection against a real dbus-daemon on a private socket: Hello, calls
// to an object another connection exports, errors, timeouts, signals with
// match rules, name ownership, fd passing, and async calls on the event
// loop (io_uring and poll), with cancellation.
#include "dbus_daemon.hpp"
#include "service.hpp"
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

constexpr std::string_view service_name = "org.afbus.Test";

class DaemonTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_FALSE(daemon.address().empty()) << daemon.error();
        client = open();
        ASSERT_TRUE(client);
        auto s = open();
        ASSERT_TRUE(s);
        service = std::make_unique<Service>(std::move(s));
        auto owned = service->connection().request_name(service_name, name_do_not_queue, 5s);
        ASSERT_TRUE(owned);
        ASSERT_EQ(*owned, NameReply::primary_owner);
    }

    std::unique_ptr<Connection> open()
    {
        Connection::Options options;
        options.connect_timeout = 5s;
        auto c = Connection::open(daemon.address(), options);
        EXPECT_TRUE(c) << c.error().message();
        return c ? std::move(*c) : nullptr;
    }

    DbusDaemon daemon;
    std::unique_ptr<Connection> client;
    std::unique_ptr<Service> service;
};

TEST_F(DaemonTest, HelloGivesAUniqueName)
{
    EXPECT_TRUE(client->unique_name().starts_with(":1.")) << client->unique_name();
    EXPECT_NE(client->unique_name(), service->connection().unique_name());
    EXPECT_EQ(client->transport(), Connection::Transport::unix_stream);
    EXPECT_EQ(client->server_guid().size(), 32U);
}

TEST_F(DaemonTest, CallsAnotherConnectionsObject)
{
    service->run_in_thread();
    for (const std::string_view text : {"one", "two", "three"}) {
        auto reply = client->call(call_header(service_name, "Echo"), string_body(text), 5s);
        ASSERT_TRUE(reply) << reply.error().code.message() << " " << reply.error().name;
        EXPECT_EQ(first_string(reply->message()), text);
        EXPECT_EQ(reply->header().sender, service->connection().unique_name());
    }
    // By unique name too.
    auto reply = client->call(call_header(service->connection().unique_name(), "Echo"), string_body("u"), 5s);
    ASSERT_TRUE(reply);
    EXPECT_EQ(first_string(reply->message()), "u");
}

TEST_F(DaemonTest, ErrorsComeBackWithTheirNames)
{
    service->run_in_thread();
    auto failed = client->call(call_header(service_name, "Fail"), dbus::Writer{}, 5s);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, std::error_code(EREMOTEIO, std::system_category()));
    EXPECT_EQ(failed.error().name, "org.afbus.Error.Failed");
    EXPECT_EQ(failed.error().text, "failed on purpose");

    auto nobody = client->call(call_header("org.afbus.Nobody", "Echo"), dbus::Writer{}, 5s);
    ASSERT_FALSE(nobody);
    EXPECT_EQ(nobody.error().name, "org.freedesktop.DBus.Error.ServiceUnknown");

    auto unknown = client->call(call_header(service_name, "NoSuchMethod"), dbus::Writer{}, 5s);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().name, "org.freedesktop.DBus.Error.UnknownMethod");
}

TEST_F(DaemonTest, PeerPingIsAnsweredWithoutAHandler)
{
    service->run_in_thread();
    auto reply = client->call(call_header(service_name, "Ping", "/", "org.freedesktop.DBus.Peer"), dbus::Writer{}, 5s);
    ASSERT_TRUE(reply) << reply.error().name;
}

TEST_F(DaemonTest, CallTimesOut)
{
    service->run_in_thread();
    const auto start = std::chrono::steady_clock::now();
    auto reply = client->call(call_header(service_name, "Silent"), dbus::Writer{}, 200ms);
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, std::errc::timed_out);
    EXPECT_GE(took, 200ms);
    EXPECT_LT(took, 5s);
}

TEST_F(DaemonTest, SignalsReachOnlyMatchingHandlers)
{
    service->run_in_thread();
    std::vector<std::string> pings;
    std::vector<std::string> others;
    auto ping = client->add_match("type='signal',interface='org.afbus.Test',member='Ping',arg0='wanted'",
                                  [&](IncomingMessage &m) { pings.push_back(first_string(m.message())); });
    ASSERT_TRUE(ping) << ping.error().name;
    auto other = client->add_match("type='signal',interface='org.afbus.Other'",
                                   [&](IncomingMessage &m) { others.push_back(first_string(m.message())); });
    ASSERT_TRUE(other);
    for (const std::string_view arg : {"unwanted", "wanted"}) {
        ASSERT_TRUE(client->call(call_header(service_name, "Emit"), string_body(arg), 5s));
    }
    for (int i = 0; i < 100 && pings.empty(); ++i) {
        ASSERT_TRUE(client->wait_and_dispatch(50ms));
    }
    ASSERT_EQ(pings, std::vector<std::string>{"wanted"});
    EXPECT_TRUE(others.empty());

    // After RemoveMatch, no more.
    ASSERT_TRUE(client->remove_match(*ping));
    ASSERT_TRUE(client->call(call_header(service_name, "Emit"), string_body("wanted"), 5s));
    ASSERT_TRUE(client->call(call_header("org.freedesktop.DBus", "GetId", "/org/freedesktop/DBus",
                                         "org.freedesktop.DBus"), dbus::Writer{}, 5s));
    (void)client->wait_and_dispatch(100ms);
    EXPECT_EQ(pings.size(), 1U);
    EXPECT_FALSE(client->remove_match(*ping));
}

TEST_F(DaemonTest, BadMatchRuleIsRefusedLocally)
{
    auto r = client->add_match("type='nonsense'", [](IncomingMessage &) {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, std::errc::invalid_argument);
}

TEST_F(DaemonTest, NameOwnership)
{
    auto again = service->connection().request_name(service_name, 0, 5s);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, NameReply::already_owner);
    auto taken = client->request_name(service_name, name_do_not_queue, 5s);
    ASSERT_TRUE(taken);
    EXPECT_EQ(*taken, NameReply::exists);
    auto queued = client->request_name(service_name, 0, 5s);
    ASSERT_TRUE(queued);
    EXPECT_EQ(*queued, NameReply::in_queue);
    auto released = service->connection().release_name(service_name, 5s);
    ASSERT_TRUE(released);
    EXPECT_EQ(*released, 1U); // DBUS_RELEASE_NAME_REPLY_RELEASED
    // The queued client owns it now.
    auto mine = client->request_name(service_name, 0, 5s);
    ASSERT_TRUE(mine);
    EXPECT_EQ(*mine, NameReply::already_owner);
    auto bad = client->request_name("not a name", 0, 5s);
    ASSERT_FALSE(bad);
}

TEST_F(DaemonTest, PassesFds)
{
    ASSERT_TRUE(client->unix_fds_enabled());
    service->run_in_thread();
    std::array<int, 2> p{};
    ASSERT_EQ(::pipe(p.data()), 0);
    dbus::Writer body;
    body.put_unix_fd(0);
    auto reply = client->call(call_header(service_name, "WriteFd"), body, 5s, std::span<const int>{&p[1], 1});
    ::close(p[1]); // the library sent its own duplicate
    ASSERT_TRUE(reply) << reply.error().name;
    EXPECT_EQ(first_string(reply->message()), "ok");
    std::array<char, 16> buf{};
    EXPECT_EQ(::read(p[0], buf.data(), buf.size()), 7);
    EXPECT_EQ(std::string_view(buf.data(), 7), "written");
    ::close(p[0]);
}

class DaemonLoopTest : public DaemonTest, public ::testing::WithParamInterface<bool> {};

TEST_P(DaemonLoopTest, ManyAsyncCallsOnOneLoop)
{
    auto loop = EventLoop::create({.syscalls = &real_syscalls(), .use_io_uring = GetParam(), .ring_entries = 64});
    ASSERT_TRUE(loop);
    if (GetParam() && !(*loop)->uses_io_uring()) {
        GTEST_SKIP() << "io_uring unavailable here";
    }
    ASSERT_TRUE((*loop)->add(*client));
    ASSERT_TRUE((*loop)->add(service->connection()));
    auto second = open();
    ASSERT_TRUE(second);
    ASSERT_TRUE((*loop)->add(*second));
    EXPECT_EQ((*loop)->size(), 3U);

    constexpr int calls = 200;
    int done = 0;
    int wrong = 0;
    for (int i = 0; i < calls; ++i) {
        Connection &from = i % 2 == 0 ? *client : *second;
        const std::string text = "call " + std::to_string(i);
        auto id = from.call_async(call_header(service_name, "Echo"), string_body(text), 10s,
                                  [&, text](const CallResult<IncomingMessage> &r) {
                                      ++done;
                                      if (!r || first_string(r->message()) != text) {
                                          ++wrong;
                                      }
                                  });
        ASSERT_TRUE(id);
    }
    auto finished = (*loop)->run_until([&] { return done == calls; }, 20s);
    ASSERT_TRUE(finished);
    EXPECT_TRUE(*finished);
    EXPECT_EQ(done, calls);
    EXPECT_EQ(wrong, 0);
    EXPECT_EQ(service->calls(), calls);
}

TEST_P(DaemonLoopTest, CancelAndTimeoutOnTheLoop)
{
    auto loop = EventLoop::create({.syscalls = &real_syscalls(), .use_io_uring = GetParam(), .ring_entries = 64});
    ASSERT_TRUE(loop);
    ASSERT_TRUE((*loop)->add(*client));
    ASSERT_TRUE((*loop)->add(service->connection()));
    std::vector<std::error_code> outcomes;
    auto record = [&](const CallResult<IncomingMessage> &r) { outcomes.push_back(r ? std::error_code{} : r.error().code); };
    auto cancelled = client->call_async(call_header(service_name, "Silent"), dbus::Writer{}, 10s, record);
    auto timed_out = client->call_async(call_header(service_name, "Silent"), dbus::Writer{}, 150ms, record);
    ASSERT_TRUE(cancelled && timed_out);
    EXPECT_TRUE(client->cancel(*cancelled));
    EXPECT_FALSE(client->cancel(*cancelled));
    ASSERT_EQ(outcomes.size(), 1U);
    EXPECT_EQ(outcomes[0], std::errc::operation_canceled);
    auto finished = (*loop)->run_until([&] { return outcomes.size() == 2; }, 5s);
    ASSERT_TRUE(finished && *finished);
    EXPECT_EQ(outcomes[1], std::errc::timed_out);
    // Nothing more arrives for either.
    (void)(*loop)->run_once(100ms);
    EXPECT_EQ(outcomes.size(), 2U);
}

TEST_P(DaemonLoopTest, SignalsDispatchOnTheLoop)
{
    auto loop = EventLoop::create({.syscalls = &real_syscalls(), .use_io_uring = GetParam(), .ring_entries = 64});
    ASSERT_TRUE(loop);
    int got = 0;
    ASSERT_TRUE(client->add_match("type='signal',interface='org.afbus.Test',member='Ping'",
                                  [&](IncomingMessage &) { ++got; }));
    ASSERT_TRUE((*loop)->add(*client));
    ASSERT_TRUE((*loop)->add(service->connection()));
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(client->call_async(call_header(service_name, "Emit"), string_body("x"), 5s,
                                       [](const CallResult<IncomingMessage> &) {}));
    }
    auto finished = (*loop)->run_until([&] { return got == 10; }, 10s);
    ASSERT_TRUE(finished && *finished);
    // Removing a connection stops its dispatch; destroying one removes it.
    (*loop)->remove(*client);
    EXPECT_EQ((*loop)->size(), 1U);
    client.reset();
    EXPECT_EQ((*loop)->size(), 1U);
    (void)(*loop)->run_once(10ms);
}

INSTANTIATE_TEST_SUITE_P(Loop, DaemonLoopTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool> &p) { return p.param ? "io_uring" : "poll"; });

} // namespace
} // namespace afbus::testing
