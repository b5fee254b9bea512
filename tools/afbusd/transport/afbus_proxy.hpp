// SPDX-License-Identifier: LGPL-2.1-or-later
//
// LegacyProxy: the AF_BUS connection the master opens on behalf of one
// legacy (AF_UNIX) client (broker.md: one AF_BUS address per D-Bus
// connection, whatever its transport). The master connects a socket to its
// own bus, accepts it and joins it; its prefix-0 address N gives the
// client its unique name ":1.N", so AF_BUS peers reach it as they reach
// each other, and nfdbus filters signals for it by its match rules.
//
// It is the bus's Link for the legacy client, wrapping the client's
// UnixConnection: what the bus sends goes to the client; what the kernel
// delivers to the proxy socket (calls, replies and signals from AF_BUS
// peers) is passed to the client too; and the client's messages for AF_BUS
// peers leave through the proxy socket (send_into_bus()), so they come
// from the client's own address and pass nfdbus like any peer's.
#ifndef AFBUSD_TRANSPORT_AFBUS_PROXY_HPP
#define AFBUSD_TRANSPORT_AFBUS_PROXY_HPP

#include "../bus/link.hpp"
#include "afbus_endpoint.hpp"

#include <afbus/socket.hpp>

#include <cstdint>
#include <string_view>

namespace afbusd::transport {

class AfbusMaster;

class LegacyProxy final : public AfbusEndpoint, public bus::Link {
public:
    // @legacy: the client's own Link (its UnixConnection); @sock the proxy
    // socket, @handle the master's handle for it, already joined.
    LegacyProxy(AfbusMaster &master, bus::Link &legacy, afbus::BusSocket sock, afbus::PeerHandle handle,
                std::uint64_t address);
    LegacyProxy(const LegacyProxy &) = delete;
    LegacyProxy &operator=(const LegacyProxy &) = delete;
    LegacyProxy(LegacyProxy &&) = delete;
    LegacyProxy &operator=(LegacyProxy &&) = delete;
    ~LegacyProxy() override;

    // Starts watching the proxy socket; -errno.
    [[nodiscard]] int start();
    void set_peer(bus::PeerId id) noexcept { peer_ = id; }
    [[nodiscard]] bool closed() const noexcept { return !sock_.valid(); }
    [[nodiscard]] const afbus::PeerHandle &handle_socket() const noexcept { return handle_; }
    [[nodiscard]] std::uint64_t address() const noexcept { return address_; }

    // Sends the legacy client's message @m to the AF_BUS address
    // @destination through the proxy socket. False if the recipient does
    // not read (over the queue bound).
    bool send_into_bus(std::uint64_t destination, bus::OutMessage m);
    // The legacy connection ended and the bus knows: nothing more for it.
    void detach() noexcept;
    // Before it is freed: tells the bus if it closed without its knowing.
    void retire();

    bool send(bus::OutMessage m) override;
    [[nodiscard]] bool unix_fds() const noexcept override;
    [[nodiscard]] const bus::Credentials &credentials() const noexcept override;
    void close() noexcept override;
    [[nodiscard]] bus::PeerId bus_address() const noexcept override { return afbus::bus_client(address_); }

private:
    [[nodiscard]] const afbus::BusSocket &socket() const noexcept override { return sock_; }
    bool on_datagram(afbus::Datagram &d) override;
    void on_receive_error(std::error_code e) override;
    void shutdown() noexcept override;
    void fail(std::string_view why);

    AfbusMaster *master_;
    bus::Link *legacy_;
    bus::Credentials creds_; // a copy, valid after the legacy link is gone
    afbus::BusSocket sock_;
    afbus::PeerHandle handle_;
    std::uint64_t address_;
    bus::PeerId peer_ = 0;
    bool bus_knows_ = false;
};

} // namespace afbusd::transport

#endif // AFBUSD_TRANSPORT_AFBUS_PROXY_HPP
