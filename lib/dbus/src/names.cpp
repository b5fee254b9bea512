// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The name grammars of the D-Bus specification ("Valid names").
#include <afbus/dbus/names.hpp>

#include <array>
#include <bit>
#include <cstdint>

namespace afbus::dbus {

namespace {

// Character classes of the name grammars, one bit each, looked up in a
// table: the validators run on every header field of every message, built
// and parsed, so they are on the hot path.
enum : std::uint8_t {
    alpha_ = 1,     // A-Z a-z _
    digit = 2,      // 0-9
    hyphen = 4,     // -
    name_char = 8,  // alpha_ or digit: after the first character of a name element
    bus_char = 16,  // alpha_, digit or hyphen: the same in a bus name
};

constexpr std::array<std::uint8_t, 256> char_classes = [] {
    std::array<std::uint8_t, 256> t{};
    for (std::size_t c = 'A'; c <= 'Z'; ++c) {
        t.at(c) = alpha_;
        t.at(c + ('a' - 'A')) = alpha_;
    }
    t.at('_') = alpha_;
    for (std::size_t c = '0'; c <= '9'; ++c) {
        t.at(c) = digit;
    }
    t.at('-') = hyphen;
    for (auto &c : t) {
        if ((c & (alpha_ | digit)) != 0) {
            c |= name_char;
        }
        if ((c & (alpha_ | digit | hyphen)) != 0) {
            c |= bus_char;
        }
    }
    return t;
}();

constexpr unsigned classes_of(char c) noexcept
{
    // at(): an unsigned char index is always in range, so no check is emitted.
    return char_classes.at(static_cast<unsigned char>(c));
}

constexpr bool in_class(char c, unsigned classes) noexcept
{
    return (classes_of(c) & classes) != 0;
}

// The index of the first character of @s from @i on that is not in the
// class @cls (one bit), or s.size(). Four characters share one test: names
// run long between dots and slashes.
template <unsigned cls> std::size_t skip_class(std::string_view s, std::size_t i) noexcept
{
    static_assert(std::has_single_bit(cls));
    const std::size_t n = s.size();
    while (n - i >= 4 &&
           (classes_of(s[i]) & classes_of(s[i + 1]) & classes_of(s[i + 2]) & classes_of(s[i + 3]) & cls) != 0) {
        i += 4;
    }
    while (i != n && in_class(s[i], cls)) {
        ++i;
    }
    return i;
}

// Dot-separated elements; @first and @rest are the classes of the
// characters that may start an element and that may follow (@rest is one
// bit). Returns the element count, or -1 if an element is empty or holds a
// character it may not.
// The classes are template arguments so that each use is a loop with the
// class masks as constants.
template <unsigned first, unsigned rest> int count_elements(std::string_view s) noexcept
{
    const std::size_t n = s.size();
    std::size_t i = 0;
    int elements = 0;
    for (;;) {
        if (i == n || !in_class(s[i], first)) {
            return -1; // empty element or bad first character
        }
        ++elements;
        i = skip_class<rest>(s, i + 1);
        if (i == n) {
            return elements;
        }
        if (s[i] != '.') {
            return -1;
        }
        ++i;
    }
}

constexpr unsigned bus_first = alpha_ | hyphen;

} // namespace

Errc validate_object_path(std::string_view s) noexcept
{
    if (s.empty() || s[0] != '/') {
        return Errc::bad_object_path;
    }
    if (s.size() == 1) {
        return Errc::ok;
    }
    // Elements of one or more name characters, each after a '/'.
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i != n) {
        ++i; // the '/'
        const std::size_t element = i;
        i = skip_class<name_char>(s, i);
        if (i == element || (i != n && s[i] != '/')) {
            return Errc::bad_object_path;
        }
    }
    return Errc::ok;
}

Errc validate_interface(std::string_view s) noexcept
{
    if (s.size() > max_name_length || count_elements<alpha_, name_char>(s) < 2) {
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
    if (s.empty() || s.size() > max_name_length || !in_class(s[0], alpha_)) {
        return Errc::bad_member;
    }
    return skip_class<name_char>(s, 1) == s.size() ? Errc::ok : Errc::bad_member;
}

Errc validate_bus_name(std::string_view s) noexcept
{
    if (s.empty() || s.size() > max_name_length) {
        return Errc::bad_bus_name;
    }
    if (s[0] == ':') {
        // Unique names: elements may start with a digit.
        return count_elements<bus_char, bus_char>(s.substr(1)) >= 2 ? Errc::ok : Errc::bad_bus_name;
    }
    return count_elements<bus_first, bus_char>(s) >= 2 ? Errc::ok : Errc::bad_bus_name;
}

Errc validate_bus_namespace(std::string_view s) noexcept
{
    if (s.empty() || s.size() > max_name_length || s[0] == ':') {
        return Errc::bad_bus_name;
    }
    return count_elements<bus_first, bus_char>(s) >= 1 ? Errc::ok : Errc::bad_bus_name;
}

} // namespace afbus::dbus
