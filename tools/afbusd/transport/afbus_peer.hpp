// SPDX-License-Identifier: LGPL-2.1-or-later
//
// AfbusPeer: one AF_BUS client, seen through the master's accepted handle
// for it. The handshake of Documentation/libafbus/afbus.rst: SASL EXTERNAL
// in datagrams (lib/dbus SaslServer, uid from SO_PEERCRED), then Hello,
// before whose answer the peer is joined (BUS_JOIN_BUS). From then on the
// handle only carries what the kernel hands the master: calls to the
// driver and messages default-routed to it. It is the bus's Link for the
// peer: the bus's messages go out on the handle (from the master), and a
// legacy client's messages go out through that client's proxy socket, so
// the peer sees them come from the legacy client's own address.
#ifndef AFBUSD_TRANSPORT_AFBUS_PEER_HPP
#define AFBUSD_TRANSPORT_AFBUS_PEER_HPP

#include "../bus/link.hpp"
#include "afbus_endpoint.hpp"

#include <afbus/dbus/sasl.hpp>
#include <afbus/socket.hpp>

#include <chrono>
#include <cstdint>
#include <string_view>

namespace afbusd::transport {

class AfbusMaster;

class AfbusPeer final : public AfbusEndpoint, public bus::Link {
public:
    AfbusPeer(AfbusMaster &master, afbus::PeerHandle handle, std::uint64_t address);
    AfbusPeer(const AfbusPeer &) = delete;
    AfbusPeer &operator=(const AfbusPeer &) = delete;
    AfbusPeer(AfbusPeer &&) = delete;
    AfbusPeer &operator=(AfbusPeer &&) = delete;
    ~AfbusPeer() override;

    // Starts watching the handle; -errno.
    [[nodiscard]] int start();
    [[nodiscard]] bool closed() const noexcept { return !handle_.valid(); }
    [[nodiscard]] bool authenticated() const noexcept { return authenticated_; }
    void check_auth_deadline(std::chrono::steady_clock::time_point now);
    // Before it is freed: tells the bus if it closed without its knowing.
    void retire();
    [[nodiscard]] const afbus::PeerHandle &handle_socket() const noexcept { return handle_; }
    [[nodiscard]] std::uint64_t address() const noexcept { return address_; }

    bool send(bus::OutMessage m) override;
    [[nodiscard]] bool unix_fds() const noexcept override { return sasl_.unix_fd_agreed(); }
    [[nodiscard]] const bus::Credentials &credentials() const noexcept override { return creds_; }
    void close() noexcept override;
    [[nodiscard]] bus::PeerId bus_address() const noexcept override { return afbus::bus_client(address_); }

private:
    [[nodiscard]] const afbus::BusSocket &socket() const noexcept override { return handle_; }
    bool on_datagram(afbus::Datagram &d) override;
    void on_receive_error(std::error_code e) override;
    void shutdown() noexcept override;
    bool authenticate(const afbus::Datagram &d);
    bool on_message(afbus::Datagram &d);
    void fail(std::string_view why);

    AfbusMaster *master_;
    afbus::PeerHandle handle_;
    std::uint64_t address_; // its prefix-0 address
    bus::Credentials creds_;
    afbus::dbus::SaslServer sasl_;
    bus::PeerId peer_ = 0;
    std::chrono::steady_clock::time_point accepted_ = std::chrono::steady_clock::now();
    bool authenticated_ = false;
    bool joined_ = false;
    bool bus_knows_ = false;
};

} // namespace afbusd::transport

#endif // AFBUSD_TRANSPORT_AFBUS_PEER_HPP
