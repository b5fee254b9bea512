// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dbus_bus.hpp"

#include <afbus/dbus/address.hpp>
#include <afbus/dbus/reader.hpp>
#include <linux/bus.h>

#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <exception>
#include <fstream>
#include <iterator>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace bus_bench {
namespace {

using afbus::IncomingMessage;
using afbus::dbus::Header;
using afbus::dbus::Message;
using afbus::dbus::MessageType;
using afbus::dbus::Writer;
using afbus::dbus::escape_address_value;
using Clock = std::chrono::steady_clock;

constexpr std::string_view service_name = "org.afbus.BusBench";
constexpr std::string_view object_path = "/org/afbus/BusBench";
constexpr std::string_view interface_name = "org.afbus.BusBench";
constexpr std::string_view match_rule = "type='signal',interface='org.afbus.BusBench',member='Tick'";

// The payload of an Echo call or reply; empty if it has none (a handler
// must not throw: the caller checks the size).
std::span<const std::byte> payload_of(const Message &msg)
{
    auto r = msg.reader();
    auto v = r.get_fixed_array('y');
    return v ? *v : std::span<const std::byte>{};
}

Header bench_header(MessageType type, std::string_view member)
{
    Header h;
    h.type = type;
    h.path = object_path;
    h.interface = interface_name;
    h.member = member;
    if (type == MessageType::method_call) {
        h.destination = service_name;
    }
    return h;
}

// One role's connection to a D-Bus bus. Messages it does not expect
// (NameAcquired, NameOwnerChanged...) are dropped by the connection, as a
// real client's would be.
class DbusEndpoint : public Endpoint {
public:
    DbusEndpoint(const std::string &address, Role role) : conn_{connect(address)}
    {
        if (role == Role::service) {
            auto r = conn_->request_name(service_name, afbus::name_do_not_queue, io_timeout());
            if (!r) {
                fail_call("RequestName", r.error());
            }
            if (*r != afbus::NameReply::primary_owner) {
                throw Failure{"RequestName: " + std::string{service_name} + " is taken"};
            }
            conn_->set_method_handler([this](IncomingMessage &m) { on_call(m); });
        } else if (role == Role::subscriber) {
            auto r = conn_->add_match(match_rule, [this](IncomingMessage &m) { on_signal(m); }, io_timeout());
            if (!r) {
                fail_call("AddMatch", r.error());
            }
        }
    }

    std::size_t call(std::span<const std::byte> payload) override
    {
        body_.clear();
        body_.put_bytes(payload);
        auto reply = conn_->call(bench_header(MessageType::method_call, "Echo"), body_, io_timeout());
        if (!reply) {
            fail_call("Echo", reply.error());
        }
        return payload_of(reply->message()).size();
    }

    void stop_service() override
    {
        body_.clear();
        if (auto reply = conn_->call(bench_header(MessageType::method_call, "Stop"), body_, io_timeout()); !reply) {
            fail_call("Stop", reply.error());
        }
    }

    bool serve() override
    {
        wait_until([this] { return answered_ > reported_ || stopped_; }, "waiting for a call");
        if (answered_ > reported_) {
            ++reported_;
            return true;
        }
        // The answer to Stop must be out before the service exits.
        wait_until([this] { return conn_->queued_outgoing() == 0; }, "answering Stop");
        return false;
    }

    void emit(std::uint32_t seq) override
    {
        body_.clear();
        body_.put_uint32(seq);
        if (auto sent = conn_->send(bench_header(MessageType::signal, "Tick"), body_); !sent) {
            throw Failure{"emitting a signal: " + sent.error().message()};
        }
        // Queued when the socket is full. On AF_BUS without nfdbus the
        // sender is one of the multicast's recipients, and a full queue of
        // its own holds every copy back: reading it is what frees it.
        wait_until([this] { return conn_->queued_outgoing() == 0; }, "sending a signal");
    }

    std::uint32_t receive() override
    {
        wait_until([this] { return !ticks_.empty(); }, "waiting for a signal");
        const std::uint32_t seq = ticks_.front();
        ticks_.pop_front();
        return seq;
    }

private:
    // Handlers run inside libafbus, which is built without exceptions: they
    // record what went wrong, and wait_until() throws it.
    void on_call(IncomingMessage &m)
    {
        const Header &h = m.header();
        if (h.interface != interface_name) {
            (void)conn_->reply_error(m, "org.freedesktop.DBus.Error.UnknownMethod", "not a bus-bench method");
            return;
        }
        const bool stop = h.member == "Stop";
        body_.clear();
        if (!stop) {
            body_.put_bytes(payload_of(m.message()));
        }
        if (auto r = conn_->reply(m, body_); !r) {
            error_ = "replying: " + r.error().message();
            return;
        }
        if (stop) {
            stopped_ = true;
        } else {
            ++answered_;
        }
    }

    void on_signal(IncomingMessage &m)
    {
        auto r = m.reader();
        if (auto seq = r.get_uint32(); seq) {
            ticks_.push_back(*seq);
        } else {
            error_ = "a Tick signal without its number";
        }
    }

    // Runs the connection until @done, at most io_timeout().
    template <class Done> void wait_until(Done done, std::string_view what)
    {
        const auto deadline = Clock::now() + io_timeout();
        while (!done()) {
            if (!error_.empty()) {
                throw Failure{error_};
            }
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) {
                throw Failure{std::string{what} + ": nothing after " + std::to_string(io_timeout().count()) + " ms"};
            }
            if (auto n = conn_->wait_and_dispatch(left); !n) {
                throw Failure{std::string{what} + ": " + n.error().message()};
            }
        }
        if (!error_.empty()) {
            throw Failure{error_};
        }
    }

