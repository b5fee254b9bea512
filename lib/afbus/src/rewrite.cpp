// SPDX-License-Identifier: LGPL-2.1-or-later
#include "rewrite.hpp"

namespace afbus::detail {

// The body is copied as it is: it starts 8-aligned whatever the header's
// length, so its bytes (and their padding) stay valid with a new header.
// Marshalling it again value by value cost one Reader and one Writer call
// per element: 65536 of them for a 64 KiB "ay", most of a 64 KiB call's
// round trip (Documentation/libafbus/afbus.rst).
std::expected<std::vector<std::byte>, dbus::Errc> with_sender(const dbus::Message &msg, std::string_view sender)
{
    dbus::Header h = msg.header;
    h.sender = sender;
    std::vector<std::byte> out;
    if (const dbus::Errc e = dbus::build_message(out, h, msg.order, msg.body); e != dbus::Errc::ok) {
        return std::unexpected{e};
    }
    return out;
}

} // namespace afbus::detail
