// SPDX-License-Identifier: LGPL-2.1-or-later
//
// validate_body(): one pass over a body, checking everything the
// specification (and dbus-daemon) requires of marshalled values, so that
// Reader can then read without re-checking content.
#include <afbus/dbus/names.hpp>
#include <afbus/dbus/reader.hpp>

#include "validate.hpp"
#include "wire.hpp"

namespace afbus::dbus::detail {

Errc Validator::string_like(char type, std::size_t &pos, std::size_t end, std::string_view &out) const noexcept
{
    if (const Errc e = string_frame(type, pos, end, out); e != Errc::ok) {
        return e;
    }
    switch (type) {
    case 's': return validate_utf8(out);
    case 'o': return validate_object_path(out);
    default: return validate_signature(out);
    }
}

Errc Validator::single_type(std::size_t &pos, std::size_t end, std::string_view &out) const noexcept
{
    if (const Errc e = string_frame('g', pos, end, out); e != Errc::ok) {
        return e;
    }
    if (out.size() == 1 && (out[0] == 'v' || is_basic_type(out[0]))) {
        return Errc::ok; // the common case, without the grammar walk
    }
    if (validate_single_type(out) == Errc::ok) {
        return Errc::ok; // a single complete type is a valid signature
    }
    const Errc e = validate_signature(out);
    return e != Errc::ok ? e : Errc::bad_signature;
}

Errc Validator::fixed(char type, std::size_t &pos, std::size_t end) const noexcept
{
    const std::size_t size = fixed_size(type);
    if (const Errc e = skip_padding(pos, size, end); e != Errc::ok) {
        return e;
    }
    if (end - pos < size) {
        return Errc::truncated;
    }
    if (type == 'b' && load<std::uint32_t>(data + pos, swap) > 1) {
        return Errc::bad_boolean;
    }
    if (type == 'h' && load<std::uint32_t>(data + pos, swap) >= unix_fds) {
        return Errc::bad_unix_fd;
    }
    pos += size;
    return Errc::ok;
}

// NOLINTNEXTLINE(misc-no-recursion): depth is checked against max_total_depth
Errc Validator::array(std::string_view element, std::size_t &pos, std::size_t end, unsigned depth) const noexcept
{
    if (const Errc e = skip_padding(pos, 4, end); e != Errc::ok) {
        return e;
    }
    if (end - pos < 4) {
        return Errc::truncated;
    }
    const std::size_t length = load<std::uint32_t>(data + pos, swap);
    pos += 4;
    if (length > max_array_size) {
        return Errc::too_large;
    }
    // The padding to the first element is there even when there is none.
    if (const Errc e = skip_padding(pos, type_alignment(element[0]), end); e != Errc::ok) {
        return e;
    }
    if (length > end - pos) {
        return Errc::bad_array_length;
    }
    const std::size_t array_end = pos + length;
    const std::size_t size = element.size() == 1 ? fixed_size(element[0]) : 0;
    if (size != 0) {
        if (length % size != 0) {
            return Errc::bad_array_length;
        }
        if (element[0] == 'b' || element[0] == 'h') {
            while (pos < array_end) {
                if (const Errc e = fixed(element[0], pos, array_end); e != Errc::ok) {
                    return e;
                }
            }
        }
        pos = array_end;
        return Errc::ok;
    }
    while (pos < array_end) {
        std::size_t si = 0;
        if (const Errc e = value(element, si, pos, array_end, depth); e != Errc::ok) {
            return e;
        }
    }
    return Errc::ok;
}

// NOLINTNEXTLINE(misc-no-recursion): depth is checked against max_total_depth
Errc Validator::value(std::string_view sig, std::size_t &si, std::size_t &pos, std::size_t end,
                      unsigned depth) const noexcept
{
    const char type = sig[si];
    switch (type) {
    case 's': case 'o': case 'g': {
        ++si;
        std::string_view ignored;
        return string_like(type, pos, end, ignored);
    }
    case 'a': {
        if (depth + 1 > max_total_depth) {
            return Errc::nested_too_deeply;
        }
        const std::string_view rest = sig.substr(si + 1);
        const std::string_view element = rest.substr(0, complete_type_length(rest));
        si += 1 + element.size();
        return array(element, pos, end, depth + 1);
    }
    case '(': case '{': {
        if (depth + 1 > max_total_depth) {
            return Errc::nested_too_deeply;
        }
        if (const Errc e = skip_padding(pos, 8, end); e != Errc::ok) {
            return e;
        }
        const char close = type == '(' ? ')' : '}';
        ++si;
        while (sig[si] != close) {
            if (const Errc e = value(sig, si, pos, end, depth + 1); e != Errc::ok) {
                return e;
            }
        }
        ++si;
        return Errc::ok;
    }
    case 'v': {
        ++si;
        if (depth + 1 > max_total_depth) {
            return Errc::nested_too_deeply;
        }
        std::string_view inner;
        if (const Errc e = single_type(pos, end, inner); e != Errc::ok) {
            return e;
        }
        std::size_t inner_si = 0;
        return value(inner, inner_si, pos, end, depth + 1);
    }
    default:
        ++si;
        return fixed(type, pos, end);
    }
}

} // namespace afbus::dbus::detail

namespace afbus::dbus {

Errc validate_body(std::span<const std::byte> body, std::string_view signature, ByteOrder order,
                   std::uint32_t unix_fds) noexcept
{
    if (const Errc e = validate_signature(signature); e != Errc::ok) {
        return e;
    }
    return detail::validate_body_checked_signature(body, signature, order, unix_fds);
}

Errc detail::validate_body_checked_signature(std::span<const std::byte> body, std::string_view signature,
                                             ByteOrder order, std::uint32_t unix_fds) noexcept
{
    const detail::Validator v{body.data(), detail::is_swapped(order), unix_fds};
    std::size_t pos = 0;
    std::size_t si = 0;
    while (si < signature.size()) {
        if (const Errc e = v.value(signature, si, pos, body.size(), 0); e != Errc::ok) {
            return e;
        }
    }
    return pos == body.size() ? Errc::ok : Errc::body_mismatch;
}

} // namespace afbus::dbus
