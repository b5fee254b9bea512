// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The name grammars of the D-Bus specification ("Valid names").
#include <afbus/dbus/names.hpp>

#include <array>
#include <cstdint>

namespace afbus::dbus {

namespace {

// Character classes of the name grammars, one bit each, looked up in a
// table: the validators run on every header field of every message, built
// and parsed, so they are on the hot path.
enum : std::uint8_t {
    alpha_ = 1, // A-Z a-z _
    digit = 2,  // 0-9
    hyphen = 4, // -
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
    return t;
}();

constexpr bool in_class(char c, unsigned classes) noexcept
{
    // at(): an unsigned char index is always in range, so no check is emitted.
    return (char_classes.at(static_cast<unsigned char>(c)) & classes) != 0;
}

// Dot-separated elements; @first and @rest are the classes of the
// characters that may start an element and that may follow. Returns the
// element count, or -1 if an element is empty or holds a character it may
// not.
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
        ++i;
        while (i != n && in_class(s[i], rest)) {
            ++i;
        }
        if (i == n) {
            return elements;
        }
        if (s[i] != '.') {
            return -1;
        }
        ++i;
    }
}

constexpr unsigned name_char = alpha_ | digit;
constexpr unsigned bus_first = alpha_ | hyphen;
constexpr unsigned bus_rest = alpha_ | digit | hyphen;

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
        while (i != n && in_class(s[i], name_char)) {
            ++i;
        }
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
    for (const char c : s) {
        if (!in_class(c, name_char)) {
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
        return count_elements<bus_rest, bus_rest>(s.substr(1)) >= 2 ? Errc::ok : Errc::bad_bus_name;
    }
    return count_elements<bus_first, bus_rest>(s) >= 2 ? Errc::ok : Errc::bad_bus_name;
}

Errc validate_bus_namespace(std::string_view s) noexcept
{
    if (s.empty() || s.size() > max_name_length || s[0] == ':') {
        return Errc::bad_bus_name;
    }
    return count_elements<bus_first, bus_rest>(s) >= 1 ? Errc::ok : Errc::bad_bus_name;
}

Errc validate_match_bus_name(std::string_view s, bool prefix) noexcept
{
    if (s.empty() || s.size() > max_name_length) {
        return Errc::bad_bus_name;
    }
    if (s[0] == ':') {
        // libdbus: every '.' is followed by a name character, and that is
        // all, so ":" and ":.1" pass and ":1.", ":1..2" do not.
        std::string_view rest = s.substr(1);
        if (rest.empty()) {
            return Errc::ok;
        }
        if (rest[0] == '.') {
            rest.remove_prefix(1);
        }
        return count_elements<bus_rest, bus_rest>(rest) >= 1 ? Errc::ok : Errc::bad_bus_name;
    }
    return count_elements<bus_first, bus_rest>(s) >= (prefix ? 1 : 2) ? Errc::ok : Errc::bad_bus_name;
}

} // namespace afbus::dbus
