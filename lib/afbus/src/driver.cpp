// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Helpers for the bus driver's methods (org.freedesktop.DBus): Hello,
// AddMatch/RemoveMatch with local signal handlers, RequestName/ReleaseName.
#include <afbus/connection.hpp>

#include <cerrno>

namespace afbus {
namespace {

CallError local_error(int negative_errno)
{
    return CallError{.code = errno_code(negative_errno), .name = {}, .text = {}};
}

// The u that a RequestName or ReleaseName reply carries.
CallResult<std::uint32_t> uint32_reply(CallResult<IncomingMessage> reply)
{
    if (!reply) {
        return std::unexpected{std::move(reply.error())};
    }
    auto r = reply->reader();
    auto code = r.get_uint32();
    if (!code) {
        return std::unexpected{local_error(-EPROTO)};
    }
    return *code;
}

} // namespace

CallResult<IncomingMessage> Connection::bus_call(std::string_view member, const dbus::Writer &body,
                                                 std::chrono::milliseconds timeout)
{
    const dbus::Header h{.type = dbus::MessageType::method_call,
                         .serial = 1,
                         .path = "/org/freedesktop/DBus",
                         .interface = "org.freedesktop.DBus",
                         .member = member,
                         .destination = "org.freedesktop.DBus"};
    return call(h, body, timeout);
}

CallResult<MatchId> Connection::add_match(std::string_view rule, MessageHandler handler,
                                          std::chrono::milliseconds timeout)
{
    auto parsed = dbus::parse_match_rule(rule);
    if (!parsed) {
        return std::unexpected{local_error(-EINVAL)};
    }
    dbus::Writer body;
    body.put_string(rule);
    if (auto reply = bus_call("AddMatch", body, timeout); !reply) {
        return std::unexpected{std::move(reply.error())};
    }
    const MatchId id = next_match_++;
    matches_.emplace(id, Match{.text = std::string{rule}, .rule = std::move(*parsed), .handler = std::move(handler)});
    return id;
}

CallResult<void> Connection::remove_match(MatchId id, std::chrono::milliseconds timeout)
{
    const auto it = matches_.find(id);
    if (it == matches_.end()) {
        return std::unexpected{local_error(-ENOENT)};
    }
    dbus::Writer body;
    body.put_string(it->second.text);
    matches_.erase(it); // no more calls to the handler, whatever the bus says
    if (auto reply = bus_call("RemoveMatch", body, timeout); !reply) {
        return std::unexpected{std::move(reply.error())};
    }
    return {};
}

CallResult<NameReply> Connection::request_name(std::string_view name, std::uint32_t flags,
                                               std::chrono::milliseconds timeout)
{
    dbus::Writer body;
    body.put_string(name);
    body.put_uint32(flags);
    auto code = uint32_reply(bus_call("RequestName", body, timeout));
    if (!code) {
        return std::unexpected{std::move(code.error())};
    }
    if (*code < 1 || *code > 4) {
        return std::unexpected{local_error(-EPROTO)};
    }
    return static_cast<NameReply>(*code);
}

CallResult<std::uint32_t> Connection::release_name(std::string_view name, std::chrono::milliseconds timeout)
{
    dbus::Writer body;
    body.put_string(name);
    return uint32_reply(bus_call("ReleaseName", body, timeout));
}

} // namespace afbus
