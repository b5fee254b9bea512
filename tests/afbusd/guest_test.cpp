// SPDX-License-Identifier: LGPL-2.1-or-later
//
// afbusd as the master of a real AF_BUS bus (the patched kernel, in the
// guest; every test skips on a kernel without AF_BUS). Each test starts
// its own afbusd serving an afbus:path= bus and a unix:path= listener in a
// private directory, and drives it with libafbus Connections on both
// transports and with Debian's dbus-send and gdbus on the AF_UNIX side:
// peer-to-peer calls that the broker never sees (its GetStats counters),
// signals filtered by the kernel (nfdbus), legacy <-> AF_BUS traffic both
// ways, name ownership moves, bad input, and the broker's death.
#include "service.hpp"
#include "wire_util.hpp"

#include <afbus/connection.hpp>
#include <afbus/nfdbus.hpp>
#include <afbus/socket.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using namespace std::string_view_literals;

namespace afbus::testing {
namespace {

// How long anything that should happen may take (TCG guests are slow).
constexpr auto bound = 10s;

bool have_af_bus()
{
    const Fd probe{::socket(46, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)};
    return probe.valid();
}

// Reads one line from @fd within @timeout ("" if none came).
std::string read_line(int fd, std::chrono::milliseconds timeout)
{
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (line.find('\n') == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1) {
            return {};
        }
        std::array<char, 512> buf{};
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n <= 0) {
            return {};
        }
        line.append(buf.data(), static_cast<std::size_t>(n));
    }
    return line.substr(0, line.find('\n'));
}

// A program run to completion with a time limit: its exit status and stdout.
struct Ran {
    int status = -1;
    std::string out;
};

// A child started with its stdout on a pipe: its pid and the read end.
struct Spawned {
    pid_t pid = -1;
    int out = -1;
};

// Starts @args (args[0] looked up in PATH unless it has a slash); nullopt
// if it could not be started.
std::optional<Spawned> spawn_reading_stdout(const std::vector<std::string> &args)
{
    std::vector<char *> argv;
    argv.reserve(args.size() + 1);
    for (const std::string &a : args) {
        argv.push_back(const_cast<char *>(a.c_str()));
    }
    argv.push_back(nullptr);
    std::array<int, 2> pipe_fds{-1, -1};
    if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0) {
        return std::nullopt;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    Spawned child;
    const int e = ::posix_spawnp(&child.pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[1]);
    if (e != 0) {
        ::close(pipe_fds[0]);
        return std::nullopt;
    }
    child.out = pipe_fds[0];
    return child;
}

Ran run(const std::vector<std::string> &args)
{
    Ran r;
    const auto child = spawn_reading_stdout(args);
    if (!child) {
        return r;
    }
    const auto deadline = std::chrono::steady_clock::now() + bound;
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd p{.fd = child->out, .events = POLLIN, .revents = 0};
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1) {
            ::kill(child->pid, SIGKILL);
            break;
        }
        std::array<char, 512> buf{};
        const ssize_t n = ::read(child->out, buf.data(), buf.size());
        if (n <= 0) {
            break;
        }
        r.out.append(buf.data(), static_cast<std::size_t>(n));
    }
    ::close(child->out);
    ::waitpid(child->pid, &r.status, 0);
    return r;
}

