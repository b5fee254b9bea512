// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Moving value trees through libdbus-1, the reference implementation:
// build and marshal a message with it, or demarshal one and read it back.
#ifndef AFBUS_TESTS_DBUS_LIBDBUS_BRIDGE_HPP
#define AFBUS_TESTS_DBUS_LIBDBUS_BRIDGE_HPP

#include "value_tree.hpp"

#include <optional>
#include <string>
#include <vector>

namespace afbus::dbus::testing {

// @m built by libdbus (dbus_message_marshal): the bytes, in libdbus's
// (native) byte order. Empty on failure.
std::vector<std::byte> build_libdbus(const MessageTree &m);

// @bytes through dbus_message_demarshal and read back with libdbus's
// iterators; nullopt if libdbus refuses it, with its reason in @why.
std::optional<MessageTree> parse_libdbus(const std::vector<std::byte> &bytes, std::string &why);

} // namespace afbus::dbus::testing

#endif // AFBUS_TESTS_DBUS_LIBDBUS_BRIDGE_HPP
