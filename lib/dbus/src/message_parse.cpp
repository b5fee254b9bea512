// SPDX-License-Identifier: LGPL-2.1-or-later
//
// parse_message(): the fixed header, the header fields a(yv), required
// fields per type, then the body.
#include <afbus/dbus/message.hpp>
#include <afbus/dbus/names.hpp>

#include "validate.hpp"
#include "wire.hpp"

namespace afbus::dbus {

using detail::align_up;

Reader Message::reader() const noexcept
{
    // parse_message() validated the body: no second pass.
    return Reader{body.data(), 0, body.size(), header.signature, detail::is_swapped(order), false};
}

std::expected<std::size_t, Errc> message_size(std::span<const std::byte> prefix) noexcept
{
    if (prefix.size() < fixed_header_size) {
        return std::unexpected{Errc::truncated};
    }
    const auto order = static_cast<ByteOrder>(prefix[0]);
    if (order != ByteOrder::little && order != ByteOrder::big) {
        return std::unexpected{Errc::bad_byte_order};
    }
    const bool swap = detail::is_swapped(order);
    const std::size_t body = detail::load<std::uint32_t>(prefix.data() + 4, swap);
    const std::size_t fields = detail::load<std::uint32_t>(prefix.data() + 12, swap);
    if (fields > max_array_size || body > max_message_size) {
        return std::unexpected{Errc::too_large};
    }
    const std::size_t total = align_up(fixed_header_size + fields, 8) + body;
    if (total > max_message_size) {
        return std::unexpected{Errc::too_large};
    }
    return total;
}

namespace {

// The type each known header field must have, '\0' for unknown codes.
char field_type(std::uint8_t code) noexcept
{
    switch (static_cast<FieldCode>(code)) {
    case FieldCode::path: return 'o';
    case FieldCode::interface:
    case FieldCode::member:
    case FieldCode::error_name:
    case FieldCode::destination:
    case FieldCode::sender: return 's';
    case FieldCode::reply_serial:
    case FieldCode::unix_fds: return 'u';
    case FieldCode::signature: return 'g';
    default: return '\0';
    }
}

// Stores a known field's value in @h.
void store_field(Header &h, FieldCode code, std::string_view text, std::uint32_t number) noexcept
{
    switch (code) {
    case FieldCode::path: h.path = text; break;
    case FieldCode::interface: h.interface = text; break;
    case FieldCode::member: h.member = text; break;
    case FieldCode::error_name: h.error_name = text; break;
    case FieldCode::destination: h.destination = text; break;
    case FieldCode::sender: h.sender = text; break;
    case FieldCode::signature: h.signature = text; break;
    case FieldCode::reply_serial: h.reply_serial = number; break;
    case FieldCode::unix_fds: h.unix_fds = number; break;
    default: break;
    }
}

// The name grammar of a known string field.
Errc check_field_name(FieldCode code, std::string_view text) noexcept
{
    switch (code) {
    case FieldCode::interface: return validate_interface(text);
    case FieldCode::member: return validate_member(text);
    case FieldCode::error_name: return validate_error_name(text);
    default: return validate_bus_name(text); // destination, sender
    }
}

// The header fields array: 16..@end of @bytes.
// @seen gets a bit (1 << code) for each known field present, @checked one for
// each whose value validate_header() need not check again.
Errc parse_fields(const detail::Validator &v, std::size_t end, Header &h, unsigned &seen, unsigned &checked) noexcept
{
    std::size_t pos = fixed_header_size;
    while (pos < end) {
        if (const Errc e = v.skip_padding(pos, 8, end); e != Errc::ok) {
            return e;
        }
        if (pos >= end) {
            return Errc::truncated;
        }
        const auto code = std::to_integer<std::uint8_t>(v.data[pos++]);
        const char want = field_type(code);
        std::string_view sig;
        if (want != '\0' && end - pos >= 3 && v.data[pos] == std::byte{1} &&
            std::to_integer<char>(v.data[pos + 1]) == want && v.data[pos + 2] == std::byte{0}) {
            // The usual case, a known field with its one-letter signature:
            // what single_type() would accept, without the calls.
            sig = {reinterpret_cast<const char *>(v.data + pos + 1), 1};
            pos += 3;
        } else if (const Errc e = v.single_type(pos, end, sig); e != Errc::ok) {
            return e;
        }
        if (code == 0) {
            return Errc::bad_header_field;
        }
        if (want == '\0') {
            // Unknown fields are ignored, but must still be valid values.
            std::size_t si = 0;
            if (const Errc e = v.value(sig, si, pos, end, 2); e != Errc::ok) {
                return e;
            }
            continue;
        }
        if (sig.size() != 1 || sig[0] != want || (seen & (1U << code)) != 0) {
            return Errc::bad_header_field;
        }
        seen |= 1U << code;
        std::string_view text;
        std::uint32_t number = 0;
        if (want == 's') {
            if (const Errc e = v.string_frame(want, pos, end, text); e != Errc::ok) {
                return e;
            }
            // A valid name is valid UTF-8 (it is ASCII without NUL): check the
            // name now, once, and UTF-8 only if the name is bad, so that the
            // error is the one the two separate checks would give.
            if (check_field_name(static_cast<FieldCode>(code), text) == Errc::ok) {
                checked |= 1U << code;
            } else if (const Errc e = validate_utf8(text); e != Errc::ok) {
                return e;
            }
        } else if (want == 'u') {
            if (const Errc e = v.skip_padding(pos, 4, end); e != Errc::ok) {
                return e;
            }
            if (end - pos < 4) {
                return Errc::truncated;
            }
            number = detail::load<std::uint32_t>(v.data + pos, v.swap);
            pos += 4;
        } else if (const Errc e = v.string_like(want, pos, end, text); e != Errc::ok) {
            return e;
        } else {
            checked |= 1U << code; // 'o' and 'g' were checked by string_like()
        }
        store_field(h, static_cast<FieldCode>(code), text, number);
    }
    return Errc::ok;
}

} // namespace

Errc detail::validate_header_except(const Header &h, std::string_view signature, unsigned checked) noexcept
{
    if (h.type == MessageType::invalid) {
        return Errc::bad_message_type;
    }
    if (h.serial == 0) {
        return Errc::bad_serial;
    }
    const bool has_path = !h.path.empty();
    const bool has_interface = !h.interface.empty();
    const bool has_member = !h.member.empty();
    const bool has_error = !h.error_name.empty();
    const auto bit = [](FieldCode code) { return 1U << static_cast<unsigned>(code); };
    // The names present that parse_fields() has not checked yet (the
    // signature even when absent: an empty one is valid and cheap).
    const unsigned present = (has_path ? bit(FieldCode::path) : 0U) |
                             (has_interface ? bit(FieldCode::interface) : 0U) |
                             (has_member ? bit(FieldCode::member) : 0U) |
                             (has_error ? bit(FieldCode::error_name) : 0U) |
                             (!h.destination.empty() ? bit(FieldCode::destination) : 0U) |
                             (!h.sender.empty() ? bit(FieldCode::sender) : 0U) | bit(FieldCode::signature);
    if (const unsigned todo = present & ~checked; todo != 0) {
        const auto check = [todo, &bit](FieldCode code, Errc (*validate)(std::string_view) noexcept,
                                        std::string_view s) {
            return (todo & bit(code)) != 0 ? validate(s) : Errc::ok;
        };
        for (const Errc e : {check(FieldCode::path, validate_object_path, h.path),
                             check(FieldCode::interface, validate_interface, h.interface),
                             check(FieldCode::member, validate_member, h.member),
                             check(FieldCode::error_name, validate_error_name, h.error_name),
                             check(FieldCode::destination, validate_bus_name, h.destination),
                             check(FieldCode::sender, validate_bus_name, h.sender),
                             check(FieldCode::signature, validate_signature, signature)}) {
            if (e != Errc::ok) {
                return e;
            }
        }
    }
    // dbus-daemon refuses the local interface and path on the wire: they
    // are reserved for messages a library synthesizes for itself.
    if (h.path == "/org/freedesktop/DBus/Local" || h.interface == "org.freedesktop.DBus.Local") {
        return Errc::local_reserved;
    }
    switch (h.type) {
    case MessageType::method_call:
        return has_path && has_member ? Errc::ok : Errc::missing_header_field;
    case MessageType::signal:
        return has_path && has_interface && has_member ? Errc::ok : Errc::missing_header_field;
    case MessageType::error:
        if (!has_error) {
            return Errc::missing_header_field;
        }
        [[fallthrough]];
    case MessageType::method_return:
        return h.reply_serial != 0 ? Errc::ok : Errc::missing_header_field;
    default:
        return Errc::ok; // unknown types: no required fields (the spec says ignore them)
    }
}

Errc validate_header(const Header &h) noexcept
{
    return detail::validate_header_except(h, h.signature, 0);
}

namespace {

// parse_message() into @m.
Errc parse_into(std::span<const std::byte> bytes, Message &m) noexcept
{
    const auto total = message_size(bytes);
    if (!total) {
        return total.error();
    }
    if (*total != bytes.size()) {
        return *total > bytes.size() ? Errc::truncated : Errc::body_mismatch;
    }
    m.bytes = bytes;
    m.order = static_cast<ByteOrder>(bytes[0]);
    const bool swap = detail::is_swapped(m.order);
    Header &h = m.header;
    h.type = static_cast<MessageType>(bytes[1]);
    h.flags = std::to_integer<std::uint8_t>(bytes[2]);
    if (bytes[3] != std::byte{1}) {
        return Errc::bad_version;
    }
    h.serial = detail::load<std::uint32_t>(bytes.data() + 8, swap);
    const std::size_t fields_end = fixed_header_size + detail::load<std::uint32_t>(bytes.data() + 12, swap);
    const std::size_t body_start = align_up(fields_end, 8);

    // The UNIX_FDS field bounds the body's 'h' values: fill it in first.
    const detail::Validator header_validator{bytes.data(), swap, 0};
    unsigned seen = 0;
    unsigned checked = 0;
    if (const Errc e = parse_fields(header_validator, fields_end, h, seen, checked); e != Errc::ok) {
        return e;
    }
    if ((seen & (1U << static_cast<unsigned>(FieldCode::reply_serial))) != 0 && h.reply_serial == 0) {
        return Errc::bad_serial;
    }
    if (!detail::all_zero(bytes.data() + fields_end, body_start - fields_end)) {
        return Errc::bad_padding;
    }
    if (const Errc e = detail::validate_header_except(h, h.signature, checked); e != Errc::ok) {
        return e;
    }
    m.body = bytes.subspan(body_start);
    // validate_header_except() has checked the signature (or parse_fields()).
    if (const Errc e = detail::validate_body_checked_signature(m.body, h.signature, m.order, h.unix_fds);
        e != Errc::ok) {
        return e;
    }
    return Errc::ok;
}

} // namespace

std::expected<Message, Errc> parse_message(std::span<const std::byte> bytes) noexcept
{
    // Built in place and returned by name: no copy of the Message.
    std::expected<Message, Errc> result{std::in_place};
    if (const Errc e = parse_into(bytes, *result); e != Errc::ok) {
        result = std::unexpected{e};
    }
    return result;
}

} // namespace afbus::dbus