    std::unique_ptr<afbus::Connection> conn_;
    Writer body_;
    std::deque<std::uint32_t> ticks_;
    std::uint64_t answered_ = 0;
    std::uint64_t reported_ = 0;
    bool stopped_ = false;
    std::string error_;
};

void write_file(const std::string &path, std::string_view text)
{
    std::ofstream f{path};
    f << text;
    if (!f.flush()) {
        throw Failure{"cannot write " + path};
    }
}

// The allow-all configuration template with @listen in place of its
// placeholder.
std::string daemon_config(const std::string &listen)
{
    constexpr std::string_view placeholder = "{listen}";
    std::ifstream in{AFBUS_DBUS_DAEMON_CONFIG};
    std::string text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
    const auto at = text.find(placeholder);
    if (at == std::string::npos) {
        throw Failure{std::string{"cannot read "} + AFBUS_DBUS_DAEMON_CONFIG + " (or it has no " +
                      std::string{placeholder} + ")"};
    }
    return text.replace(at, placeholder.size(), listen);
}

// Spawns @argv with its stdout on a pipe, and waits for its first line.
std::unique_ptr<DbusBus> spawn_afbusd(const std::string &name, const std::vector<std::string> &argv,
                                      std::string address = {})
{
    Pipe out = Pipe::make();
    const pid_t pid = spawn(argv, {{1, out.write.get()}});
    out.write.reset();
    return await_ready(name, pid, std::move(out.read), std::move(address));
}

} // namespace

std::unique_ptr<afbus::Connection> connect(const std::string &address, bool hello)
{
    afbus::Connection::Options o;
    o.connect_timeout = io_timeout();
    o.hello = hello;
    auto c = afbus::Connection::open(address, o);
    if (!c) {
        throw Failure{"connect to " + address + ": " + c.error().message()};
    }
    return std::move(*c);
}

void fail_call(std::string_view what, const afbus::CallError &e)
{
    if (!e.name.empty()) {
        throw Failure{std::string{what} + " failed: " + e.name + ": " + e.text};
    }
    throw Failure{std::string{what} + " failed: " + e.code.message()};
}

std::unique_ptr<DbusBus> await_ready(const std::string &name, pid_t daemon, Fd output, std::string address)
{
    std::string line;
    try {
        line = read_line(output.get(), name + "'s address");
    } catch (...) {
        terminate(daemon);
        throw;
    }
    // The output stays open: a daemon that prints more must not get SIGPIPE.
    return std::make_unique<DbusBus>(name, address.empty() ? std::move(line) : std::move(address), daemon, 0,
                                     std::move(output));
}

DbusBus::DbusBus(std::string name, std::string address, pid_t daemon, pid_t helper, Fd output)
    : name_{std::move(name)}, address_{std::move(address)}, daemon_{daemon}, server_{daemon}, helper_{helper},
      output_{std::move(output)}
{
}

DbusBus::~DbusBus()
{
    try {
        if (daemon_ > 0) {
            terminate(daemon_);
        }
        if (helper_ > 0) {
            (void)reap(helper_); // it ends when the daemon does
        }
    } catch (const std::exception &e) {
        (void)std::fprintf(stderr, "bus-bench: stopping %s: %s\n", name_.c_str(), e.what());
    }
}

std::unique_ptr<Endpoint> DbusBus::open(Role role, unsigned index)
{
    (void)index;
    return std::make_unique<DbusEndpoint>(address_, role);
}

std::unique_ptr<DbusBus> start_dbus_daemon(const TempDir &dir)
{
    const std::string config = dir.path() + "/dbus-daemon.conf";
    write_file(config, daemon_config("unix:path=" + escape_address_value(dir.path() + "/dbus-daemon.sock")));
    Pipe address = Pipe::make();
    const pid_t pid = spawn({"dbus-daemon", "--config-file=" + config, "--nofork", "--print-address=3"},
                            {{3, address.write.get()}});
    address.write.reset();
    return await_ready("daemon", pid, std::move(address.read));
}

std::unique_ptr<DbusBus> start_afbusd(const std::string &program, const TempDir &dir)
{
    return spawn_afbusd(
            "afbusd", {program, "--address", "unix:path=" + escape_address_value(dir.path() + "/afbusd.sock"),
                       "--foreground"});
}

std::pair<std::unique_ptr<DbusBus>, std::unique_ptr<DbusBus>> start_afbusd_bus(const std::string &program,
                                                                               const TempDir &dir)
{
    // Said here rather than as afbusd's failure to bind: the usual reason.
    const Fd probe{::socket(AF_BUS, SOCK_SEQPACKET | SOCK_CLOEXEC, BUS_PROTO_DBUS)};
    if (!probe.valid()) {
        fail_errno("--afbus: this kernel has no AF_BUS (socket(AF_BUS))");
    }
    const std::string bus = "afbus:path=" + escape_address_value(dir.path() + "/afbusd.bus");
    const std::string legacy = "unix:path=" + escape_address_value(dir.path() + "/afbusd-legacy.sock");
    auto master = spawn_afbusd("afbus", {program, "--address", bus, "--address", legacy, "--foreground"}, bus);
    auto unix_side = std::make_unique<DbusBus>("legacy", legacy);
    unix_side->served_by(*master);
    return {std::move(master), std::move(unix_side)};
}

} // namespace bus_bench
