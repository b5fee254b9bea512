// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Bus: the message bus semantics, whatever the transport. It owns the peers
// (one per authenticated Link), stamps SENDER on what they send, routes
// unicast by unique or well-known name and broadcasts by match rules,
// copies to monitors and eavesdroppers, tracks the replies it owes, applies
// the policy, and hands calls to org.freedesktop.DBus to the Driver.
#ifndef AFBUSD_BUS_BUS_HPP
#define AFBUSD_BUS_BUS_HPP

#include "driver.hpp"
#include "link.hpp"
#include "name_registry.hpp"
#include "observer.hpp"
#include "peer.hpp"
#include "policy.hpp"
#include "reply_tracker.hpp"

#include <afbus/dbus/message.hpp>
#include <afbus/dbus/writer.hpp>

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace afbusd::bus {

inline constexpr std::string_view driver_name = "org.freedesktop.DBus";
inline constexpr std::string_view driver_path = "/org/freedesktop/DBus";

class Bus final : public LinkEvents {
public:
    struct Config {
        std::string guid;       // 32 hex digits, GetId and the SASL OK line
        std::string machine_id; // 32 hex digits, Peer.GetMachineId
        uid_t uid = 0;          // the bus's own uid: privileged callers
        Policy policy;
        std::string policy_path; // ReloadConfig reads it again; empty: none
    };

    // What the broker itself carried (org.freedesktop.DBus.Debug.Stats):
    // a message two AF_BUS peers exchange directly counts nowhere here.
    struct Stats {
        std::uint64_t received = 0;  // messages read from peers (driver calls included)
        std::uint64_t routed = 0;    // copies of peers' messages it delivered to others
        std::uint64_t from_kernel = 0; // AF_BUS messages a legacy client's proxy passed on
    };

    explicit Bus(Config config);

    // @o hears of match rule and name ownership changes (nullptr: nobody).
    void set_observer(BusObserver *o) noexcept { observer_ = o; }
    [[nodiscard]] Stats &stats() noexcept { return stats_; }
    [[nodiscard]] std::size_t peer_count() const noexcept { return peers_.size(); }
    // A call from @caller (serial @serial) reached @callee outside the bus
    // (through the kernel): its reply may be routed back.
    void expect_reply(PeerId caller, std::uint32_t serial, PeerId callee);
    // The reply to a call the bus forwarded reached @caller outside the
    // bus: the bus no longer waits for it. False if none was expected.
    bool reply_passed(PeerId caller, std::uint32_t serial, PeerId callee);

    PeerId link_opened(Link &link) override;
    void link_message(PeerId id, const afbus::dbus::Message &msg, std::vector<UniqueFd> fds) override;
    void link_closed(PeerId id) override;

    // Drops the peers condemned since the last call (a full queue, a
    // protocol violation found by the bus). Run after each batch of events.
    void reap();

    // Everything the Driver needs.
    [[nodiscard]] const Config &config() const noexcept { return config_; }
    void set_policy(Policy p) { config_.policy = std::move(p); }
    // The peer a unique or well-known name leads to, nullptr if none.
    [[nodiscard]] Peer *resolve(std::string_view name);
    [[nodiscard]] Peer *find(PeerId id);
    [[nodiscard]] NameRegistry &registry() noexcept { return registry_; }
    [[nodiscard]] std::vector<std::string> unique_names() const;
    // Hello: gives @p its unique name; the reply goes out before the signals.
    void register_peer(Peer &p, const afbus::dbus::Message &hello);
    RequestReply request_name(Peer &p, std::string_view name, std::uint32_t flags,
                              const afbus::dbus::Message &call);
    ReleaseReply release_name(Peer &p, std::string_view name, const afbus::dbus::Message &call);
    void become_monitor(Peer &p, std::vector<afbus::dbus::MatchRule> rules, const afbus::dbus::Message &call);
    void add_match(Peer &p, afbus::dbus::MatchRule rule);
    bool remove_match(Peer &p, const afbus::dbus::MatchRule &rule);

    // Messages from the driver: a reply or error to @call (nothing if it
    // asked for no reply), or a signal to @to (nullptr: broadcast).
    void reply(Peer &to, const afbus::dbus::Message &call, const afbus::dbus::Writer &body);
    void reply_error(Peer &to, const afbus::dbus::Message &call, std::string_view name, std::string_view text);
    void signal(Peer *to, std::string_view member, const afbus::dbus::Writer &body);

private:
    using Bytes = std::shared_ptr<const std::vector<std::byte>>;

    // The message as recipients get it: SENDER stamped, header rebuilt.
    struct Stamped {
        Bytes bytes;
        afbus::dbus::Message msg; // views *bytes
    };
    std::optional<Stamped> stamp(Peer &sender, const afbus::dbus::Message &msg);
    void route(Peer &sender, const afbus::dbus::Message &msg, std::vector<UniqueFd> fds);
    bool check_unicast(Peer &sender, const afbus::dbus::Message &msg, Peer *to, bool has_fds);
    // Delivers to @to (if any), to eavesdroppers and match rules (if
    // broadcast), and to monitors. @sender nullptr: the driver.
    void dispatch(const Peer *sender, const afbus::dbus::Message &msg, const Bytes &bytes,
                  std::span<const UniqueFd> fds, Peer *to);
    void deliver(const Peer *from, Peer &to, const Bytes &bytes, std::span<const UniqueFd> fds);
    void send_driver_message(afbus::dbus::Header h, const afbus::dbus::Writer &body, Peer *to);
    void announce(const NameChange &change);
    void settle(Peer &p, const std::optional<NameChange> &change, std::uint32_t code,
                const afbus::dbus::Message &call);
    void owner_changed(std::string_view name, std::string_view old_owner, std::string_view new_owner);
    void condemn(Peer &p, std::string_view why);
    // Callers waiting for @id get NoReply; its own pending calls lapse.
    void fail_pending_calls(PeerId id);
    void drop(PeerId id);

    Config config_;
    Driver driver_;
    NameRegistry registry_;
    ReplyTracker replies_;
    std::map<PeerId, std::unique_ptr<Peer>> peers_;
    std::map<std::string, Peer *, std::less<>> by_unique_name_;
    std::vector<PeerId> condemned_;
    PeerId next_id_ = 1;
    std::uint32_t driver_serial_ = 0;
    std::size_t eavesdroppers_ = 0; // peers with eavesdrop rules or monitors
    BusObserver *observer_ = nullptr;
    Stats stats_;
};

} // namespace afbusd::bus

#endif // AFBUSD_BUS_BUS_HPP
