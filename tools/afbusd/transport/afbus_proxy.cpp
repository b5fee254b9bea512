// SPDX-License-Identifier: LGPL-2.1-or-later
#include "afbus_proxy.hpp"

#include "../log.hpp"
#include "afbus_master.hpp"

#include <afbus/dbus/message.hpp>

#include <memory>
#include <string>
#include <vector>

namespace afbusd::transport {

namespace {

namespace dbus = afbus::dbus;

} // namespace

LegacyProxy::LegacyProxy(AfbusMaster &master, bus::Link &legacy, afbus::BusSocket sock, afbus::PeerHandle handle,
                         std::uint64_t address)
    : AfbusEndpoint{master.loop(), master.limits()}, master_{&master}, legacy_{&legacy},
      creds_{legacy.credentials()}, sock_{std::move(sock)}, handle_{std::move(handle)}, address_{address}
{
}

LegacyProxy::~LegacyProxy()
{
    shutdown();
}

int LegacyProxy::start()
{
    return watch();
}

bool LegacyProxy::unix_fds() const noexcept
{
    return legacy_ != nullptr && legacy_->unix_fds();
}

const bus::Credentials &LegacyProxy::credentials() const noexcept
{
    return creds_;
}

bool LegacyProxy::send(bus::OutMessage m)
{
    return legacy_ != nullptr && legacy_->send(std::move(m));
}

void LegacyProxy::close() noexcept
{
    bus_knows_ = true;
    if (legacy_ != nullptr) {
        legacy_->close();
        legacy_ = nullptr;
    }
    shutdown();
}

void LegacyProxy::retire()
{
    if (!bus_knows_) {
        bus_knows_ = true;
        if (legacy_ != nullptr) {
            legacy_->close();
            legacy_ = nullptr;
        }
        master_->bus().link_closed(peer_);
    }
    shutdown();
}

void LegacyProxy::detach() noexcept
{
    bus_knows_ = true;
    legacy_ = nullptr;
    shutdown();
}

void LegacyProxy::shutdown() noexcept
{
    if (sock_.valid()) {
        unwatch();
        master_->forget(address_);
        sock_ = afbus::BusSocket{}; // closes both ends: the kernel frees
        handle_ = afbus::PeerHandle{}; // the address and the names' addresses
    }
}

// The kernel's side broke (the bus is going away) or the legacy client
// does not read: the client is disconnected, as any peer would be.
void LegacyProxy::fail(std::string_view why)
{
    if (closed()) {
        return;
    }
    log(LogLevel::info, "proxy of ", peer_, ": ", why, "; disconnecting the client");
    if (legacy_ != nullptr) {
        legacy_->close();
        legacy_ = nullptr;
    }
    if (!bus_knows_) {
        bus_knows_ = true;
        master_->bus().link_closed(peer_);
    }
    shutdown();
}

bool LegacyProxy::send_into_bus(std::uint64_t destination, bus::OutMessage m)
{
    if (closed()) {
        return false;
    }
    if (!send_datagram(destination, std::move(m))) {
        log(LogLevel::warning, "AF_BUS peer ", afbus::bus_client(destination),
            " does not read: the proxy's queue for it is full");
        return false;
    }
    return true;
}

void LegacyProxy::on_receive_error(std::error_code e)
{
    fail(e == std::errc::connection_reset ? "the bus is gone" : e.message());
}

// A message an AF_BUS peer sent to the legacy client (or a signal nfdbus
// let through for its rules). nfdbus parsed it already; it is parsed again
// here because the client must never get what the broker would not send.
bool LegacyProxy::on_datagram(afbus::Datagram &d)
{
    const auto msg = dbus::parse_message(d.data);
    if (!msg || msg->header.unix_fds != d.fds.size()) {
        log(LogLevel::info, "proxy of ", peer_, ": dropping an invalid message from AF_BUS address ", d.sender);
        return true;
    }
    if (!d.fds.empty() && !unix_fds()) {
        log(LogLevel::debug, "proxy of ", peer_, ": dropping a message with fds (the client takes none)");
        return true;
    }
    const dbus::Header &h = msg->header;
    const bool from_peer = afbus::bus_prefix(d.sender) == 0 && d.sender != afbus::bus_master_address;
    const bus::PeerId sender = afbus::bus_client(d.sender);
    if (from_peer && (h.type == dbus::MessageType::method_return || h.type == dbus::MessageType::error) &&
        !master_->bus().reply_passed(peer_, h.reply_serial, sender)) {
        // dbus-daemon's rule: only replies to calls the client made.
        log(LogLevel::debug, "proxy of ", peer_, ": dropping an unexpected reply");
        return true;
    }
    // The kernel says who sent it: SENDER must say the same (nfdbus's
    // strict mode guarantees it when loaded; this does without it).
    auto bytes = std::make_shared<std::vector<std::byte>>();
    const std::string unique = ":1." + std::to_string(sender);
    if (from_peer && h.sender != unique) {
        dbus::Header fixed = h;
        fixed.sender = unique;
        if (dbus::build_message(*bytes, fixed, msg->order, msg->body) != dbus::Errc::ok) {
            return true;
        }
    } else {
        *bytes = std::move(d.data);
    }
    if (from_peer && h.type == dbus::MessageType::method_call && (h.flags & dbus::flag_no_reply_expected) == 0) {
        master_->bus().expect_reply(sender, h.serial, peer_);
    }
    std::vector<UniqueFd> fds;
    fds.reserve(d.fds.size());
    for (afbus::Fd &fd : d.fds) {
        fds.emplace_back(fd.release());
    }
    ++master_->bus().stats().from_kernel;
    if (!send(bus::OutMessage{std::move(bytes), std::move(fds), 0})) {
        fail("the client does not read");
        return false;
    }
    return true;
}

} // namespace afbusd::transport
