// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The type signature grammar: complete types, nesting limits, alignment.
#include <afbus/dbus/names.hpp>

#include <algorithm>
#include <array>
#include <cstdint>

namespace afbus::dbus {

namespace {

// Type codes by what they are, looked up in a table: signatures are
// checked for every message built and parsed.
enum : std::uint8_t {
    basic = 1,  // y b n q i u x t d h s o g
    variant = 2, // v
};

constexpr std::array<std::uint8_t, 256> code_classes = [] {
    std::array<std::uint8_t, 256> t{};
    for (const char c : std::string_view{"ybnqiuxtdhsog"}) {
        t.at(static_cast<unsigned char>(c)) = basic;
    }
    t.at('v') = variant;
    return t;
}();

constexpr unsigned code_class(char c) noexcept
{
    // at(): an unsigned char index is always in range, so no check is emitted.
    return code_classes.at(static_cast<unsigned char>(c));
}

} // namespace

bool is_basic_type(char c) noexcept
{
    return code_class(c) == basic;
}

std::size_t type_alignment(char c) noexcept
{
    switch (c) {
    case 'n': case 'q':
        return 2;
    case 'b': case 'i': case 'u': case 'h': case 's': case 'o': case 'a':
        return 4;
    case 'x': case 't': case 'd': case '(': case '{':
        return 8;
    default: // y g v
        return 1;
    }
}

namespace {

// Signatures made only of basic types and variants ("su", "sa{sv}" is not)
// are the common case: each code is then one complete type and the grammar
// walk below can be skipped.
bool all_single_codes(std::string_view s) noexcept
{
    return std::ranges::all_of(s, [](char c) { return code_class(c) != 0; });
}

Errc parse_type(std::string_view s, std::size_t &pos, unsigned arrays, unsigned structs) noexcept;

// Parses an array's element type at @s[pos] (a complete type or a dict
// entry); @arrays already counts the array.
// NOLINTNEXTLINE(misc-no-recursion): bounded by the 32 array / 32 struct limits
Errc parse_element(std::string_view s, std::size_t &pos, unsigned arrays, unsigned structs) noexcept
{
    if (arrays > max_array_depth) {
        return Errc::nested_too_deeply;
    }
    if (pos >= s.size() || s[pos] != '{') {
        return parse_type(s, pos, arrays, structs);
    }
    if (++structs > max_struct_depth) {
        return Errc::nested_too_deeply;
    }
    ++pos;
    if (pos >= s.size() || !is_basic_type(s[pos])) {
        return Errc::bad_signature;
    }
    ++pos;
    if (const Errc e = parse_type(s, pos, arrays, structs); e != Errc::ok) {
        return e;
    }
    if (pos >= s.size() || s[pos] != '}') {
        return Errc::bad_signature;
    }
    ++pos;
    return Errc::ok;
}

// Parses one complete type at @s[pos]; on success advances @pos past it.
// Recursion is bounded by the depth limits checked before each descent.
// NOLINTNEXTLINE(misc-no-recursion): bounded by the 32 array / 32 struct limits
Errc parse_type(std::string_view s, std::size_t &pos, unsigned arrays, unsigned structs) noexcept
{
    if (pos >= s.size()) {
        return Errc::bad_signature;
    }
    const char c = s[pos];
    if (is_basic_type(c) || c == 'v') {
        ++pos;
        return Errc::ok;
    }
    if (c == 'a') {
        ++pos;
        return parse_element(s, pos, arrays + 1, structs);
    }
    if (c == '(') {
        if (++structs > max_struct_depth) {
            return Errc::nested_too_deeply;
        }
        ++pos;
        if (pos < s.size() && s[pos] == ')') {
            return Errc::bad_signature; // empty structs are not allowed
        }
        while (pos < s.size() && s[pos] != ')') {
            if (const Errc e = parse_type(s, pos, arrays, structs); e != Errc::ok) {
                return e;
            }
        }
        if (pos >= s.size()) {
            return Errc::bad_signature;
        }
        ++pos;
        return Errc::ok;
    }
    return Errc::bad_signature; // stray ) { }, unknown codes, 'r' 'e' 'm' '*' '?' '@'
}

} // namespace

Errc validate_signature(std::string_view s) noexcept
{
    if (s.size() > max_signature_length) {
        return Errc::bad_signature;
    }
    if (all_single_codes(s)) {
        return Errc::ok;
    }
    std::size_t pos = 0;
    while (pos < s.size()) {
        if (const Errc e = parse_type(s, pos, 0, 0); e != Errc::ok) {
            return e;
        }
    }
    return Errc::ok;
}

Errc validate_single_type(std::string_view s) noexcept
{
    if (s.empty() || s.size() > max_signature_length) {
        return Errc::bad_signature;
    }
    if (s.size() == 1 && all_single_codes(s)) {
        return Errc::ok;
    }
    std::size_t pos = 0;
    if (const Errc e = parse_type(s, pos, 0, 0); e != Errc::ok) {
        return e;
    }
    return pos == s.size() ? Errc::ok : Errc::bad_signature;
}

Errc validate_array_element(std::string_view s) noexcept
{
    if (s.empty() || s.size() >= max_signature_length) {
        return Errc::bad_signature;
    }
    std::size_t pos = 0;
    if (const Errc e = parse_element(s, pos, 1, 0); e != Errc::ok) {
        return e;
    }
    return pos == s.size() ? Errc::ok : Errc::bad_signature;
}

std::size_t complete_type_length(std::string_view s) noexcept
{
    std::size_t pos = 0;
    int open = 0;
    while (pos < s.size()) {
        const char c = s[pos++];
        if (c == '(' || c == '{') {
            ++open;
        } else if (c == ')' || c == '}') {
            --open;
        }
        if (open == 0 && c != 'a') {
            break;
        }
    }
    return pos;
}

} // namespace afbus::dbus
