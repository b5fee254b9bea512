// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Internal: the value validator shared by validate_body() and the header
// field parser (the header is a body of signature "yyyyuua(yv)").
#ifndef AFBUS_DBUS_VALIDATE_HPP
#define AFBUS_DBUS_VALIDATE_HPP

#include <afbus/dbus/types.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace afbus::dbus::detail {

struct Validator {
    const std::byte *data; // offset 0 must be 8-aligned in the message
    bool swap;
    std::uint32_t unix_fds;

    // One complete value of type @sig[@si] at @pos, not beyond @end; on
    // success @si and @pos are past it. @depth counts enclosing containers.
    Errc value(std::string_view sig, std::size_t &si, std::size_t &pos, std::size_t end,
               unsigned depth) const noexcept;
    // A string (s o g) at @pos: @out views it.
    Errc string_like(char type, std::size_t &pos, std::size_t end, std::string_view &out) const noexcept;
    // Zero padding from @pos to @alignment.
    Errc skip_padding(std::size_t &pos, std::size_t alignment, std::size_t end) const noexcept;

private:
    Errc fixed(char type, std::size_t &pos, std::size_t end) const noexcept;
    Errc array(std::string_view element, std::size_t &pos, std::size_t end, unsigned depth) const noexcept;
};

} // namespace afbus::dbus::detail

#endif // AFBUS_DBUS_VALIDATE_HPP
