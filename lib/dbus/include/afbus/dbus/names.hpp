// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Validation of the strings the D-Bus specification gives a grammar to:
// UTF-8 text, object paths, interface, member, error and bus names, and type
// signatures. Each returns Errc::ok or the reason the string is invalid.
#ifndef AFBUS_DBUS_NAMES_HPP
#define AFBUS_DBUS_NAMES_HPP

#include <afbus/dbus/types.hpp>

#include <string_view>

namespace afbus::dbus {

// Well-formed UTF-8 (no overlong forms, surrogates or code points above
// U+10FFFF) without NUL: the rule for every D-Bus string.
Errc validate_utf8(std::string_view s) noexcept;

// "/" or "/elem/elem": elements of [A-Za-z0-9_], no empty element, no
// trailing slash.
Errc validate_object_path(std::string_view s) noexcept;

// At least two dot-separated elements of [A-Za-z_][A-Za-z0-9_]*, at most
// 255 bytes.
Errc validate_interface(std::string_view s) noexcept;

// One element of [A-Za-z_][A-Za-z0-9_]*, 1..255 bytes.
Errc validate_member(std::string_view s) noexcept;

// The grammar of interface names.
Errc validate_error_name(std::string_view s) noexcept;

// A unique name (":" then two or more elements of [A-Za-z0-9_-]) or a
// well-known name (two or more elements of [A-Za-z_-][A-Za-z0-9_-]*), at
// most 255 bytes.
Errc validate_bus_name(std::string_view s) noexcept;

// A well-known name prefix for arg0namespace: the bus name grammar, except
// that one element is enough (dbus-daemon accepts "com" as a namespace).
Errc validate_bus_namespace(std::string_view s) noexcept;

// The bus names of match rules (sender=, destination=, and with @prefix
// arg0namespace=) as dbus-daemon checks them, with libdbus's looser
// grammar: a unique name is ':' and dot-separated elements of
// [A-Za-z0-9_-] of which only the first may be empty (":", ":1" and ":.1"
// pass); a well-known name is as for validate_bus_name(), except that with
// @prefix one element is enough. At most 255 bytes.
Errc validate_match_bus_name(std::string_view s, bool prefix) noexcept;

// A sequence of complete types (possibly empty), at most 255 bytes, with at
// most 32 nested arrays and 32 nested structs (dict entries count as
// structs), dict entries only as array elements with a basic key.
Errc validate_signature(std::string_view s) noexcept;

// Exactly one complete type (the rule for a variant's signature).
Errc validate_single_type(std::string_view s) noexcept;

// The element type of an array: one complete type or a dict entry
// ("{sv}"), such that "a" + @s is a valid single type.
Errc validate_array_element(std::string_view s) noexcept;

// The length of the complete type that starts at @s[0]; @s must be valid.
std::size_t complete_type_length(std::string_view s) noexcept;

// True for the basic type codes y b n q i u x t d h s o g.
bool is_basic_type(char c) noexcept;

// The alignment of values of type code @c (1, 2, 4 or 8).
std::size_t type_alignment(char c) noexcept;

} // namespace afbus::dbus

#endif // AFBUS_DBUS_NAMES_HPP
