// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Internal: a copy of a marshalled message with another SENDER. On AF_BUS
// no daemon stamps SENDER, so the library sets it on what it sends; a
// message handed over already marshalled (the C API, send_message()) gets
// a new header in front of its body, which is copied as it is.
#ifndef AFBUS_SRC_REWRITE_HPP
#define AFBUS_SRC_REWRITE_HPP

#include <afbus/dbus/message.hpp>

#include <expected>
#include <string_view>
#include <vector>

namespace afbus::detail {

std::expected<std::vector<std::byte>, dbus::Errc> with_sender(const dbus::Message &msg, std::string_view sender);

} // namespace afbus::detail

#endif // AFBUS_SRC_REWRITE_HPP
