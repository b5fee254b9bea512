// SPDX-License-Identifier: LGPL-2.1-or-later
//
// AfbusMaster: afbusd as the bus master of an AF_BUS bus
// (Documentation/afbusd/af_bus.rst). It creates the bus (afbus:path=),
// accepts AF_BUS peers (AfbusPeer), and gives every legacy AF_UNIX client
// its proxy connection on the bus (LegacyProxy): the UnixServers hand their
// authenticated connections to it instead of to the bus, which is why it
// is a LinkEvents itself. As the bus's BusObserver it mirrors into the
// kernel what the kernel must know to route without the broker: match
// rules (nfdbus ADD_MATCH/REMOVE_MATCH), and for each well-known name an
// address of prefix 1 that moves with ownership (BUS_ADD_ADDR/BUS_DEL_ADDR)
// and nfdbus name ownership. Strict SENDER checking is switched on and the
// policy's send rules are pushed to nfdbus.
#ifndef AFBUSD_TRANSPORT_AFBUS_MASTER_HPP
#define AFBUSD_TRANSPORT_AFBUS_MASTER_HPP

#include "../bus/bus.hpp"
#include "../bus/link.hpp"
#include "../bus/observer.hpp"
#include "afbus_peer.hpp"
#include "afbus_proxy.hpp"
#include "event_loop.hpp"
#include "limits.hpp"
#include "timer.hpp"

#include <afbus/nfdbus.hpp>
#include <afbus/socket.hpp>

#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace afbusd::transport {

class AfbusMaster final : public Handler, public bus::LinkEvents, public bus::BusObserver {
public:
    AfbusMaster(EventLoop &loop, bus::Bus &bus, Limits limits, std::string guid);
    AfbusMaster(const AfbusMaster &) = delete;
    AfbusMaster &operator=(const AfbusMaster &) = delete;
    AfbusMaster(AfbusMaster &&) = delete;
    AfbusMaster &operator=(AfbusMaster &&) = delete;
    ~AfbusMaster() override;

    // Creates the bus at the afbus:path= address @address. Returns the
    // address clients use, with the bus GUID; or why not (a kernel without
    // AF_BUS says so).
    std::expected<std::string, std::string> listen(std::string_view address);

    // The listening socket: accepts AF_BUS peers.
    void handle(std::uint32_t events) override;
    // Frees closed peers and proxies.
    void reap();

    // Legacy clients, from the UnixServers: each gets its proxy, and its
    // proxy's address makes its unique name.
    bus::PeerId link_opened(bus::Link &legacy) override;
    void link_message(bus::PeerId id, const afbus::dbus::Message &msg, std::vector<UniqueFd> fds) override;
    void link_closed(bus::PeerId id) override;

    void match_added(bus::PeerId id, const afbus::dbus::MatchRule &rule) override;
    void match_removed(bus::PeerId id, const afbus::dbus::MatchRule &rule) override;
    void owner_changed(std::string_view name, bus::PeerId old_owner, bus::PeerId new_owner) override;

    // For AfbusPeer and LegacyProxy.
    [[nodiscard]] EventLoop &loop() const noexcept { return *loop_; }
    [[nodiscard]] bus::Bus &bus() const noexcept { return *bus_; }
    [[nodiscard]] const Limits &limits() const noexcept { return limits_; }
    [[nodiscard]] const std::string &guid() const noexcept { return guid_; }
    [[nodiscard]] bool has_nfdbus() const noexcept { return nfdbus_.has_value(); }
    // The proxy of legacy client @id, nullptr if it is not one.
    [[nodiscard]] LegacyProxy *proxy(bus::PeerId id) const;
    // A connection of @address is gone: nfdbus drops its rules.
    void forget(std::uint64_t address);

private:
    void adopt(afbus::PeerHandle handle);
    // Accepts until the handle of the connection at @address comes (AF_BUS
    // peers accepted meanwhile are adopted).
    afbus::Result<afbus::PeerHandle> accept_own(std::uint64_t address);
    [[nodiscard]] const afbus::PeerHandle *handle_of(bus::PeerId id) const;
    std::uint64_t name_address(std::string_view name);
    // nfdbus ADD_MATCH (@add) or REMOVE_MATCH for connection @id.
    void mirror_match(bus::PeerId id, const afbus::dbus::MatchRule &rule, bool add);
    void push_policy();

    EventLoop *loop_;
    bus::Bus *bus_;
    Limits limits_;
    std::string guid_;
    afbus::BusPath path_;
    afbus::BusMaster master_;
    std::optional<afbus::Nfdbus> nfdbus_;
    std::map<bus::PeerId, std::unique_ptr<AfbusPeer>> peers_;     // by address (= peer id)
    std::map<bus::PeerId, std::unique_ptr<LegacyProxy>> proxies_; // by peer id
    // Each well-known name's prefix-1 address, allocated once: a client
    // that learned it keeps reaching whoever owns the name.
    std::map<std::string, std::uint64_t, std::less<>> name_addresses_;
    std::uint64_t next_name_address_ = 1;
    std::string unlink_path_;
    bool closing_ = false;
    Timer auth_timer_; // closes peers that do not authenticate in time
};

} // namespace afbusd::transport

#endif // AFBUSD_TRANSPORT_AFBUS_MASTER_HPP
