// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Test helpers shared by the fake buses of the tests: replies built with
// lib/dbus, and method call headers.
#ifndef TESTS_AFBUS_WIRE_UTIL_HPP
#define TESTS_AFBUS_WIRE_UTIL_HPP

#include <afbus/dbus/message.hpp>
#include <afbus/dbus/writer.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace afbus::testing {

// A METHOD_RETURN to @call with @body, from @sender (may be empty).
std::vector<std::byte> build_reply(const dbus::Message &call, const dbus::Writer &body, std::string_view sender = {},
                                   std::uint32_t serial = 1);
// An ERROR reply to @call: @name, with @text as its argument.
std::vector<std::byte> build_error(const dbus::Message &call, std::string_view name, std::string_view text,
                                   std::string_view sender = {}, std::uint32_t serial = 1);
// A signal from @sender (empty: none) with one string argument.
std::vector<std::byte> build_signal(std::string_view path, std::string_view interface, std::string_view member,
                                    std::string_view arg, std::string_view sender = {});

// A method call header for @destination's @member on the test interface.
dbus::Header call_header(std::string_view destination, std::string_view member,
                         std::string_view path = "/org/afbus/Test", std::string_view interface = "org.afbus.Test");

// A body of one string.
dbus::Writer string_body(std::string_view s);

// The first string argument of @msg ("" if none).
std::string first_string(const dbus::Message &msg);

} // namespace afbus::testing

#endif // TESTS_AFBUS_WIRE_UTIL_HPP
