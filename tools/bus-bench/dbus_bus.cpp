// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dbus_bus.hpp"

#include <afbus/dbus/address.hpp>
#include <afbus/dbus/reader.hpp>

#include <cstdio>
#include <exception>
#include <fstream>
#include <string_view>
#include <utility>

namespace bus_bench {
namespace {

using afbus::dbus::Header;
using afbus::dbus::Message;
using afbus::dbus::MessageType;
using afbus::dbus::Writer;
using afbus::dbus::escape_address_value;

constexpr std::string_view service_name = "org.afbus.BusBench";
constexpr std::string_view object_path = "/org/afbus/BusBench";
constexpr std::string_view interface_name = "org.afbus.BusBench";
constexpr std::string_view match_rule = "type='signal',interface='org.afbus.BusBench',member='Tick'";
constexpr std::uint32_t request_name_do_not_queue = 0x4;
constexpr std::uint32_t request_name_primary_owner = 1;

std::uint32_t first_uint32(const Message &msg)
{
    auto r = msg.reader();
    auto v = r.get_uint32();
    if (!v) {
        throw Failure{"expected a uint32 in " + std::string{msg.header.member}};
    }
    return *v;
}

std::span<const std::byte> first_bytes(const Message &msg)
{
    auto r = msg.reader();
    auto v = r.get_fixed_array('y');
    if (!v) {
        throw Failure{"expected a byte array in " + std::string{msg.header.member}};
    }
    return *v;
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

// One role's connection to a D-Bus bus. Every message it does not expect
// (NameAcquired, NameOwnerChanged...) is skipped, as a real client would.
class DbusEndpoint : public Endpoint {
public:
    DbusEndpoint(const std::string &address, Role role) : conn_{Connection::open(address)}
    {
        (void)conn_.hello();
        if (role == Role::service) {
            Writer w;
            w.put_string(service_name);
            w.put_uint32(request_name_do_not_queue);
            if (first_uint32(conn_.call_driver("RequestName", w)) != request_name_primary_owner) {
                throw Failure{"RequestName: " + std::string{service_name} + " is taken"};
            }
        } else if (role == Role::subscriber) {
            Writer w;
            w.put_string(match_rule);
            (void)conn_.call_driver("AddMatch", w);
        }
    }

    std::size_t call(std::span<const std::byte> payload) override
    {
        body_.clear();
        body_.put_bytes(payload);
        return first_bytes(conn_.call(bench_header(MessageType::method_call, "Echo"), body_)).size();
    }

    void stop_service() override
    {
        body_.clear();
        (void)conn_.call(bench_header(MessageType::method_call, "Stop"), body_);
    }

    bool serve() override
    {
        for (;;) {
            const Message msg = conn_.receive();
            if (msg.header.type != MessageType::method_call || msg.header.interface != interface_name) {
                continue;
            }
            const bool stop = msg.header.member == "Stop";
            body_.clear();
            if (!stop) {
                body_.put_bytes(first_bytes(msg));
            }
            Header reply;
            reply.type = MessageType::method_return;
            reply.reply_serial = msg.header.serial;
            reply.destination = msg.header.sender;
            (void)conn_.send(reply, body_);
            return !stop;
        }
    }

    void emit(std::uint32_t seq) override
    {
        body_.clear();
        body_.put_uint32(seq);
        (void)conn_.send(bench_header(MessageType::signal, "Tick"), body_);
    }

    std::uint32_t receive() override
    {
        for (;;) {
            const Message msg = conn_.receive();
            if (msg.header.type == MessageType::signal && msg.header.interface == interface_name &&
                msg.header.member == "Tick") {
                return first_uint32(msg);
            }
        }
    }

private:
    Connection conn_;
    Writer body_;
};

constexpr std::string_view daemon_config_head =
        "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
        " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
        "<busconfig>\n"
        "  <type>session</type>\n";
constexpr std::string_view daemon_config_tail = //
        "  <auth>EXTERNAL</auth>\n"
        "  <policy context=\"default\">\n"
        "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
        "    <allow eavesdrop=\"true\"/>\n"
        "    <allow own=\"*\"/>\n"
        "  </policy>\n"
        "</busconfig>\n";

void write_file(const std::string &path, std::string_view text)
{
    std::ofstream f{path};
    f << text;
    if (!f.flush()) {
        throw Failure{"cannot write " + path};
    }
}

} // namespace

std::unique_ptr<DbusBus> await_address(const std::string &name, pid_t daemon, Fd output)
{
    std::string address;
    try {
        address = read_line(output.get(), name + "'s address");
    } catch (...) {
        terminate(daemon);
        throw;
    }
    // The output stays open: a daemon that prints more must not get SIGPIPE.
    return std::make_unique<DbusBus>(name, std::move(address), daemon, 0, std::move(output));
}

DbusBus::DbusBus(std::string name, std::string address, pid_t daemon, pid_t helper, Fd output)
    : name_{std::move(name)}, address_{std::move(address)}, daemon_{daemon}, helper_{helper},
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
    // What broker.md lists: a session bus on a private socket, EXTERNAL
    // only, and a default policy that allows everything.
    const std::string socket = dir.path() + "/dbus-daemon.sock";
    write_file(config, std::string{daemon_config_head} + "  <listen>unix:path=" + escape_address_value(socket) +
                               "</listen>\n" + std::string{daemon_config_tail});
    Pipe address = Pipe::make();
    const pid_t pid = spawn({"dbus-daemon", "--config-file=" + config, "--nofork", "--print-address=3"},
                            {{3, address.write.get()}});
    address.write.reset();
    return await_address("daemon", pid, std::move(address.read));
}

std::unique_ptr<DbusBus> start_afbusd(const std::string &program, const TempDir &dir)
{
    Pipe out = Pipe::make();
    const pid_t pid = spawn({program, "--address", "unix:path=" + escape_address_value(dir.path() + "/afbusd.sock"), "--foreground"},
                            {{1, out.write.get()}});
    out.write.reset();
    return await_address("afbusd", pid, std::move(out.read));
}

} // namespace bus_bench
