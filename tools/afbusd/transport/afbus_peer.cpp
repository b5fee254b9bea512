// SPDX-License-Identifier: LGPL-2.1-or-later
#include "afbus_peer.hpp"

#include "../log.hpp"
#include "afbus_master.hpp"
#include "afbus_proxy.hpp"

#include <afbus/dbus/message.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <string>
#include <vector>

namespace afbusd::transport {

namespace {

namespace dbus = afbus::dbus;

bus::Credentials handle_credentials(const afbus::PeerHandle &h)
{
    bus::Credentials c;
    if (const auto cred = h.peer_credentials()) {
        c.uid = cred->uid;
        c.pid = cred->pid;
        c.groups.push_back(cred->gid);
    }
    return c;
}

bool is_hello(const dbus::Message &m) noexcept
{
    const dbus::Header &h = m.header;
    return h.type == dbus::MessageType::method_call && h.destination == "org.freedesktop.DBus" &&
           h.member == "Hello" && (h.interface.empty() || h.interface == "org.freedesktop.DBus");
}

} // namespace

AfbusPeer::AfbusPeer(AfbusMaster &master, afbus::PeerHandle handle, std::uint64_t address)
    : AfbusEndpoint{master.loop(), master.limits()}, master_{&master}, handle_{std::move(handle)},
      address_{address}, creds_{handle_credentials(handle_)},
      sasl_{dbus::SaslServer::Options{.peer_uid = creds_.uid, .unix_fd_supported = true, .guid = master.guid()}}
{
}

AfbusPeer::~AfbusPeer()
{
    shutdown();
}

int AfbusPeer::start()
{
    if (creds_.uid == static_cast<uid_t>(-1)) {
        return -EPERM; // no SO_PEERCRED: EXTERNAL cannot work
    }
    return watch();
}

void AfbusPeer::check_auth_deadline(std::chrono::steady_clock::time_point now)
{
    if (!authenticated_ && !closed() && now - accepted_ > limits().auth_timeout) {
        fail("authentication timed out");
    }
}

void AfbusPeer::retire()
{
    if (authenticated_ && !bus_knows_) {
        bus_knows_ = true;
        master_->bus().link_closed(peer_);
    }
    shutdown();
}

void AfbusPeer::close() noexcept
{
    bus_knows_ = true;
    shutdown();
}

// Closing the handle is what tells the peer (EOF, then ECONNRESET/EPIPE);
// the kernel frees its addresses, nfdbus forgets its rules and names.
void AfbusPeer::shutdown() noexcept
{
    if (handle_.valid()) {
        unwatch();
        master_->forget(address_);
        handle_ = afbus::PeerHandle{}; // closes it
    }
}

void AfbusPeer::fail(std::string_view why)
{
    if (closed()) {
        return;
    }
    log(LogLevel::info, "AF_BUS peer ", afbus::bus_client(address_), " (pid ", creds_.pid, "): ", why,
        "; disconnecting");
    if (authenticated_ && !bus_knows_) {
        bus_knows_ = true;
        master_->bus().link_closed(peer_);
    }
    shutdown();
}

void AfbusPeer::on_receive_error(std::error_code e)
{
    fail(e == std::errc::connection_reset ? "end of stream" : e.message());
}

bool AfbusPeer::on_datagram(afbus::Datagram &d)
{
    return authenticated_ ? on_message(d) : authenticate(d);
}

// One datagram of SASL: whole lines only (afbus.rst), no fds.
bool AfbusPeer::authenticate(const afbus::Datagram &d)
{
    if (!d.fds.empty()) {
        fail("unix fds during authentication");
        return false;
    }
    const std::string_view input{reinterpret_cast<const char *>(d.data.data()), d.data.size()};
    const auto used = sasl_.feed(input);
    const std::string_view reply = sasl_.output();
    if (!reply.empty()) {
        const auto sent = handle_.send_default({reinterpret_cast<const std::byte *>(reply.data()), reply.size()}, {},
                                               MSG_DONTWAIT | MSG_NOSIGNAL);
        if (!sent) {
            fail("cannot send the SASL reply: " + sent.error().message());
            return false;
        }
        sasl_.consume_output(reply.size());
    }
    if (!used || sasl_.state() == dbus::SaslState::failed) {
        fail("authentication failed");
        return false;
    }
    if (*used != input.size()) {
        fail("a SASL datagram that is not whole lines");
        return false;
    }
    if (sasl_.state() == dbus::SaslState::authenticated) {
        authenticated_ = true;
        peer_ = master_->bus().link_opened(*this);
    }
    return true;
}

bool AfbusPeer::on_message(afbus::Datagram &d)
{
    if (d.data.size() > limits().max_message_size) {
        fail("oversized message");
        return false;
    }
    const auto msg = dbus::parse_message(d.data);
    if (!msg) {
        fail(std::string{"invalid message: "} + dbus::make_error_code(msg.error()).message());
        return false;
    }
    if (msg->header.unix_fds != d.fds.size() || d.fds.size() > limits().max_message_fds) {
        fail("the message's unix fds do not match UNIX_FDS");
        return false;
    }
    if (!d.fds.empty() && !unix_fds()) {
        fail("unix fds without NEGOTIATE_UNIX_FD");
        return false;
    }
    if (!joined_ && is_hello(*msg)) {
        // Joined before the answer: once it knows its name it may talk to
        // anyone (afbus.rst, step 3).
        if (const auto j = handle_.join(); !j) {
            fail("cannot join the peer: " + j.error().message());
            return false;
        }
        joined_ = true;
    }
    std::vector<UniqueFd> fds;
    fds.reserve(d.fds.size());
    for (afbus::Fd &fd : d.fds) {
        fds.emplace_back(fd.release());
    }
    master_->bus().link_message(peer_, *msg, std::move(fds));
    return !closed();
}

bool AfbusPeer::send(bus::OutMessage m)
{
    if (closed()) {
        return false;
    }
    if (m.from != 0) {
        if (LegacyProxy *proxy = master_->proxy(m.from); proxy != nullptr) {
            return proxy->send_into_bus(address_, std::move(m));
        }
    }
    if (!send_datagram(std::nullopt, std::move(m))) {
        log(LogLevel::warning, "AF_BUS peer ", afbus::bus_client(address_), " (pid ", creds_.pid,
            ") does not read: outgoing queue over ", limits().max_queued_bytes, " bytes");
        return false;
    }
    return true;
}

} // namespace afbusd::transport
