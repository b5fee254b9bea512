// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bus_master.hpp"

#include "wire_util.hpp"

#include <afbus/dbus/match.hpp>
#include <afbus/dbus/sasl.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <vector>

namespace afbus::testing {
namespace {

constexpr std::string_view bus_name = "org.freedesktop.DBus";
constexpr std::string_view guid = "0123456789abcdef0123456789abcdef";
constexpr std::uint16_t name_prefix = 1;

} // namespace

struct BusMaster::Peer {
    PeerHandle handle;
    std::unique_ptr<dbus::SaslServer> sasl;
    std::uint64_t address = 0;
    std::string unique_name;
    bool authenticated = false;
    std::map<std::string, std::uint64_t> names; // well-known name -> its address
};

BusMaster::BusMaster(BusPath path) : path_{std::move(path)}
{
    auto m = afbus::BusMaster::create(path_, bus_proto_dbus);
    if (!m) {
        error_ = "cannot create the bus: " + m.error().message();
        return;
    }
    master_ = std::move(*m);
    if (auto nl = Nfdbus::open(); nl) {
        nfdbus_ = std::move(*nl);
    }
    if (::pipe2(stop_pipe_.data(), O_CLOEXEC) != 0) {
        error_ = "pipe2";
        return;
    }
    ok_ = true;
    thread_ = std::thread{[this] { run(); }};
}

BusMaster::~BusMaster()
{
    if (thread_.joinable()) {
        (void)::write(stop_pipe_[1], "x", 1);
        thread_.join();
    }
    for (const int fd : stop_pipe_) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
}

void BusMaster::run()
{
    for (;;) {
        std::vector<pollfd> fds{{.fd = stop_pipe_[0], .events = POLLIN, .revents = 0},
                                {.fd = master_.fd(), .events = POLLIN, .revents = 0}};
        for (const auto &[fd, peer] : peers_) {
            fds.push_back({.fd = fd, .events = POLLIN, .revents = 0});
        }
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            continue;
        }
        if (fds[0].revents != 0) {
            return;
        }
        if (fds[1].revents != 0) {
            if (auto h = master_.accept(true); h) {
                auto peer = std::make_unique<Peer>();
                peer->address = h->peer_address().value_or(0);
                peer->unique_name = ":1." + std::to_string(bus_client(peer->address));
                const auto creds = h->peer_credentials();
                peer->sasl = std::make_unique<dbus::SaslServer>(dbus::SaslServer::Options{
                    .peer_uid = creds ? creds->uid : 0, .unix_fd_supported = true, .guid = std::string{guid}});
                peer->handle = std::move(*h);
                const int fd = peer->handle.fd();
                peers_.emplace(fd, std::move(peer));
            }
        }
        for (std::size_t i = 2; i < fds.size(); ++i) {
            if (fds[i].revents == 0) {
                continue;
            }
            const auto it = peers_.find(fds[i].fd);
            if (it == peers_.end()) {
                continue;
            }
            Peer &peer = *it->second;
            auto d = peer.handle.receive(MSG_DONTWAIT);
            if (!d) {
                if (d.error() != std::errc::resource_unavailable_try_again) {
                    drop(peer);
                }
                continue;
            }
            on_datagram(peer, *d);
        }
    }
}

void BusMaster::drop(Peer &peer)
{
    if (nfdbus_) {
        (void)nfdbus_->remove_all(path_, peer.address);
    }
    for (const auto &[name, addr] : peer.names) {
        owners_.erase(name);
    }
    peers_.erase(peer.handle.fd());
}

void BusMaster::send_to(Peer &peer, const std::vector<std::byte> &bytes)
{
    (void)peer.handle.send_default(bytes);
}

void BusMaster::on_datagram(Peer &peer, Datagram &d)
{
    if (!peer.authenticated) {
        const std::string_view in{reinterpret_cast<const char *>(d.data.data()), d.data.size()};
        auto used = peer.sasl->feed(in);
        const std::string_view out = peer.sasl->output();
        if (!out.empty()) {
            (void)peer.handle.send_default({reinterpret_cast<const std::byte *>(out.data()), out.size()});
            peer.sasl->consume_output(out.size());
        }
        if (!used || peer.sasl->state() == dbus::SaslState::failed) {
            drop(peer);
            return;
        }
        peer.authenticated = peer.sasl->state() == dbus::SaslState::authenticated;
        return;
    }
    ++messages_;
    auto msg = dbus::parse_message(d.data);
    if (!msg || msg->header.type != dbus::MessageType::method_call) {
        return;
    }
    if (msg->header.destination == bus_name) {
        on_bus_call(peer, *msg);
        return;
    }
    // The default route: nobody holds the destination's address.
    if ((msg->header.flags & dbus::flag_no_reply_expected) == 0) {
        send_to(peer, build_error(*msg, "org.freedesktop.DBus.Error.ServiceUnknown",
                                  "The name " + std::string{msg->header.destination} + " is not owned", bus_name,
                                  ++serial_));
    }
}

