// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Messages: the fixed header, the header fields, and the body.
//
// Parsing is zero copy: a Message views the caller's buffer (which must
// stay alive and unchanged) and has been validated completely, header and
// body, as dbus-daemon validates what it receives. Building marshals a
// Header and a Writer's body into one contiguous buffer.
//
// Framing a byte stream (what a Connection does):
//
//     auto total = message_size(first_16_bytes);   // needs 16 bytes
//     ... read until `*total` bytes are buffered ...
//     auto msg = parse_message({buf, *total});
#ifndef AFBUS_DBUS_MESSAGE_HPP
#define AFBUS_DBUS_MESSAGE_HPP

#include <afbus/dbus/reader.hpp>
#include <afbus/dbus/types.hpp>
#include <afbus/dbus/writer.hpp>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string_view>
#include <vector>

namespace afbus::dbus {

// The header of a message. Absent string fields are empty; absent
// reply_serial is 0 (a real one never is); absent unix_fds is 0.
struct Header {
    MessageType type = MessageType::invalid;
    std::uint8_t flags = 0;
    std::uint32_t serial = 0;
    std::string_view path;
    std::string_view interface;
    std::string_view member;
    std::string_view error_name;
    std::string_view destination;
    std::string_view sender;
    std::string_view signature; // set by parsing; building takes the Writer's
    std::uint32_t reply_serial = 0;
    std::uint32_t unix_fds = 0;
};

// A validated message, viewing the buffer it was parsed from.
struct Message {
    ByteOrder order = native_order;
    Header header;
    std::span<const std::byte> body;
    std::span<const std::byte> bytes; // the whole message

    // A reader over the body.
    [[nodiscard]] Reader reader() const noexcept;
};

// The total size of the message whose first 16 bytes are @prefix (fixed
// header and the header-fields array length), checked against the 128 MiB
// and 64 MiB limits; Errc::truncated if @prefix is shorter than 16 bytes.
std::expected<std::size_t, Errc> message_size(std::span<const std::byte> prefix) noexcept;

// Parses and validates exactly one message occupying all of @bytes.
std::expected<Message, Errc> parse_message(std::span<const std::byte> bytes) noexcept;

// Checks @h as a message to send would be checked: names, required fields
// for its type, non-zero serials, nothing reserved for the local interface.
Errc validate_header(const Header &h) noexcept;

// Builds a message from @h and the finished body @body into @out (replacing
// its contents, keeping its capacity). The byte order is the writer's; the
// SIGNATURE field is the writer's signature. h.signature is ignored.
Errc build_message(std::vector<std::byte> &out, const Header &h, const Writer &body) noexcept;

// Builds a message from @h and a body already marshalled in @order whose
// signature is h.signature: how a bus forwards a parsed message with a new
// header (SENDER stamped, unknown fields dropped). The header is validated;
// the body is copied as it is, so it must be one that parse_message()
// accepted with that signature, order and h.unix_fds.
Errc build_message(std::vector<std::byte> &out, const Header &h, ByteOrder order,
                   std::span<const std::byte> body) noexcept;

// Builds a message from @h and the finished body @body with one copy fewer
// than build_message(): the header is written into the room @body keeps in
// front of its body (see Writer), so the body stays where it was marshalled.
// Returns the whole message, a view into @body valid until @body is next
// changed; @body.data() still views the body alone, so the message can be
// built again (another serial, another destination). The byte order and
// SIGNATURE are the writer's, as for build_message(). If the header is
// larger than the room, the body moves once and the writer keeps the larger
// room for its next bodies.
std::expected<std::span<std::byte>, Errc> build_message_in_place(const Header &h, Writer &body) noexcept;

// build_message() into a new buffer.
std::expected<std::vector<std::byte>, Errc> build_message(const Header &h, const Writer &body) noexcept;

// Rewrites the serial of the built message @msg in place: a Connection
// assigns serials when it sends. @serial must not be 0.
Errc set_serial(std::span<std::byte> msg, std::uint32_t serial) noexcept;

} // namespace afbus::dbus

#endif // AFBUS_DBUS_MESSAGE_HPP