// One afbusd, foreground, on a private directory: the bus and a listener.
class Afbusd {
public:
    Afbusd()
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "afbusd-guest-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) {
            return;
        }
        dir_ = tmpl;
        const auto child = spawn_reading_stdout({AFBUSD_PATH, "--foreground", "--log-level", "debug", "--address",
                                                 "afbus:path=" + bus_path().name, "--address",
                                                 "unix:path=" + dir_ + "/unix"});
        if (!child) {
            return;
        }
        pid_ = child->pid;
        const std::string line = read_line(child->out, bound);
        ::close(child->out);
        const auto semi = line.find(';');
        if (semi != std::string::npos) {
            afbus_address_ = line.substr(0, semi);
            unix_address_ = line.substr(semi + 1);
        }
    }
    Afbusd(const Afbusd &) = delete;
    Afbusd &operator=(const Afbusd &) = delete;
    Afbusd(Afbusd &&) = delete;
    Afbusd &operator=(Afbusd &&) = delete;
    ~Afbusd()
    {
        stop(SIGTERM);
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    [[nodiscard]] bool ok() const { return !afbus_address_.empty() && !unix_address_.empty(); }
    [[nodiscard]] const std::string &afbus_address() const { return afbus_address_; }
    [[nodiscard]] const std::string &unix_address() const { return unix_address_; }
    [[nodiscard]] BusPath bus_path() const { return BusPath{.name = dir_ + "/bus", .abstract = false}; }

    // Sends @sig and reaps it; its exit status.
    int stop(int sig)
    {
        int status = -1;
        if (pid_ > 0) {
            ::kill(pid_, sig);
            // Bounded: a broker that does not stop is killed (and the
            // test fails on the status).
            const auto deadline = std::chrono::steady_clock::now() + 5s;
            while (::waitpid(pid_, &status, WNOHANG) == 0) {
                if (std::chrono::steady_clock::now() > deadline) {
                    ADD_FAILURE() << "afbusd did not stop on signal " << sig;
                    ::kill(pid_, SIGKILL);
                    ::waitpid(pid_, &status, 0);
                    break;
                }
                std::this_thread::sleep_for(10ms);
            }
            pid_ = -1;
        }
        return status;
    }

private:
    std::string dir_;
    std::string afbus_address_;
    std::string unix_address_;
    pid_t pid_ = -1;
};

std::unique_ptr<Connection> open(const std::string &address)
{
    auto c = Connection::open(address);
    EXPECT_TRUE(c) << address << ": " << c.error().message();
    return c ? std::move(*c) : nullptr;
}

// afbusd's counters (org.freedesktop.DBus.Debug.Stats.GetStats).
std::map<std::string, std::uint64_t> stats(Connection &c)
{
    const dbus::Header h{.type = dbus::MessageType::method_call,
                         .path = "/org/freedesktop/DBus",
                         .interface = "org.freedesktop.DBus.Debug.Stats",
                         .member = "GetStats",
                         .destination = "org.freedesktop.DBus"};
    auto reply = c.call(h, dbus::Writer{}, bound);
    EXPECT_TRUE(reply) << (reply ? "" : reply.error().name);
    std::map<std::string, std::uint64_t> out;
    if (!reply) {
        return out;
    }
    auto r = reply->reader();
    auto array = r.enter_array();
    while (array && !array->at_end()) {
        auto entry = array->enter_dict_entry();
        if (!entry) {
            break;
        }
        const std::string key{entry->get_string().value_or("")};
        auto v = entry->enter_variant();
        if (!v) {
            break;
        }
        out[key] = v->get_uint64().value_or(0);
        // Without this the entry stays at its value, and so would the
        // array: the loop never ended (reader.hpp: leave every child).
        entry->leave(*v);
        array->leave(*entry);
    }
    return out;
}

// Dispatches @c until @done() or the bound passes.
template <typename Pred>
bool dispatch_until(Connection &c, Pred done)
{
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline || !c.wait_and_dispatch(50ms)) {
            return done();
        }
    }
    return true;
}

// Calls Echo(@dest) from @c and checks the echo; the name of whoever
// answered ("" on failure). On AF_BUS also its address, 0 elsewhere.
std::pair<std::string, std::uint64_t> echo(Connection &c, const std::string &dest)
{
    auto reply = c.call(call_header(dest, "Echo"), string_body("to " + dest), bound);
    EXPECT_TRUE(reply) << dest << ": " << (reply ? "" : reply.error().code.message() + " " + reply.error().name);
    if (!reply) {
        return {};
    }
    EXPECT_EQ(first_string(reply->message()), "to " + dest);
    return {std::string{reply->header().sender}, reply->sender_address()};
}

