// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bus.hpp"

#include "../log.hpp"
#include "errors.hpp"

#include <fcntl.h>

#include <algorithm>

namespace afbusd::bus {

namespace dbus = afbus::dbus;

namespace {

bool expects_reply(const dbus::Message &m) noexcept
{
    return m.header.type == dbus::MessageType::method_call && (m.header.flags & dbus::flag_no_reply_expected) == 0;
}

std::vector<UniqueFd> duplicate(std::span<const UniqueFd> fds)
{
    std::vector<UniqueFd> out;
    out.reserve(fds.size());
    for (const UniqueFd &fd : fds) {
        out.emplace_back(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
        if (!out.back().valid()) {
            return {};
        }
    }
    return out;
}

const char *type_name(dbus::MessageType t) noexcept
{
    switch (t) {
    case dbus::MessageType::method_call: return "method_call";
    case dbus::MessageType::method_return: return "method_return";
    case dbus::MessageType::error: return "error";
    case dbus::MessageType::signal: return "signal";
    default: return "invalid";
    }
}

} // namespace

Bus::Bus(Config config) : config_{std::move(config)}, driver_{*this} {}

PeerId Bus::link_opened(Link &link)
{
    auto p = std::make_unique<Peer>();
    // An AF_BUS connection's id is its kernel address (never reused), so
    // the two never disagree; other transports take the next free number.
    const PeerId wanted = link.bus_address();
    p->id = wanted != 0 ? wanted : next_id_++;
    next_id_ = std::max(next_id_, p->id + 1);
    p->link = &link;
    const PeerId id = p->id;
    peers_.emplace(id, std::move(p));
    log(LogLevel::debug, "peer ", id, " authenticated (uid ", link.credentials().uid, ")");
    return id;
}

Peer *Bus::find(PeerId id)
{
    const auto it = peers_.find(id);
    return it == peers_.end() ? nullptr : it->second.get();
}

Peer *Bus::resolve(std::string_view name)
{
    if (name.starts_with(':')) {
        const auto it = by_unique_name_.find(name);
        return it == by_unique_name_.end() ? nullptr : it->second;
    }
    const PeerId id = registry_.owner(name);
    return id == 0 ? nullptr : find(id);
}

std::vector<std::string> Bus::unique_names() const
{
    std::vector<std::string> out;
    out.reserve(by_unique_name_.size());
    for (const auto &[name, p] : by_unique_name_) {
        out.push_back(name);
    }
    return out;
}

void Bus::condemn(Peer &p, std::string_view why)
{
    if (!p.condemned) {
        log(LogLevel::info, "dropping peer ", p.id, " ", p.unique_name, ": ", why);
        p.condemned = true;
        condemned_.push_back(p.id);
    }
}

void Bus::link_closed(PeerId id)
{
    drop(id);
}

void Bus::reap()
{
    while (!condemned_.empty()) {
        const PeerId id = condemned_.back();
        condemned_.pop_back();
        drop(id);
    }
}

// dbus-daemon's order on disconnect: each well-known name is released
// (NameOwnerChanged, NameAcquired to the next in the queue), then the
// unique name goes (NameOwnerChanged), then callers still waiting for this
// peer get NoReply.
void Bus::drop(PeerId id)
{
    const auto it = peers_.find(id);
    if (it == peers_.end()) {
        return;
    }
    Peer &p = *it->second;
    p.condemned = true;
    p.link->close();
    if (p.registered && !p.monitor) {
        for (const NameChange &c : registry_.release_all(id)) {
            announce(c);
        }
        by_unique_name_.erase(p.unique_name);
        owner_changed(p.unique_name, p.unique_name, "");
    }
    if (p.eavesdrop_rules != 0 || p.monitor) {
        --eavesdroppers_;
    }
    fail_pending_calls(id);
    peers_.erase(it);
}

void Bus::fail_pending_calls(PeerId id)
{
    for (const ReplyTracker::Orphan &o : replies_.forget(id)) {
        Peer *caller = find(o.caller);
        if (caller == nullptr || !caller->live()) {
            continue;
        }
        dbus::Header h;
        h.type = dbus::MessageType::error;
        h.error_name = errors::no_reply;
        h.reply_serial = o.serial;
        dbus::Writer w;
        w.put_string("Message recipient disconnected from message bus without replying");
        send_driver_message(h, w, caller);
    }
}

void Bus::link_message(PeerId id, const dbus::Message &msg, std::vector<UniqueFd> fds)
{
    Peer *p = find(id);
    if (p == nullptr || p->condemned) {
        return;
    }
    if (p->monitor) {
        // dbus-daemon: a monitor is read-only; sending ends it.
        condemn(*p, "a monitor sent a message");
        return;
    }
    if (!p->registered) {
        if (msg.header.type == dbus::MessageType::method_call && msg.header.destination == driver_name &&
            msg.header.member == "Hello" && (msg.header.interface.empty() || msg.header.interface == driver_name)) {
            register_peer(*p, msg);
        } else {
            condemn(*p, "first message is not Hello");
        }
        return;
    }
    ++stats_.received;
    route(*p, msg, std::move(fds));
}

// The message as the recipients get it: SENDER is the peer's unique name
// (whatever it claimed) and unknown header fields are dropped (the
// HeaderFiltering feature).
std::optional<Bus::Stamped> Bus::stamp(Peer &sender, const dbus::Message &msg)
{
    dbus::Header h = msg.header;
    h.sender = sender.unique_name;
    auto built = std::make_shared<std::vector<std::byte>>();
    if (dbus::build_message(*built, h, msg.order, msg.body) != dbus::Errc::ok) {
        condemn(sender, "message cannot be forwarded");
        return std::nullopt;
    }
    Stamped out{std::move(built), {}};
    auto parsed = dbus::parse_message(*out.bytes);
    if (!parsed) {
        condemn(sender, "message cannot be forwarded");
        return std::nullopt;
    }
    out.msg = *parsed;
    return out;
}

void Bus::route(Peer &sender, const dbus::Message &msg, std::vector<UniqueFd> fds)
{
    const auto stamped = stamp(sender, msg);
    if (!stamped) {
        return;
    }
    const Bytes &bytes = stamped->bytes;
    const dbus::Header &sh = stamped->msg.header;
    if (sh.destination == driver_name) {
        dispatch(&sender, stamped->msg, bytes, {}, nullptr);
        if (sh.type == dbus::MessageType::method_call) {
            driver_.handle(sender, stamped->msg);
        }
        return;
    }
    if (sh.type == dbus::MessageType::method_return || sh.type == dbus::MessageType::error) {
        // Only replies the bus delivered a call for (dbus-daemon drops the
        // rest, so no peer can answer a call it never received).
        Peer *to = sh.destination.empty() ? nullptr : resolve(sh.destination);
        if (to == nullptr || !replies_.take(to->id, sh.reply_serial, sender.id)) {
            log(LogLevel::debug, "dropping unexpected reply from ", sender.unique_name);
            return;
        }
        if (!fds.empty() && !to->link->unix_fds()) {
            return;
        }
        dispatch(&sender, stamped->msg, bytes, fds, to);
        return;
    }
    if (sh.destination.empty()) {
        dispatch(&sender, stamped->msg, bytes, fds, nullptr);
        return;
    }
    Peer *to = resolve(sh.destination);
    if (!check_unicast(sender, stamped->msg, to, !fds.empty())) {
        return;
    }
    dispatch(&sender, stamped->msg, bytes, fds, to);
}

// The checks on a call or signal to a name, with dbus-daemon's errors.
bool Bus::check_unicast(Peer &sender, const dbus::Message &msg, Peer *to, bool has_fds)
{
    const dbus::Header &h = msg.header;
    const bool wants_reply = expects_reply(msg);
    if (to == nullptr || !to->live()) {
        if (wants_reply) {
            // Without NO_AUTO_START dbus-daemon tries activation, which
            // fails this way when there is no .service file.
            if ((h.flags & dbus::flag_no_auto_start) == 0) {
                reply_error(sender, msg, errors::service_unknown,
                            "The name " + std::string{h.destination} + " was not provided by any .service files");
            } else {
                reply_error(sender, msg, errors::name_has_no_owner,
                            "Name \"" + std::string{h.destination} + "\" does not exist");
            }
        }
        return false;
    }
    const auto names = to->all_names();
    if (!config_.policy.may_send(sender.link->credentials().uid, names)) {
        if (wants_reply) {
            reply_error(sender, msg, errors::access_denied,
                        std::string{"Rejected send message, type=\""} + type_name(h.type) + "\", sender=\"" +
                            sender.unique_name + "\", interface=\"" + std::string{h.interface} +
                            "\", member=\"" + std::string{h.member} + "\", destination=\"" +
                            std::string{h.destination} + "\" (denied by the policy)");
        }
        return false;
    }
    if (has_fds && !to->link->unix_fds()) {
        if (wants_reply) {
            reply_error(sender, msg, errors::not_supported,
                        "Tried to send message with Unix file descriptors to a client that doesn't support that.");
        }
        return false;
    }
    if (wants_reply && !replies_.expect(sender.id, h.serial, to->id)) {
        reply_error(sender, msg, errors::limits_exceeded,
                    "The maximum number of pending replies per connection has been reached");
        return false;
    }
    return true;
}

void Bus::expect_reply(PeerId caller, std::uint32_t serial, PeerId callee)
{
    static_cast<void>(replies_.expect(caller, serial, callee));
}

bool Bus::reply_passed(PeerId caller, std::uint32_t serial, PeerId callee)
{
    return replies_.take(caller, serial, callee);
}

void Bus::deliver(const Peer *from, Peer &to, const Bytes &bytes, std::span<const UniqueFd> fds)
{
    if (to.condemned) {
        return;
    }
    std::vector<UniqueFd> copies;
    if (!fds.empty()) {
        if (!to.link->unix_fds()) {
            return; // a broadcast copy it cannot take
        }
        copies = duplicate(fds);
        if (copies.empty()) {
            log(LogLevel::warning, "cannot duplicate fds for ", to.unique_name);
            return;
        }
    }
    if (from != nullptr) {
        ++stats_.routed;
    }
    if (!to.link->send(OutMessage{bytes, std::move(copies), from != nullptr ? from->id : 0})) {
        condemn(to, "cannot queue a message (it does not read)");
    }
}

void Bus::dispatch(const Peer *sender, const dbus::Message &msg, const Bytes &bytes, std::span<const UniqueFd> fds,
                   Peer *to)
{
    if (to != nullptr) {
        deliver(sender, *to, bytes, fds);
    }
    const bool broadcast = msg.header.destination.empty();
    if (!broadcast && eavesdroppers_ == 0) {
        return;
    }
    const auto args = dbus::extract_match_args(msg);
    std::vector<std::string_view> sender_names;
    if (sender != nullptr) {
        sender_names = sender->all_names();
    } else {
        sender_names.emplace_back(driver_name);
    }
    std::vector<std::string_view> to_names;
    if (to != nullptr) {
        to_names = to->all_names();
    } else if (!broadcast) {
        to_names.emplace_back(msg.header.destination);
    }
    for (auto &[id, peer] : peers_) {
        Peer &p = *peer;
        if (&p == to || p.condemned) {
            continue;
        }
        if (p.monitor) {
            dbus::MatchContext ctx{sender_names, to_names, false};
            if (p.monitor_rules.empty() ||
                std::ranges::any_of(p.monitor_rules, [&](const auto &r) { return r.matches(msg, args, ctx); })) {
                deliver(sender, p, bytes, fds);
            }
            continue;
        }
        if (!p.registered || (!broadcast && p.eavesdrop_rules == 0)) {
            continue;
        }
        const dbus::MatchContext ctx{sender_names, to_names, !broadcast};
        if (std::ranges::any_of(p.matches, [&](const auto &r) { return r.matches(msg, args, ctx); })) {
            deliver(sender, p, bytes, fds);
        }
    }
}

void Bus::send_driver_message(dbus::Header h, const dbus::Writer &body, Peer *to)
{
    h.sender = driver_name;
    h.serial = ++driver_serial_;
    if (driver_serial_ == UINT32_MAX) {
        driver_serial_ = 0;
    }
    if (to != nullptr) {
        h.destination = to->unique_name;
    }
    auto built = std::make_shared<std::vector<std::byte>>();
    if (const auto e = dbus::build_message(*built, h, body); e != dbus::Errc::ok) {
        log(LogLevel::error, "cannot build a driver message: ", dbus::make_error_code(e).message());
        return;
    }
    const Bytes bytes = std::move(built);
    const auto msg = dbus::parse_message(*bytes);
    if (msg) {
        dispatch(nullptr, *msg, bytes, {}, to);
    }
}

void Bus::reply(Peer &to, const dbus::Message &call, const dbus::Writer &body)
{
    if (!expects_reply(call)) {
        return;
    }
    dbus::Header h;
    h.type = dbus::MessageType::method_return;
    h.reply_serial = call.header.serial;
    send_driver_message(h, body, &to);
}

void Bus::reply_error(Peer &to, const dbus::Message &call, std::string_view name, std::string_view text)
{
    if (!expects_reply(call)) {
        return;
    }
    dbus::Header h;
    h.type = dbus::MessageType::error;
    h.error_name = name;
    h.reply_serial = call.header.serial;
    dbus::Writer w;
    w.put_string(text);
    send_driver_message(h, w, &to);
}

void Bus::signal(Peer *to, std::string_view member, const dbus::Writer &body)
{
    dbus::Header h;
    h.type = dbus::MessageType::signal;
    h.path = driver_path;
    h.interface = driver_name;
    h.member = member;
    send_driver_message(h, body, to);
}

void Bus::owner_changed(std::string_view name, std::string_view old_owner, std::string_view new_owner)
{
    dbus::Writer w;
    w.put_string(name);
    w.put_string(old_owner);
    w.put_string(new_owner);
    signal(nullptr, "NameOwnerChanged", w);
}

// dbus-daemon's order: NameLost to the old owner, NameOwnerChanged to
// everyone, NameAcquired to the new owner.
void Bus::announce(const NameChange &change)
{
    dbus::Writer name;
    name.put_string(change.name);
    Peer *old_owner = change.old_owner != 0 ? find(change.old_owner) : nullptr;
    Peer *new_owner = change.new_owner != 0 ? find(change.new_owner) : nullptr;
    if (old_owner != nullptr) {
        std::erase(old_owner->names, change.name);
        if (old_owner->live()) {
            signal(old_owner, "NameLost", name);
        }
    }
    if (new_owner != nullptr) {
        new_owner->names.push_back(change.name);
    }
    if (observer_ != nullptr) {
        observer_->owner_changed(change.name, change.old_owner, change.new_owner);
    }
    owner_changed(change.name, old_owner != nullptr ? std::string_view{old_owner->unique_name} : "",
                  new_owner != nullptr ? std::string_view{new_owner->unique_name} : "");
    if (new_owner != nullptr && new_owner->live()) {
        signal(new_owner, "NameAcquired", name);
    }
}

void Bus::register_peer(Peer &p, const dbus::Message &hello)
{
    p.unique_name = ":1." + std::to_string(p.id);
    p.registered = true;
    by_unique_name_.emplace(p.unique_name, &p);
    if (eavesdroppers_ != 0) {
        // Monitors see the Hello too, as from dbus-daemon.
        if (const auto stamped = stamp(p, hello)) {
            dispatch(&p, stamped->msg, stamped->bytes, {}, nullptr);
        }
    }
    dbus::Writer w;
    w.put_string(p.unique_name);
    reply(p, hello, w);
    owner_changed(p.unique_name, "", p.unique_name);
    dbus::Writer name;
    name.put_string(p.unique_name);
    signal(&p, "NameAcquired", name);
}

// The change first (its signals), then the reply: dbus-daemon's order.
void Bus::settle(Peer &p, const std::optional<NameChange> &change, std::uint32_t code, const dbus::Message &call)
{
    if (change) {
        announce(*change);
    }
    dbus::Writer w;
    w.put_uint32(code);
    reply(p, call, w);
}

RequestReply Bus::request_name(Peer &p, std::string_view name, std::uint32_t flags, const dbus::Message &call)
{
    const auto r = registry_.request(name, p.id, flags);
    settle(p, r.change, static_cast<std::uint32_t>(r.reply), call);
    return r.reply;
}

ReleaseReply Bus::release_name(Peer &p, std::string_view name, const dbus::Message &call)
{
    const auto r = registry_.release(name, p.id);
    settle(p, r.change, static_cast<std::uint32_t>(r.reply), call);
    return r.reply;
}

void Bus::add_match(Peer &p, dbus::MatchRule rule)
{
    if (rule.eavesdrop && p.eavesdrop_rules++ == 0) {
        ++eavesdroppers_;
    }
    if (observer_ != nullptr) {
        observer_->match_added(p.id, rule);
    }
    p.matches.push_back(std::move(rule));
}

bool Bus::remove_match(Peer &p, const dbus::MatchRule &rule)
{
    const auto it = std::ranges::find(p.matches, rule);
    if (it == p.matches.end()) {
        return false;
    }
    if (it->eavesdrop && --p.eavesdrop_rules == 0) {
        --eavesdroppers_;
    }
    if (observer_ != nullptr) {
        observer_->match_removed(p.id, *it);
    }
    p.matches.erase(it);
    return true;
}

// The reply first, then the peer gives up its names and its unique name
// and from then on only receives.
void Bus::become_monitor(Peer &p, std::vector<dbus::MatchRule> rules, const dbus::Message &call)
{
    reply(p, call, dbus::Writer{});
    for (const NameChange &c : registry_.release_all(p.id)) {
        announce(c);
    }
    by_unique_name_.erase(p.unique_name);
    // dbus-daemon treats the unique name like any other: NameLost, then
    // NameOwnerChanged (dbus-monitor prints that NameLost first).
    dbus::Writer unique;
    unique.put_string(p.unique_name);
    signal(&p, "NameLost", unique);
    owner_changed(p.unique_name, p.unique_name, "");
    fail_pending_calls(p.id); // a monitor answers nothing
    if (p.eavesdrop_rules == 0) {
        ++eavesdroppers_;
    }
    p.matches.clear();
    p.eavesdrop_rules = 0;
    p.monitor_rules = std::move(rules);
    p.monitor = true;
}

} // namespace afbusd::bus
