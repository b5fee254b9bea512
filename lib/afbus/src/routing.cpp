// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Where a Connection on AF_BUS sends each message (broker.md, "One mapping
// for every connection"; Documentation/libafbus/afbus.rst):
//   an explicit address (replies: the caller's true address)
//   ":1.N"                  -> prefix-0 address N, no lookup
//   "org.freedesktop.DBus"  -> the master, address 0
//   a well-known name       -> cached address, or held back while an
//                              async GetNameOwner (after an AddMatch for
//                              the name's NameOwnerChanged) resolves it;
//                              a name without owner goes to the master,
//                              which answers ServiceUnknown
//   no destination          -> a signal: the multicast address of prefix 0;
//                              anything else: the master
// On AF_UNIX everything goes down the stream to the daemon.
#include <afbus/connection.hpp>

#include <charconv>

namespace afbus {
namespace {

constexpr std::string_view bus_name = "org.freedesktop.DBus";

// N of ":1.N", if @name is that and N a prefix-0 client part.
std::optional<std::uint64_t> unique_name_address(std::string_view name)
{
    constexpr std::string_view prefix = ":1.";
    if (!name.starts_with(prefix)) {
        return std::nullopt;
    }
    const std::string_view digits = name.substr(prefix.size());
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty() || n == 0 ||
        n >= bus_client_mask) {
        return std::nullopt;
    }
    return bus_address(0, n);
}

} // namespace

void Connection::route(Outgoing &&out, const dbus::Header &header, std::optional<std::uint64_t> address)
{
    if (transport_ != Transport::afbus) {
        out_.push_back(std::move(out));
        return;
    }
    const std::string_view dest = header.destination;
    if (address) {
        out.destination = *address;
    } else if (dest.empty()) {
        out.destination = header.type == dbus::MessageType::signal ? bus_multicast(0) : bus_master_address;
    } else if (dest == bus_name) {
        out.destination = bus_master_address;
    } else if (dest.starts_with(':')) {
        // A malformed unique name goes to the master, which rejects it.
        out.destination = unique_name_address(dest).value_or(bus_master_address);
    } else if (const auto it = name_cache_.find(std::string{dest}); it != name_cache_.end()) {
        out.destination = it->second;
    } else {
        auto &waiting = unresolved_[std::string{dest}];
        waiting.push_back(std::move(out));
        if (waiting.size() == 1) {
            resolve_name(std::string{dest});
        }
        return;
    }
    out_.push_back(std::move(out));
}

void Connection::resolve_name(const std::string &name)
{
    const dbus::Header call{.type = dbus::MessageType::method_call,
                            .serial = 1,
                            .path = "/org/freedesktop/DBus",
                            .interface = bus_name,
                            .destination = bus_name};
    // First the rule that tells us when the owner changes, so that no
    // change can fall between the answer and the rule (the master handles
    // our messages in order).
    if (!watched_names_.contains(name)) {
        const std::string rule = "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
                                 "member='NameOwnerChanged',arg0='" + name + "'";
        dbus::Header add = call;
        add.member = "AddMatch";
        dbus::Writer body;
        body.put_string(rule);
        auto bytes = build(add, body);
        if (bytes && register_call(*bytes, &*bytes, default_call_timeout, {}, [](const CallResult<IncomingMessage> &) {},
                                   true)) {
            watched_names_.insert(name);
        }
    }
    dbus::Header get = call;
    get.member = "GetNameOwner";
    dbus::Writer body;
    body.put_string(name);
    auto bytes = build(get, body);
    auto on_reply = [this, name](const CallResult<IncomingMessage> &reply) {
        std::optional<std::uint64_t> address;
        if (reply) {
            auto r = reply->reader();
            if (auto owner = r.get_string(); owner) {
                address = unique_name_address(*owner);
            }
        }
        on_name_resolved(name, address);
    };
    if (!bytes || !register_call(*bytes, &*bytes, default_call_timeout, {}, std::move(on_reply), true)) {
        on_name_resolved(name, std::nullopt);
    }
}

void Connection::on_name_resolved(const std::string &name, std::optional<std::uint64_t> address)
{
    const auto it = unresolved_.find(name);
    if (it == unresolved_.end()) {
        return;
    }
    std::vector<Outgoing> waiting = std::move(it->second);
    unresolved_.erase(it);
    if (address) {
        name_cache_[name] = *address;
    }
    for (auto &out : waiting) {
        out.destination = address.value_or(bus_master_address);
        out_.push_back(std::move(out));
    }
    (void)flush(); // errors surface on the next flush
}

} // namespace afbus