// The prefix-0 address of ":1.N" (0 for anything else).
std::uint64_t address_of(std::string_view unique_name)
{
    std::uint64_t n = 0;
    if (!unique_name.starts_with(":1.") ||
        std::from_chars(unique_name.data() + 3, unique_name.data() + unique_name.size(), n).ec != std::errc{}) {
        return 0;
    }
    return bus_address(0, n);
}

dbus::Header signal_header(std::string_view member)
{
    return dbus::Header{.type = dbus::MessageType::signal,
                        .path = "/org/afbus/Test",
                        .interface = "org.afbus.Test",
                        .member = member};
}

// Each test on an afbusd of its own; skipped without AF_BUS.
class AfbusdGuest : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!have_af_bus()) {
            GTEST_SKIP() << "the running kernel has no AF_BUS";
        }
        bus_ = std::make_unique<Afbusd>();
        ASSERT_TRUE(bus_->ok()) << "afbusd did not start";
    }

    [[nodiscard]] Afbusd &bus() const { return *bus_; }

private:
    std::unique_ptr<Afbusd> bus_;
};

TEST_F(AfbusdGuest, PeerToPeerCallsBypassTheBroker)
{
    auto service_conn = open(bus().afbus_address());
    auto caller = open(bus().afbus_address());
    ASSERT_TRUE(service_conn && caller);
    EXPECT_EQ(caller->unique_name(), ":1." + std::to_string(bus_client(caller->bus_address())));
    ASSERT_EQ(service_conn->request_name("org.afbus.Echo").value_or(NameReply::exists), NameReply::primary_owner);
    const std::string service_name = service_conn->unique_name();
    Service service{std::move(service_conn)};
    service.run_in_thread();

    // The first call by name resolves it (GetNameOwner, AddMatch): driver
    // calls, which the broker answers; then nothing passes through it.
    ASSERT_EQ(echo(*caller, "org.afbus.Echo").first, service_name);
    const auto before = stats(*caller);
    for (const std::string &dest : {service_name, std::string{"org.afbus.Echo"}}) {
        EXPECT_EQ(echo(*caller, dest), std::make_pair(service_name, address_of(service_name)));
    }
    const auto after = stats(*caller);
    ASSERT_TRUE(before.contains("MessagesRouted") && before.contains("MessagesFromKernel"));
    EXPECT_EQ(after.at("MessagesRouted"), before.at("MessagesRouted"));
    EXPECT_EQ(after.at("MessagesFromKernel"), before.at("MessagesFromKernel"));
    // Only the second GetStats reached the broker in between.
    EXPECT_EQ(after.at("MessagesReceived"), before.at("MessagesReceived") + 1);
    EXPECT_EQ(service.calls(), 3);
}

