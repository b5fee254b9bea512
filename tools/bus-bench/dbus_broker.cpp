// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Starting dbus-broker without systemd: bus-bench is its controller.
//
// dbus-broker only serves the listening sockets its controller hands it
// over a private D-Bus connection (dbus-broker-launch is that controller,
// and it needs the systemd manager). The steps, from
// shared/design/broker.md: a non-blocking listening socket (the broker
// accepts until EAGAIN); a socketpair whose other end the broker gets as
// --controller; EXTERNAL with NEGOTIATE_UNIX_FD on it and no Hello; then
// one AddListener call carrying the listener and a policy. The link stays
// open as long as the bus is wanted (the broker exits when it closes), in a
// process of its own that answers what the broker asks its controller.
#include "dbus_bus.hpp"

#include <afbus/dbus/address.hpp>
#include <afbus/dbus/sasl.hpp>
#include <afbus/dbus/writer.hpp>

#include <fcntl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>

namespace bus_bench {
namespace {

using afbus::dbus::Writer;

// The type of AddListener's policy variant: per-uid batches, per-gid
// batches, SELinux name mappings, AppArmor on/off, the bus type.
constexpr std::string_view policy_signature =
        "(a(u(bta(btbs)a(btssssuutt)a(btssssuutt)))a(buu(bta(btbs)a(btssssuutt)a(btssssuutt)))a(ss)bs)";

// A send or receive rule that allows everything: verdict, priority, then
// empty name/path/interface/member, any type, no fd bounds.
void put_allow_transfer(Writer &w)
{
    w.open_array("(btssssuutt)");
    w.open_struct();
    w.put_bool(true);
    w.put_uint64(1); // above the initial verdict's priority 0
    for (int i = 0; i < 4; ++i) {
        w.put_string("");
    }
    w.put_uint32(0);
    w.put_uint32(0);
    w.put_uint64(0);
    w.put_uint64(std::numeric_limits<std::uint64_t>::max());
    w.close_struct();
    w.close_array();
}

// The allow-all policy: one batch for uid (uint32_t)-1, the wildcard.
void put_allow_all_policy(Writer &w)
{
    w.open_variant(policy_signature);
    w.open_struct();
    w.open_array("(u(bta(btbs)a(btssssuutt)a(btssssuutt)))");
    w.open_struct();
    w.put_uint32(std::numeric_limits<std::uint32_t>::max());
    w.open_struct();
    w.put_bool(true); // connect
    w.put_uint64(1);
    w.open_array("(btbs)"); // own any name (prefix "")
    w.open_struct();
    w.put_bool(true);
    w.put_uint64(1);
    w.put_bool(true);
    w.put_string("");
    w.close_struct();
    w.close_array();
    put_allow_transfer(w); // send
    put_allow_transfer(w); // receive
    w.close_struct();
    w.close_struct();
    w.close_array();
    w.open_array("(buu(bta(btbs)a(btssssuutt)a(btssssuutt)))");
    w.close_array();
    w.open_array("(ss)");
    w.close_array();
    w.put_bool(false);
    w.put_string("session");
    w.close_struct();
    w.close_variant();
}

Fd listen_unix(const std::string &path)
{
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path.size() >= sizeof a.sun_path) {
        throw Failure{"socket path too long: " + path};
    }
    path.copy(std::span{a.sun_path}.data(), path.size());
    Fd fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
    if (!fd.valid()) {
        fail_errno("socket");
    }
    if (::bind(fd.get(), reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0) {
        fail_errno("bind " + path);
    }
    if (::listen(fd.get(), SOMAXCONN) != 0) {
        fail_errno("listen");
    }
    return fd;
}

// 32 hex digits, fresh for each run: the bus reports it from
// Peer.GetMachineId; nothing here depends on it.
std::string random_machine_id()
{
    std::array<char, 16> raw{};
    if (::getrandom(raw.data(), raw.size(), 0) != static_cast<ssize_t>(raw.size())) {
        fail_errno("getrandom");
    }
    return afbus::dbus::sasl_hex_encode({raw.data(), raw.size()});
}

// Serves the controller link until the broker closes it. The broker calls
// its controller for ReloadConfig (answered with an empty reply, as there
// is nothing to reload) and for activation, which bus-bench never causes
// (answered with an error).
int serve_controller(afbus::Connection &link)
{
    link.set_method_handler([&link](afbus::IncomingMessage &call) {
        if (call.header().member == "ReloadConfig") {
            (void)link.reply(call, Writer{});
        } else {
            (void)link.reply_error(call, "org.freedesktop.DBus.Error.UnknownMethod", "not a controller method");
        }
    });
    // Until the broker closes the link (ECONNRESET): it lives as long as
    // the bus, so the wait is not bounded by io_timeout().
    constexpr std::chrono::hours day{24};
    while (link.wait_and_dispatch(day)) {
    }
    return 0;
}

} // namespace

std::unique_ptr<DbusBus> start_dbus_broker(const TempDir &dir)
{
    const std::string path = dir.path() + "/dbus-broker.sock";
    const Fd listener = listen_unix(path);
    std::array<int, 2> pair{};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair.data()) != 0) {
        fail_errno("socketpair");
    }
    Fd ours{pair[0]};
    Fd theirs{pair[1]};
    if (::fcntl(theirs.get(), F_SETFL, O_NONBLOCK) != 0) {
        fail_errno("fcntl");
    }
    const pid_t pid = spawn({"dbus-broker", "--controller", "3", "--machine-id", random_machine_id()},
                            {{3, theirs.get()}});
    theirs.reset();
    pid_t helper = 0;
    try {
        afbus::Connection::Options o;
        o.connect_timeout = io_timeout();
        o.hello = false; // a private link, not a bus
        auto controller = afbus::Connection::from_socket(std::move(ours), afbus::Connection::Transport::unix_stream, o);
        if (!controller) {
            throw Failure{"dbus-broker's controller link: " + controller.error().message()};
        }
        Writer w;
        w.put_object_path("/org/bus1/DBus/Listener/0");
        w.put_unix_fd(0);
        put_allow_all_policy(w);
        afbus::dbus::Header h;
        h.type = afbus::dbus::MessageType::method_call;
        h.path = "/org/bus1/DBus/Broker";
        h.interface = "org.bus1.DBus.Broker";
        h.member = "AddListener";
        const std::array<int, 1> fds{listener.get()};
        if (auto r = (*controller)->call(h, w, io_timeout(), fds); !r) {
            fail_call("AddListener", r.error());
        }
        // The link now lives in the helper alone: role processes forked
        // later do not hold it.
        helper = fork_role("broker/controller", [&controller] { return serve_controller(**controller); });
    } catch (...) {
        terminate(pid);
        throw;
    }
    // From here the bus stops the broker and reaps the helper.
    auto bus = std::make_unique<DbusBus>("broker", "unix:path=" + afbus::dbus::escape_address_value(path), pid,
                                         helper);
    // A client's ReloadConfig goes through the controller: the whole chain
    // works, or the bus is not usable.
    afbus::dbus::Header reload;
    reload.type = afbus::dbus::MessageType::method_call;
    reload.path = "/org/freedesktop/DBus";
    reload.interface = "org.freedesktop.DBus";
    reload.destination = "org.freedesktop.DBus";
    reload.member = "ReloadConfig";
    if (auto r = connect(bus->address())->call(reload, Writer{}, io_timeout()); !r) {
        fail_call("ReloadConfig through the controller", r.error());
    }
    return bus;
}

} // namespace bus_bench
