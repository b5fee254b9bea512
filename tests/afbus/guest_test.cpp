// SPDX-License-Identifier: LGPL-2.1-or-later
//
// libafbus on real AF_BUS sockets (the patched kernel, in the guest):
// the master API and socket options, nfdbus over generic netlink, and
// Connections talking peer to peer through the small master of
// bus_master.cpp. Every test skips on a kernel without AF_BUS.
#include "bus_master.hpp"
#include "service.hpp"
#include "wire_util.hpp"

#include <afbus/connection.hpp>
#include <afbus/event_loop.hpp>
#include <afbus/nfdbus.hpp>
#include <afbus/socket.hpp>

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <string>

using namespace std::chrono_literals;

namespace afbus::testing {
namespace {

bool have_af_bus()
{
    const int fd = ::socket(46, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    ::close(fd);
    return true;
}

#define SKIP_WITHOUT_AF_BUS()                                                                                        \
    do {                                                                                                             \
        if (!have_af_bus()) {                                                                                        \
            GTEST_SKIP() << "the running kernel has no AF_BUS";                                                      \
        }                                                                                                            \
    } while (0)

BusPath unique_abstract(std::string_view what)
{
    static int counter = 0;
    return BusPath{.name = "afbus-test-" + std::string{what} + "-" + std::to_string(::getpid()) + "-" +
                           std::to_string(++counter),
                   .abstract = true};
}

std::span<const std::byte> bytes_of(std::string_view s)
{
    return {reinterpret_cast<const std::byte *>(s.data()), s.size()};
}

struct RawBus {
    afbus::BusMaster master;
    BusSocket peer;
    PeerHandle handle;
};

// A raw (BUS_PROTO_NONE) bus with one connected, accepted peer.
RawBus raw_bus_with_peer(const BusPath &path)
{
    RawBus b;
    auto m = afbus::BusMaster::create(path, bus_proto_none);
    EXPECT_TRUE(m) << m.error().message();
    if (!m) {
        return b;
    }
    b.master = std::move(*m);
    auto p = BusSocket::connect(path, bus_proto_none);
    EXPECT_TRUE(p) << p.error().message();
    auto h = b.master.accept();
    EXPECT_TRUE(h) << h.error().message();
    if (p && h) {
        b.peer = std::move(*p);
        b.handle = std::move(*h);
    }
    return b;
}

TEST(AfBusSocket, MasterOptionsAndJoin)
{
    SKIP_WITHOUT_AF_BUS();
    const BusPath path = unique_abstract("master");
    auto m = afbus::BusMaster::create(path, bus_proto_none);
    ASSERT_TRUE(m) << m.error().message();
    ASSERT_TRUE(m->set_max_queue_length(8));
    ASSERT_TRUE(m->set_send_buffer(4096));
    EXPECT_EQ(m->max_queue_length().value_or(-1), 8);
    EXPECT_EQ(m->send_buffer().value_or(-1), 4096);

    auto peer = BusSocket::connect(path, bus_proto_none);
    ASSERT_TRUE(peer) << peer.error().message();
    auto handle = m->accept();
    ASSERT_TRUE(handle);
    auto own = peer->address();
    ASSERT_TRUE(own);
    EXPECT_EQ(bus_prefix(*own), 0);
    EXPECT_NE(bus_client(*own), 0U);
    EXPECT_EQ(handle->peer_address().value_or(0), *own);
    EXPECT_EQ(peer->max_queue_length().value_or(-1), 8);
    EXPECT_EQ(peer->send_buffer().value_or(-1), 4096);

    // Unjoined: only the master.
    EXPECT_EQ(peer->joined().value_or(true), false);
    auto unreachable = peer->send(bus_address(0, 999), bytes_of("x"));
    ASSERT_FALSE(unreachable);
    EXPECT_EQ(unreachable.error(), std::errc::host_unreachable);
    ASSERT_TRUE(peer->send_default(bytes_of("to master")));
    auto got = handle->receive();
    ASSERT_TRUE(got);
    EXPECT_EQ(got->sender, *own);
    EXPECT_EQ(std::string_view(reinterpret_cast<const char *>(got->data.data()), got->data.size()), "to master");

    ASSERT_TRUE(handle->join());
    EXPECT_EQ(peer->joined().value_or(false), true);
    auto again = handle->join();
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error(), std::errc::connection_already_in_progress);
}

TEST(AfBusSocket, AddressesAndUnicastWithFdsAndCredentials)
{
    SKIP_WITHOUT_AF_BUS();
    const BusPath path = unique_abstract("addr");
    const RawBus a = raw_bus_with_peer(path);
    ASSERT_TRUE(a.peer.valid());
    auto p2 = BusSocket::connect(path, bus_proto_none);
    ASSERT_TRUE(p2);
    auto h2 = a.master.accept();
    ASSERT_TRUE(h2);
    ASSERT_TRUE(a.handle.join());
    ASSERT_TRUE(h2->join());

    const std::uint64_t name_addr = bus_address(7, 1);
    ASSERT_TRUE(a.handle.add_address(name_addr));
    auto taken = h2->add_address(name_addr);
    ASSERT_FALSE(taken);
    EXPECT_EQ(taken.error(), std::errc::address_in_use);
    auto held = a.peer.addresses();
    ASSERT_TRUE(held);
    ASSERT_EQ(held->size(), 2U);
    EXPECT_EQ((*held)[0], a.peer.address().value_or(0));
    EXPECT_EQ((*held)[1], name_addr);

    // Unicast to the name address, with an fd and credentials.
    ASSERT_TRUE(a.peer.set_pass_credentials(true));
    std::array<int, 2> pipefd{};
    ASSERT_EQ(::pipe(pipefd.data()), 0);
    ASSERT_TRUE(p2->send(name_addr, bytes_of("hello"), std::span<const int>{&pipefd[1], 1}));
    ::close(pipefd[1]);
    EXPECT_EQ(a.peer.queue_length().value_or(-1), 1);
    EXPECT_EQ(a.peer.next_message_size().value_or(-1), 5);
    auto d = a.peer.receive();
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->sender, p2->address().value_or(0));
    ASSERT_EQ(d->fds.size(), 1U);
    ASSERT_TRUE(d->credentials.has_value());
    EXPECT_EQ(d->credentials.value_or(Credentials{}).pid, ::getpid());
    EXPECT_EQ(::write(d->fds[0].get(), "z", 1), 1);
    char c = 0;
    EXPECT_EQ(::read(pipefd[0], &c, 1), 1);
    EXPECT_EQ(c, 'z');
    ::close(pipefd[0]);