TEST_F(AfbusdGuest, SignalsReachExactlyTheMatchingSubscribers)
{
    auto emitter = open(bus().afbus_address());
    auto ping_only = open(bus().afbus_address());
    auto other_only = open(bus().afbus_address());
    auto fence_only = open(bus().afbus_address());
    ASSERT_TRUE(emitter && ping_only && other_only && fence_only);
    struct Seen {
        std::vector<std::string> members;
        bool fenced = false;
    };
    std::map<Connection *, Seen> seen;
    const auto subscribe = [&](Connection &c, std::string_view member) {
        auto id = c.add_match("type='signal',interface='org.afbus.Test',member='" + std::string{member} + "'",
                              [&seen, &c](IncomingMessage &m) {
                                  Seen &s = seen[&c];
                                  if (m.header().member == "Fence") {
                                      s.fenced = true;
                                  } else {
                                      s.members.emplace_back(m.header().member);
                                  }
                              });
        ASSERT_TRUE(id) << id.error().code.message();
    };
    subscribe(*ping_only, "Ping");
    subscribe(*other_only, "Other");
    for (Connection *c : {ping_only.get(), other_only.get(), fence_only.get()}) {
        subscribe(*c, "Fence");
    }
    std::optional<NfdbusStats> kernel_before;
    auto nl = Nfdbus::open();
    const BusPath path = bus().bus_path();
    if (nl) {
        kernel_before = nl->stats(path).value_or(NfdbusStats{});
    }
    const auto before = stats(*emitter);
    for (const std::string_view member : {"Ping", "Other", "Fence"}) {
        ASSERT_TRUE(emitter->send(signal_header(member), string_body("x")));
    }
    ASSERT_TRUE(emitter->flush());
    // Total order: once a subscriber has the fence, it has everything sent
    // before it that was meant for it.
    for (Connection *c : {ping_only.get(), other_only.get(), fence_only.get()}) {
        EXPECT_TRUE(dispatch_until(*c, [&] { return seen[c].fenced; }));
    }
    EXPECT_EQ(seen[ping_only.get()].members, std::vector<std::string>{"Ping"});
    EXPECT_EQ(seen[other_only.get()].members, std::vector<std::string>{"Other"});
    EXPECT_TRUE(seen[fence_only.get()].members.empty());
    EXPECT_EQ(stats(*emitter).at("MessagesRouted"), before.at("MessagesRouted"));
    if (kernel_before) {
        // The kernel filtered them: copies it refused for want of a rule.
        const auto kernel_after = nl->stats(path);
        ASSERT_TRUE(kernel_after);
        EXPECT_GT(kernel_after->dropped_no_match, kernel_before->dropped_no_match);
    }
}

TEST_F(AfbusdGuest, LegacyToolsCallAnAfbusService)
{
    auto service_conn = open(bus().afbus_address());
    ASSERT_TRUE(service_conn);
    ASSERT_EQ(service_conn->request_name("org.afbus.Echo").value_or(NameReply::exists), NameReply::primary_owner);
    Service service{std::move(service_conn)};
    service.run_in_thread();

    const Ran send = run({"dbus-send", "--bus=" + bus().unix_address(), "--print-reply", "--dest=org.afbus.Echo",
                          "/org/afbus/Test", "org.afbus.Test.Echo", "string:from-dbus-send"});
    EXPECT_EQ(send.status, 0) << send.out;
    EXPECT_NE(send.out.find("string \"from-dbus-send\""), std::string::npos) << send.out;
    const Ran gdbus = run({"gdbus", "call", "--address", bus().unix_address(), "--dest", "org.afbus.Echo",
                           "--object-path", "/org/afbus/Test", "--method", "org.afbus.Test.Echo", "from-gdbus"});
    EXPECT_EQ(gdbus.status, 0) << gdbus.out;
    EXPECT_NE(gdbus.out.find("('from-gdbus',)"), std::string::npos) << gdbus.out;
    // gdbus call introspects the object first (for the argument types); the
    // service answers that with UnknownMethod, so only the Echo calls count.
    EXPECT_EQ(service.echo_calls(), 2);
}

