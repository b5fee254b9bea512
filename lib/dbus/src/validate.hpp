// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Internal: the value validator shared by validate_body() and the header
// field parser (the header is a body of signature "yyyyuua(yv)").
#ifndef AFBUS_DBUS_VALIDATE_HPP
#define AFBUS_DBUS_VALIDATE_HPP

#include <afbus/dbus/types.hpp>

#include "wire.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace afbus::dbus {
struct Header; // message.hpp
} // namespace afbus::dbus

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
    // string_like() without checking the contents (length, bounds and the
    // NUL only), for a caller that checks them with a stricter grammar.
    // Inline: every string of every header runs through it.
    Errc string_frame(char type, std::size_t &pos, std::size_t end, std::string_view &out) const noexcept
    {
        std::size_t length = 0;
        if (type == 'g') {
            if (pos >= end) {
                return Errc::truncated;
            }
            length = std::to_integer<std::size_t>(data[pos]);
            ++pos;
        } else {
            if (const Errc e = skip_padding(pos, 4, end); e != Errc::ok) {
                return e;
            }
            if (end - pos < 4) {
                return Errc::truncated;
            }
            length = load<std::uint32_t>(data + pos, swap);
            pos += 4;
        }
        if (length >= end - pos) {
            return Errc::truncated;
        }
        if (data[pos + length] != std::byte{0}) {
            return Errc::bad_string;
        }
        out = {reinterpret_cast<const char *>(data + pos), length};
        pos += length + 1;
        return Errc::ok;
    }
    // A signature holding one complete type (a variant's, a header
    // field's) at @pos: @out views it. Errors as string_like('g') then
    // validate_single_type() would give, with one grammar walk.
    Errc single_type(std::size_t &pos, std::size_t end, std::string_view &out) const noexcept;
    // Zero padding from @pos to @alignment. Inline: it runs before nearly
    // every value, and is usually nothing to skip.
    Errc skip_padding(std::size_t &pos, std::size_t alignment, std::size_t end) const noexcept
    {
        const std::size_t at = align_up(pos, alignment);
        if (at > end) {
            return Errc::truncated;
        }
        if (at != pos) {
            if (!all_zero(data + pos, at - pos)) {
                return Errc::bad_padding;
            }
            pos = at;
        }
        return Errc::ok;
    }

private:
    Errc fixed(char type, std::size_t &pos, std::size_t end) const noexcept;
    Errc array(std::string_view element, std::size_t &pos, std::size_t end, unsigned depth) const noexcept;
};

// validate_header() of @h with @signature as its SIGNATURE, without the
// name checks whose bits (1 << FieldCode) are set in @checked: those the
// caller has done already.
Errc validate_header_except(const Header &h, std::string_view signature, unsigned checked) noexcept;

// validate_body() for a @signature already known to be valid (the
// parsed SIGNATURE header field): the signature is not checked again.
Errc validate_body_checked_signature(std::span<const std::byte> body, std::string_view signature, ByteOrder order,
                                     std::uint32_t unix_fds) noexcept;

} // namespace afbus::dbus::detail

#endif // AFBUS_DBUS_VALIDATE_HPP
