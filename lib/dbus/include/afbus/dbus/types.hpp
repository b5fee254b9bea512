// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The D-Bus wire vocabulary shared by every part of afbus::dbus: byte
// orders, message types and flags, header field codes, the specification's
// limits, and the library's error codes.
#ifndef AFBUS_DBUS_TYPES_HPP
#define AFBUS_DBUS_TYPES_HPP

#include <cstddef>
#include <cstdint>
#include <system_error>

namespace afbus::dbus {

// The first byte of every message.
enum class ByteOrder : std::uint8_t { little = 'l', big = 'B' };

// The byte order of this machine: what writers use unless told otherwise.
inline constexpr ByteOrder native_order = ByteOrder::little;
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "big-endian hosts: set native_order");

enum class MessageType : std::uint8_t {
    invalid = 0,
    method_call = 1,
    method_return = 2,
    error = 3,
    signal = 4,
};

// Bits of the fixed header's flags byte.
inline constexpr std::uint8_t flag_no_reply_expected = 0x1;
inline constexpr std::uint8_t flag_no_auto_start = 0x2;
inline constexpr std::uint8_t flag_allow_interactive_authorization = 0x4;

// Header field codes (the y of a(yv)).
enum class FieldCode : std::uint8_t {
    invalid = 0,
    path = 1,
    interface = 2,
    member = 3,
    error_name = 4,
    reply_serial = 5,
    destination = 6,
    sender = 7,
    signature = 8,
    unix_fds = 9,
};

// Limits from the specification (and dbus-daemon, which enforces them).
inline constexpr std::size_t max_message_size = std::size_t{1} << 27; // 128 MiB
inline constexpr std::size_t max_array_size = std::size_t{1} << 26;   // 64 MiB
inline constexpr std::size_t max_name_length = 255;
inline constexpr std::size_t max_signature_length = 255;
inline constexpr unsigned max_array_depth = 32;
inline constexpr unsigned max_struct_depth = 32;
// Value nesting across variants (not visible in any one signature), as
// dbus-daemon limits it: arrays, structs, dict entries and variants count.
inline constexpr unsigned max_total_depth = 64;
inline constexpr std::size_t fixed_header_size = 16; // 12 bytes + fields array length

// Why something was refused. Each has a message in error_category(), and
// to_errno() maps it to the -errno of the C API.
enum class Errc {
    ok = 0,
    truncated,             // need more bytes than there are
    too_large,             // a message over 128 MiB or an array over 64 MiB
    bad_byte_order,        // first byte neither 'l' nor 'B'
    bad_version,           // protocol version not 1
    bad_message_type,      // type 0
    bad_serial,            // serial or reply serial 0
    bad_padding,           // non-zero alignment padding
    bad_boolean,           // a boolean neither 0 nor 1
    bad_utf8,              // a string that is not UTF-8 or holds a NUL
    bad_string,            // a string not terminated by NUL
    bad_signature,         // signature grammar
    nested_too_deeply,     // 32 arrays, 32 structs, 64 in all
    bad_object_path,
    bad_interface,
    bad_member,
    bad_error_name,
    bad_bus_name,
    bad_header_field,      // a known field with the wrong type, or twice
    missing_header_field,  // a field required by the message type
    body_mismatch,         // body length and signature disagree
    bad_array_length,      // array length not a multiple / past its end
    bad_unix_fd,           // fd index beyond the UNIX_FDS header field
    local_reserved,        // org.freedesktop.DBus.Local on the wire
    type_mismatch,         // API misuse: the value is not of the type asked
    bad_state,             // API misuse: unbalanced containers, etc.
    bad_match_rule,
    bad_address,
    no_memory,
};

// The std::error_category of Errc.
const std::error_category &error_category() noexcept;

// Errc as std::error_code.
std::error_code make_error_code(Errc e) noexcept;

// The negative errno value the C API returns for @e (e.g. -EBADMSG).
int to_errno(Errc e) noexcept;

} // namespace afbus::dbus

template <> struct std::is_error_code_enum<afbus::dbus::Errc> : std::true_type {};

#endif // AFBUS_DBUS_TYPES_HPP