TEST_F(AfbusdGuest, LegacyAndAfbusClientsTalkBothWays)
{
    auto legacy_conn = open(bus().unix_address());
    auto afbus_conn = open(bus().afbus_address());
    ASSERT_TRUE(legacy_conn && afbus_conn);
    ASSERT_EQ(legacy_conn->transport(), Connection::Transport::unix_stream);
    // The legacy client's unique name is its proxy's address on the bus.
    EXPECT_TRUE(legacy_conn->unique_name().starts_with(":1."));

    const std::string legacy_name = legacy_conn->unique_name();
    const std::string afbus_name = afbus_conn->unique_name();

    // Signals both ways, each side subscribed through the broker.
    std::vector<std::string> afbus_senders;
    int legacy_got = 0;
    ASSERT_TRUE(afbus_conn->add_match("type='signal',member='FromLegacy'", [&](IncomingMessage &m) {
        afbus_senders.emplace_back(m.header().sender);
    }));
    ASSERT_TRUE(legacy_conn->add_match("type='signal',member='FromAfbus'", [&](IncomingMessage &m) {
        legacy_got += m.header().sender == afbus_name ? 1 : 100;
    }));
    ASSERT_TRUE(legacy_conn->send(signal_header("FromLegacy"), string_body("l")));
    ASSERT_TRUE(legacy_conn->flush());
    EXPECT_TRUE(dispatch_until(*afbus_conn, [&] { return !afbus_senders.empty(); }));
    EXPECT_EQ(afbus_senders, std::vector<std::string>{legacy_name});
    const auto before = stats(*afbus_conn);
    ASSERT_TRUE(afbus_conn->send(signal_header("FromAfbus"), string_body("a")));
    ASSERT_TRUE(afbus_conn->flush());
    EXPECT_TRUE(dispatch_until(*legacy_conn, [&] { return legacy_got != 0; }));
    EXPECT_EQ(legacy_got, 1);
    // It came out of the kernel on the legacy client's proxy.
    EXPECT_GT(stats(*afbus_conn).at("MessagesFromKernel"), before.at("MessagesFromKernel"));

    // A dbus-send signal reaches the AF_BUS subscriber too.
    const Ran send = run({"dbus-send", "--bus=" + bus().unix_address(), "--type=signal", "/org/afbus/Test",
                          "org.afbus.Test.FromLegacy", "string:tool"});
    EXPECT_EQ(send.status, 0);
    EXPECT_TRUE(dispatch_until(*afbus_conn, [&] { return afbus_senders.size() >= 2; }));
    ASSERT_EQ(afbus_senders.size(), 2U);
    // Stamped with dbus-send's own unique name (its proxy's address).
    EXPECT_TRUE(afbus_senders[1].starts_with(":1.")) << afbus_senders[1];
    EXPECT_NE(afbus_senders[1], legacy_name);
    EXPECT_NE(afbus_senders[1], afbus_name);

    // Calls both ways: AF_BUS -> legacy service, legacy -> AF_BUS service.
    ASSERT_EQ(legacy_conn->request_name("org.afbus.Legacy").value_or(NameReply::exists), NameReply::primary_owner);
    ASSERT_EQ(afbus_conn->request_name("org.afbus.Direct").value_or(NameReply::exists), NameReply::primary_owner);
    Service legacy_service{std::move(legacy_conn)};
    legacy_service.run_in_thread();
    auto caller = open(bus().afbus_address());
    ASSERT_TRUE(caller);
    for (const std::string &dest : {legacy_name, std::string{"org.afbus.Legacy"}}) {
        // From the legacy client's own address (its proxy), not the master's.
        EXPECT_EQ(echo(*caller, dest), std::make_pair(legacy_name, address_of(legacy_name)));
    }
    Service afbus_service{std::move(afbus_conn)};
    afbus_service.run_in_thread();
    auto legacy_caller = open(bus().unix_address());
    ASSERT_TRUE(legacy_caller);
    for (const std::string &dest : {afbus_name, std::string{"org.afbus.Direct"}}) {
        EXPECT_EQ(echo(*legacy_caller, dest).first, afbus_name);
    }
    EXPECT_EQ(legacy_service.calls(), 2);
    EXPECT_EQ(afbus_service.calls(), 2);
}