void BusMaster::name_owner_changed(const std::string &name, const std::string &old_owner,
                                   const std::string &new_owner)
{
    dbus::Writer body;
    body.put_string(name);
    body.put_string(old_owner);
    body.put_string(new_owner);
    const dbus::Header h{.type = dbus::MessageType::signal,
                         .serial = ++serial_,
                         .path = "/org/freedesktop/DBus",
                         .interface = bus_name,
                         .member = "NameOwnerChanged",
                         .sender = bus_name};
    auto bytes = dbus::build_message(h, body);
    if (bytes && !peers_.empty()) {
        (void)peers_.begin()->second->handle.send(bus_multicast(0), *bytes);
    }
}

void BusMaster::on_bus_call(Peer &peer, const dbus::Message &msg)
{
    const std::string_view member = msg.header.member;
    auto r = msg.reader();
    const std::string arg{r.peek_type() == 's' ? r.get_string().value_or("") : ""};
    dbus::Writer body;
    const auto error = [&](std::string_view name, std::string_view text) {
        send_to(peer, build_error(msg, name, text, bus_name, ++serial_));
    };
    if (member == "Hello") {
        // Join before answering: once the peer has its name it may talk to
        // anyone.
        if (!peer.handle.join()) {
            error("org.freedesktop.DBus.Error.Failed", "cannot join");
            return;
        }
        body.put_string(peer.unique_name);
    } else if (member == "AddMatch" || member == "RemoveMatch") {
        if (!dbus::parse_match_rule(arg)) {
            error("org.freedesktop.DBus.Error.MatchRuleInvalid", "bad rule");
            return;
        }
        if (nfdbus_) {
            auto done = member == "AddMatch" ? nfdbus_->add_match(path_, peer.address, arg)
                                             : nfdbus_->remove_match(path_, peer.address, arg);
            if (!done) {
                error("org.freedesktop.DBus.Error.MatchRuleNotFound", done.error().message());
                return;
            }
        }
    } else if (member == "RequestName") {
        std::uint32_t code = 1;
        if (const auto it = owners_.find(arg); it != owners_.end()) {
            code = it->second == &peer ? 4 : 3;
        } else {
            const std::uint64_t addr = bus_address(name_prefix, next_name_address_++);
            if (!peer.handle.add_address(addr) || (nfdbus_ && !nfdbus_->add_name(path_, peer.address, arg))) {
                error("org.freedesktop.DBus.Error.Failed", "cannot own the name");
                return;
            }
            owners_[arg] = &peer;
            peer.names[arg] = addr;
            name_owner_changed(arg, "", peer.unique_name);
        }
        body.put_uint32(code);
    } else if (member == "ReleaseName") {
        std::uint32_t code = 2; // NON_EXISTENT
        if (const auto it = owners_.find(arg); it != owners_.end()) {
            code = 3; // NOT_OWNER
            if (it->second == &peer) {
                (void)peer.handle.del_address(peer.names[arg]);
                if (nfdbus_) {
                    (void)nfdbus_->del_name(path_, peer.address, arg);
                }
                peer.names.erase(arg);
                owners_.erase(it);
                code = 1;
                name_owner_changed(arg, peer.unique_name, "");
            }
        }
        body.put_uint32(code);
    } else if (member == "GetNameOwner") {
        if (arg.starts_with(':')) {
            body.put_string(arg);
        } else if (const auto it = owners_.find(arg); it != owners_.end()) {
            body.put_string(it->second->unique_name);
        } else {
            error("org.freedesktop.DBus.Error.NameHasNoOwner", "no owner");
            return;
        }
    } else {
        error("org.freedesktop.DBus.Error.UnknownMethod", "not in this test master");
        return;
    }
    send_to(peer, build_reply(msg, body, bus_name, ++serial_));
}

} // namespace afbus::testing
