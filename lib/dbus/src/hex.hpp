// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Hexadecimal bytes, as SASL (hex-encoded identities and data) and D-Bus
// addresses (%XX escapes) both write them: lower case out, either case in.
#ifndef AFBUS_DBUS_SRC_HEX_HPP
#define AFBUS_DBUS_SRC_HEX_HPP

#include <string>
#include <string_view>

namespace afbus::dbus::detail {

// The value of one hex digit, or -1.
[[nodiscard]] inline int hex_value(char c) noexcept
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// The byte two hex digits spell, or -1.
[[nodiscard]] inline int hex_byte(char hi, char lo) noexcept
{
    const int h = hex_value(hi);
    const int l = hex_value(lo);
    return h < 0 || l < 0 ? -1 : (h << 4) | l;
}

// Appends the two lower-case hex digits of @c.
inline void append_hex(std::string &out, char c)
{
    constexpr std::string_view digits = "0123456789abcdef";
    const auto b = static_cast<unsigned char>(c);
    out += digits[b >> 4U];
    out += digits[b & 0xfU];
}

} // namespace afbus::dbus::detail

#endif // AFBUS_DBUS_SRC_HEX_HPP