TEST_F(AfbusdGuest, NameOwnershipMovesAndTheSenderFollows)
{
    auto first_conn = open(bus().afbus_address());
    auto second_conn = open(bus().afbus_address());
    auto caller = open(bus().afbus_address());
    ASSERT_TRUE(first_conn && second_conn && caller);
    const std::string first = first_conn->unique_name();
    const std::string second = second_conn->unique_name();
    ASSERT_EQ(first_conn->request_name("org.afbus.Moving", name_allow_replacement).value_or(NameReply::exists),
              NameReply::primary_owner);
    Service first_service{std::move(first_conn)};
    first_service.run_in_thread();

    const auto answered_by = [&]() -> std::string {
        // Owner changes announced so far are read first (the name cache).
        static_cast<void>(caller->wait_and_dispatch(0ms));
        const auto [name, address] = echo(*caller, "org.afbus.Moving");
        // SENDER and the kernel's sending address agree.
        EXPECT_EQ(address, address_of(name));
        return name;
    };
    EXPECT_EQ(answered_by(), first);

    ASSERT_EQ(second_conn->request_name("org.afbus.Moving", name_replace_existing).value_or(NameReply::exists),
              NameReply::primary_owner);
    Service second_service{std::move(second_conn)};
    second_service.run_in_thread();
    EXPECT_EQ(answered_by(), second);
    // Released: back to the first owner, which waited in the queue.
    second_service.stop();
    EXPECT_EQ(second_service.connection().release_name("org.afbus.Moving").value_or(0), 1U);
    EXPECT_EQ(answered_by(), first);
}

TEST_F(AfbusdGuest, BadInputDisconnectsOnlyThatPeer)
{
    auto good = open(bus().afbus_address());
    ASSERT_TRUE(good);
    auto raw = BusSocket::connect(bus().bus_path(), bus_proto_dbus);
    ASSERT_TRUE(raw) << raw.error().message();
    // An unknown command (answered with ERROR), then BEGIN before
    // authenticating, which ends it.
    const std::string_view junk = "\0NONSENSE\r\nBEGIN\r\n"sv;
    ASSERT_TRUE(raw->send_default({reinterpret_cast<const std::byte *>(junk.data()), junk.size()}));
    // The master answers, then hangs up; no hang here.
    ASSERT_TRUE(raw->set_nonblocking(false));
    const timeval tv{.tv_sec = 10, .tv_usec = 0};
    ASSERT_EQ(::setsockopt(raw->fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    bool hung_up = false;
    for (int i = 0; i < 16 && !hung_up; ++i) {
        auto d = raw->receive();
        hung_up = !d && d.error() == std::errc::connection_reset;
        if (!d && !hung_up) {
            ADD_FAILURE() << d.error().message();
            break;
        }
    }
    EXPECT_TRUE(hung_up);
    auto reply = good->call(call_header("org.freedesktop.DBus", "GetId", "/org/freedesktop/DBus",
                                        "org.freedesktop.DBus"),
                            dbus::Writer{}, bound);
    EXPECT_TRUE(reply);
}

class BrokerDeath : public AfbusdGuest, public ::testing::WithParamInterface<int> {};

TEST_P(BrokerDeath, EveryPeerIsDisconnected)
{
    auto a = open(bus().afbus_address());
    auto b = open(bus().afbus_address());
    auto legacy = open(bus().unix_address());
    ASSERT_TRUE(a && b && legacy);
    const int status = bus().stop(GetParam());
    if (GetParam() == SIGTERM) {
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    }
    const auto start = std::chrono::steady_clock::now();
    for (Connection *c : {a.get(), b.get(), legacy.get()}) {
        EXPECT_TRUE(dispatch_until(*c, [c] { return !c->connected(); }));
        auto call = c->call(call_header("org.freedesktop.DBus", "GetId", "/org/freedesktop/DBus",
                                        "org.freedesktop.DBus"),
                            dbus::Writer{}, 1s);
        ASSERT_FALSE(call);
        EXPECT_NE(call.error().code, std::errc::timed_out);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, bound);
}

INSTANTIATE_TEST_SUITE_P(Signals, BrokerDeath, ::testing::Values(SIGTERM, SIGKILL),
                         [](const auto &param_info) { return param_info.param == SIGTERM ? "SIGTERM" : "SIGKILL"; });

} // namespace
} // namespace afbus::testing
