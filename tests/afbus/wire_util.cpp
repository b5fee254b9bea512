// SPDX-License-Identifier: LGPL-2.1-or-later
#include "wire_util.hpp"

#include <cstdlib>

namespace afbus::testing {
namespace {

std::vector<std::byte> build_or_die(const dbus::Header &h, const dbus::Writer &body)
{
    auto bytes = dbus::build_message(h, body);
    if (!bytes) {
        std::abort(); // a test helper misused: nothing to recover
    }
    return std::move(*bytes);
}

} // namespace

std::vector<std::byte> build_reply(const dbus::Message &call, const dbus::Writer &body, std::string_view sender,
                                   std::uint32_t serial)
{
    const dbus::Header h{.type = dbus::MessageType::method_return,
                         .serial = serial,
                         .destination = call.header.sender,
                         .sender = sender,
                         .reply_serial = call.header.serial};
    return build_or_die(h, body);
}

std::vector<std::byte> build_error(const dbus::Message &call, std::string_view name, std::string_view text,
                                   std::string_view sender, std::uint32_t serial)
{
    const dbus::Header h{.type = dbus::MessageType::error,
                         .serial = serial,
                         .error_name = name,
                         .destination = call.header.sender,
                         .sender = sender,
                         .reply_serial = call.header.serial};
    return build_or_die(h, string_body(text));
}

std::vector<std::byte> build_signal(std::string_view path, std::string_view interface, std::string_view member,
                                    std::string_view arg, std::string_view sender)
{
    const dbus::Header h{.type = dbus::MessageType::signal,
                         .serial = 1,
                         .path = path,
                         .interface = interface,
                         .member = member,
                         .sender = sender};
    return build_or_die(h, string_body(arg));
}

dbus::Header call_header(std::string_view destination, std::string_view member, std::string_view path,
                         std::string_view interface)
{
    return dbus::Header{.type = dbus::MessageType::method_call,
                        .serial = 1,
                        .path = path,
                        .interface = interface,
                        .member = member,
                        .destination = destination};
}

dbus::Writer string_body(std::string_view s)
{
    dbus::Writer w;
    w.put_string(s);
    return w;
}

std::string first_string(const dbus::Message &msg)
{
    auto r = msg.reader();
    if (r.peek_type() != 's') {
        return {};
    }
    return std::string{r.get_string().value_or("")};
}

} // namespace afbus::testing
