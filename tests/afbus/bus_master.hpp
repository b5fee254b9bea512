// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A small AF_BUS bus master for the guest tests, on a thread of its own:
// the handshake of Documentation/libafbus/afbus.rst (SASL EXTERNAL over
// the peer's handle, then Hello: join the peer, answer ":1.N" of its own
// address), AddMatch/RemoveMatch installed through nfdbus, RequestName /
// ReleaseName (a prefix-1 address per name, BUS_ADD_ADDR/BUS_DEL_ADDR,
// nfdbus ADD_NAME/DEL_NAME, NameOwnerChanged multicast), GetNameOwner, and
// ServiceUnknown for what reaches it by the default route. Without nfdbus
// (no module), rules are only acknowledged.
#ifndef TESTS_AFBUS_BUS_MASTER_HPP
#define TESTS_AFBUS_BUS_MASTER_HPP

#include <afbus/dbus/message.hpp>
#include <afbus/nfdbus.hpp>
#include <afbus/socket.hpp>

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace afbus::testing {

class BusMaster {
public:
    // Creates the bus at @path (BUS_PROTO_DBUS) and starts serving.
    explicit BusMaster(BusPath path);
    BusMaster(const BusMaster &) = delete;
    BusMaster &operator=(const BusMaster &) = delete;
    BusMaster(BusMaster &&) = delete;
    BusMaster &operator=(BusMaster &&) = delete;
    ~BusMaster();

    [[nodiscard]] bool ok() const noexcept { return ok_; }
    [[nodiscard]] const std::string &error() const noexcept { return error_; }
    [[nodiscard]] bool has_nfdbus() const noexcept { return nfdbus_.has_value(); }
    // Messages the master received after the handshakes (all peers).
    [[nodiscard]] int messages() const noexcept { return messages_.load(); }

private:
    struct Peer;
    void run();
    void on_datagram(Peer &peer, Datagram &d);
    void on_bus_call(Peer &peer, const dbus::Message &msg);
    static void send_to(Peer &peer, const std::vector<std::byte> &bytes);
    void name_owner_changed(const std::string &name, const std::string &old_owner, const std::string &new_owner);
    void drop(Peer &peer);

    BusPath path_;
    afbus::BusMaster master_;
    std::optional<Nfdbus> nfdbus_;
    std::map<int, std::unique_ptr<Peer>> peers_; // by handle fd
    std::map<std::string, Peer *> owners_;        // well-known name -> owner
    std::uint64_t next_name_address_ = 1;
    std::uint32_t serial_ = 1;
    bool ok_ = false;
    std::string error_;
    std::array<int, 2> stop_pipe_{-1, -1};
    std::atomic<int> messages_{0};
    std::thread thread_;
};

} // namespace afbus::testing

#endif // TESTS_AFBUS_BUS_MASTER_HPP