    ASSERT_TRUE(a.handle.del_address(name_addr));
    auto gone = a.handle.del_address(name_addr);
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error(), std::errc::address_not_available);
    // A peer cannot change itself.
    const PeerHandle self{Fd{::dup(a.peer.fd())}, real_syscalls()};
    auto denied = self.add_address(bus_address(7, 2));
    ASSERT_FALSE(denied);
    EXPECT_EQ(denied.error(), std::errc::operation_not_permitted);
}

TEST(AfBusSocket, EavesdropOption)
{
    SKIP_WITHOUT_AF_BUS();
    const RawBus b = raw_bus_with_peer(unique_abstract("eaves"));
    ASSERT_TRUE(b.peer.valid());
    ASSERT_TRUE(b.handle.join());
    ASSERT_TRUE(b.handle.set_eavesdrop(true)) << "needs the master's credentials, which the test has";
    EXPECT_EQ(b.peer.eavesdropping().value_or(false), true);
    ASSERT_TRUE(b.handle.set_eavesdrop(false));
    EXPECT_EQ(b.peer.eavesdropping().value_or(true), false);
}

TEST(AfBusSocket, MasterExitEndsTheBus)
{
    SKIP_WITHOUT_AF_BUS();
    RawBus b = raw_bus_with_peer(unique_abstract("exit"));
    ASSERT_TRUE(b.peer.valid());
    b.handle = PeerHandle{};
    b.master = afbus::BusMaster{};
    auto d = b.peer.receive();
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error(), std::errc::connection_reset);
}

TEST(Nfdbus, EveryCommandOnABus)
{
    SKIP_WITHOUT_AF_BUS();
    auto nl = Nfdbus::open();
    if (!nl && nl.error() == std::errc::no_such_file_or_directory) {
        GTEST_SKIP() << "no nfdbus in this kernel";
    }
    ASSERT_TRUE(nl) << nl.error().message();
    const BusPath path = unique_abstract("nfdbus");
    auto m = afbus::BusMaster::create(path, bus_proto_dbus);
    ASSERT_TRUE(m);
    auto peer = BusSocket::connect(path, bus_proto_dbus);
    ASSERT_TRUE(peer);
    const std::uint64_t addr = peer->address().value_or(0);
    const std::string rule = "type='signal',interface='org.afbus.Test'";
    ASSERT_TRUE(nl->add_match(path, addr, rule)) << nl->last_error();
    ASSERT_TRUE(nl->remove_match(path, addr, rule));
    auto missing = nl->remove_match(path, addr, rule);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error(), std::errc::no_such_file_or_directory);
    const std::vector<std::string> names{"org.afbus.A", "org.afbus.B"};
    ASSERT_TRUE(nl->set_names(path, addr, names)) << nl->last_error();
    ASSERT_TRUE(nl->add_name(path, addr, "org.afbus.C")) << nl->last_error();
    ASSERT_TRUE(nl->del_name(path, addr, "org.afbus.C")) << nl->last_error();
    ASSERT_TRUE(nl->remove_all(path, addr)) << nl->last_error();
    const PolicyRule deny{.allow = false, .uid = ::getuid(), .type = 1, .destination = "org.afbus.A",
                    .interface = "org.afbus.I", .member = "M"};
    ASSERT_TRUE(nl->add_policy(path, deny)) << nl->last_error();
    ASSERT_TRUE(nl->flush_policy(path)) << nl->last_error();
    ASSERT_TRUE(nl->set_strict(path, true)) << nl->last_error();
    ASSERT_TRUE(nl->set_strict(path, false)) << nl->last_error();
    auto st = nl->stats(path);
    ASSERT_TRUE(st) << nl->last_error();
    EXPECT_EQ(st->dropped_spoofed, 0U);
    auto bad = nl->add_match(path, addr, "type='nonsense'");
    ASSERT_FALSE(bad);
    EXPECT_FALSE(nl->last_error().empty());
    auto nobus = nl->stats(unique_abstract("nobus"));
    ASSERT_FALSE(nobus);
}

class AfBusConnectionTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!have_af_bus()) {
            GTEST_SKIP() << "the running kernel has no AF_BUS";
        }
        std::string tmpl = (std::filesystem::temp_directory_path() / "afbus-guest-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir = tmpl;
        master = std::make_unique<BusMaster>(BusPath{.name = dir + "/bus", .abstract = false});
        ASSERT_TRUE(master->ok()) << master->error();
        address = "afbus:path=" + dir + "/bus";
        client = open();
        ASSERT_TRUE(client);
        auto s = open();
        ASSERT_TRUE(s);
        service = std::make_unique<Service>(std::move(s));
    }
    void TearDown() override
    {
        service.reset();
        client.reset();
        master.reset();
        if (!dir.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        }
    }

    std::unique_ptr<Connection> open()
    {
        Connection::Options options;
        options.connect_timeout = 5s;
        auto c = Connection::open(address, options);
        EXPECT_TRUE(c) << c.error().message();
        return c ? std::move(*c) : nullptr;
    }

    std::string dir;
    std::string address;
    std::unique_ptr<BusMaster> master;
    std::unique_ptr<Connection> client;
    std::unique_ptr<Service> service;
};

TEST_F(AfBusConnectionTest, HandshakeGivesTheNameOfTheOwnAddress)
{
    EXPECT_EQ(client->transport(), Connection::Transport::afbus);
    EXPECT_EQ(client->unique_name(), ":1." + std::to_string(bus_client(client->bus_address())));
    EXPECT_TRUE(client->unix_fds_enabled());
}

TEST_F(AfBusConnectionTest, PeerToPeerCallSkipsTheMaster)
{
    service->run_in_thread();
    const int before = master->messages();
    auto reply = client->call(call_header(service->connection().unique_name(), "Echo"), string_body("direct"), 5s);
    ASSERT_TRUE(reply) << reply.error().code.message() << " " << reply.error().name;
    EXPECT_EQ(first_string(reply->message()), "direct");
    EXPECT_EQ(reply->sender_address(), service->connection().bus_address());
    EXPECT_EQ(reply->header().sender, service->connection().unique_name());
    EXPECT_EQ(master->messages(), before);
}

// A large call in both forms: built by call() (SENDER set when built) and
// handed over already marshalled without SENDER (given a new header in
// front of its body). Either way the body arrives byte for byte, as a
// non-linear skb (above 16 KiB), and the reply names its sender. Both
// replies are large enough to keep the buffer they were received into: the
// first must be intact after the second was received.
TEST_F(AfBusConnectionTest, LargeCallsKeepTheirBodyAndGetASender)
{
    service->run_in_thread();
    std::string big(65536, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) {
        big[i] = static_cast<char>('a' + i % 26);
    }
    const dbus::Header h = call_header(service->connection().unique_name(), "Echo");
    auto built = client->call(h, string_body(big), 5s);
    ASSERT_TRUE(built) << built.error().code.message() << " " << built.error().name;
    EXPECT_EQ(first_string(built->message()), big);
    EXPECT_EQ(built->header().sender, service->connection().unique_name());

    auto bytes = dbus::build_message(h, string_body(big));
    ASSERT_TRUE(bytes);
    ASSERT_TRUE(dbus::parse_message(*bytes)->header.sender.empty());
    auto handed = client->call_message(std::move(*bytes), 5s);
    ASSERT_TRUE(handed) << handed.error().code.message() << " " << handed.error().name;
    EXPECT_EQ(first_string(handed->message()), big);
    EXPECT_EQ(handed->header().sender, service->connection().unique_name());
    EXPECT_EQ(first_string(built->message()), big);
}

