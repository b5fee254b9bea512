// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The name grammars of the D-Bus specification ("Valid names").
#include <afbus/dbus/names.hpp>

namespace afbus::dbus {

namespace {

bool is_alpha_(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool is_digit(char c) noexcept
{
    return c >= '0' && c <= '9';
}

// Dot-separated elements; @first and @rest say which characters may start an
// element and which may follow. Returns the element count, or -1 if an
// element is empty or holds a character it may not.
template <typename First, typename Rest>
int count_elements(std::string_view s, First first, Rest rest) noexcept
{
    int elements = 0;
    bool at_start = true;
    for (const char c : s) {
        if (c == '.') {
            if (at_start) {
                return -1;
            }
            at_start = true;
            continue;
        }
        if (at_start) {
            if (!first(c)) {
                return -1;
            }
            ++elements;
            at_start = false;
        } else if (!rest(c)) {
            return -1;
        }
    }
    return at_start ? -1 : elements;
}

bool name_char(char c) noexcept
{
    return is_alpha_(c) || is_digit(c);
}

bool bus_first(char c) noexcept
{
    return is_alpha_(c) || c == '-';
}

bool bus_rest(char c) noexcept
{
    return is_alpha_(c) || is_digit(c) || c == '-';
}

} // namespace

Errc validate_object_path(std::string_view s) noexcept
{
    if (s.empty() || s[0] != '/') {
        return Errc::bad_object_path;
    }
    if (s.size() == 1) {
        return Errc::ok;
    }
    bool after_slash = true;
    for (std::size_t i = 1; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '/') {
            if (after_slash) {
                return Errc::bad_object_path;
            }
            after_slash = true;
        } else if (name_char(c)) {
            after_slash = false;
        } else {
            return Errc::bad_object_path;
        }
    }
    return after_slash ? Errc::bad_object_path : Errc::ok;
}

Errc validate_interface(std::string_view s) noexcept
{
    if (s.size() > max_name_length || count_elements(s, is_alpha_, name_char) < 2) {
        return Errc::bad_interface;
    }
    return Errc::ok;
}

Errc validate_error_name(std::string_view s) noexcept
{
    return validate_interface(s) == Errc::ok ? Errc::ok : Errc::bad_error_name;
}

Errc validate_member(std::string_view s) noexcept
{
    if (s.empty() || s.size() > max_name_length || !is_alpha_(s[0])) {
        return Errc::bad_member;
    }
    for (const char c : s) {
        if (!name_char(c)) {
            return Errc::bad_member;
        }
    }
    return Errc::ok;
}

Errc validate_bus_name(std::string_view s) noexcept
{
    if (s.empty() || s.size() > max_name_length) {
        return Errc::bad_bus_name;
    }
    if (s[0] == ':') {
        // Unique names: elements may start with a digit.
        return count_elements(s.substr(1), bus_rest, bus_rest) >= 2 ? Errc::ok : Errc::bad_bus_name;
    }
    return count_elements(s, bus_first, bus_rest) >= 2 ? Errc::ok : Errc::bad_bus_name;
}

Errc validate_bus_namespace(std::string_view s) noexcept
{
    if (s.empty() || s.size() > max_name_length || s[0] == ':') {
        return Errc::bad_bus_name;
    }
    return count_elements(s, bus_first, bus_rest) >= 1 ? Errc::ok : Errc::bad_bus_name;
}

} // namespace afbus::dbus