TEST_F(AfBusConnectionTest, WellKnownNameIsResolvedCachedAndInvalidated)
{
    auto owned = service->connection().request_name("org.afbus.Test", 0, 5s);
    ASSERT_TRUE(owned) << owned.error().name;
    ASSERT_EQ(*owned, NameReply::primary_owner);
    service->run_in_thread();
    auto reply = client->call(call_header("org.afbus.Test", "Echo"), string_body("by name"), 5s);
    ASSERT_TRUE(reply) << reply.error().name;
    EXPECT_EQ(first_string(reply->message()), "by name");
    EXPECT_EQ(client->cached_name_address("org.afbus.Test").value_or(0), service->connection().bus_address());
    // Cached: the second call goes straight to the owner.
    const int before = master->messages();
    ASSERT_TRUE(client->call(call_header("org.afbus.Test", "Echo"), string_body("again"), 5s));
    EXPECT_EQ(master->messages(), before);

    // The owner lets go: NameOwnerChanged empties the cache, and the next
    // call is answered by the master.
    service->stop();
    ASSERT_TRUE(service->connection().release_name("org.afbus.Test", 5s));
    for (int i = 0; i < 50 && client->cached_name_address("org.afbus.Test"); ++i) {
        ASSERT_TRUE(client->wait_and_dispatch(50ms));
    }
    EXPECT_FALSE(client->cached_name_address("org.afbus.Test"));
    auto gone = client->call(call_header("org.afbus.Test", "Echo"), string_body("x"), 5s);
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().name, "org.freedesktop.DBus.Error.ServiceUnknown");
}

TEST_F(AfBusConnectionTest, UnknownUniqueNameFallsToTheMaster)
{
    auto reply = client->call(call_header(":1.999999", "Echo"), string_body("x"), 5s);
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().name, "org.freedesktop.DBus.Error.ServiceUnknown");
}

TEST_F(AfBusConnectionTest, SignalsReachOnlyPeersWithMatchingRules)
{
    if (!master->has_nfdbus()) {
        GTEST_SKIP() << "no nfdbus: every peer gets every multicast";
    }
    auto third = open();
    ASSERT_TRUE(third);
    int wanted = 0;
    int unwanted = 0;
    ASSERT_TRUE(client->add_match("type='signal',interface='org.afbus.Test',member='Ping'",
                                  [&](IncomingMessage &m) { wanted += first_string(m.message()) == "sig" ? 1 : 0; }));
    ASSERT_TRUE(third->add_match("type='signal',interface='org.afbus.Other'", [&](IncomingMessage &) { ++unwanted; }));
    service->run_in_thread();
    ASSERT_TRUE(client->call(call_header(service->connection().unique_name(), "Emit"), string_body("sig"), 5s));
    for (int i = 0; i < 100 && wanted == 0; ++i) {
        ASSERT_TRUE(client->wait_and_dispatch(50ms));
    }
    EXPECT_EQ(wanted, 1);
    (void)third->wait_and_dispatch(100ms);
    EXPECT_EQ(unwanted, 0);
    EXPECT_EQ(third->queued_incoming(), 0U);
}

TEST_F(AfBusConnectionTest, PassesFdsPeerToPeer)
{
    service->run_in_thread();
    std::array<int, 2> p{};
    ASSERT_EQ(::pipe(p.data()), 0);
    dbus::Writer body;
    body.put_unix_fd(0);
    auto reply = client->call(call_header(service->connection().unique_name(), "WriteFd"), body, 5s,
                              std::span<const int>{&p[1], 1});
    ::close(p[1]);
    ASSERT_TRUE(reply) << reply.error().name;
    EXPECT_EQ(first_string(reply->message()), "ok");
    std::array<char, 8> buf{};
    EXPECT_EQ(::read(p[0], buf.data(), buf.size()), 7);
    ::close(p[0]);
}

TEST_F(AfBusConnectionTest, AsyncCallsOnTheLoop)
{
    auto loop = EventLoop::create();
    ASSERT_TRUE(loop);
    ASSERT_TRUE((*loop)->add(*client));
    ASSERT_TRUE((*loop)->add(service->connection()));
    constexpr int calls = 50;
    int ok = 0;
    int done = 0;
    for (int i = 0; i < calls; ++i) {
        const std::string text = std::to_string(i);
        ASSERT_TRUE(client->call_async(call_header(service->connection().unique_name(), "Echo"), string_body(text), 10s,
                                       [&, text](const CallResult<IncomingMessage> &r) {
                                           ++done;
                                           ok += r && first_string(r->message()) == text ? 1 : 0;
                                       }));
    }
    auto finished = (*loop)->run_until([&] { return done == calls; }, 20s);
    ASSERT_TRUE(finished && *finished);
    EXPECT_EQ(ok, calls);
}

} // namespace
} // namespace afbus::testing
