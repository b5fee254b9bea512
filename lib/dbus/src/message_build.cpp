// SPDX-License-Identifier: LGPL-2.1-or-later
//
// build_message(): the header ("yyyyuua(yv)"), padding, body.
#include <afbus/dbus/message.hpp>

#include "validate.hpp"
#include "wire.hpp"

namespace afbus::dbus {

namespace {

// One header field to write: its code, type ('o' 's' 'g' 'u') and value.
struct Field {
    FieldCode code;
    char type;
    std::string_view text;
    std::uint32_t number;
};

// Calls @f with each field of @h that is present, in code order (the order
// dbus-daemon writes them in), with @signature as the SIGNATURE.
template <typename F> void for_each_field(const Header &h, std::string_view signature, F &&f) noexcept
{
    const auto text = [&f](FieldCode code, char type, std::string_view v) {
        if (!v.empty()) {
            f(Field{code, type, v, 0});
        }
    };
    const auto number = [&f](FieldCode code, std::uint32_t v) {
        if (v != 0) {
            f(Field{code, 'u', {}, v});
        }
    };
    text(FieldCode::path, 'o', h.path);
    text(FieldCode::interface, 's', h.interface);
    text(FieldCode::member, 's', h.member);
    text(FieldCode::error_name, 's', h.error_name);
    number(FieldCode::reply_serial, h.reply_serial);
    text(FieldCode::destination, 's', h.destination);
    text(FieldCode::sender, 's', h.sender);
    text(FieldCode::signature, 'g', signature);
    number(FieldCode::unix_fds, h.unix_fds);
}

// The bytes of @f from an 8-aligned offset: code, signature "x" as one
// length byte, the code and a NUL, then the value, which needs no padding
// (its offset is then 4 mod 8).
std::size_t field_size(const Field &f) noexcept
{
    switch (f.type) {
    case 'u': return 4 + 4;
    case 'g': return 4 + 1 + f.text.size() + 1;
    default: return 4 + 4 + f.text.size() + 1;
    }
}

// Writes @f at the 8-aligned @p, and the zero padding up to the next
// 8-aligned offset, which it returns.
std::byte *put_field(std::byte *p, const Field &f, bool swap) noexcept
{
    std::byte *const next = p + detail::align_up(field_size(f), 8);
    // Every field is at least 7 bytes, so its last 8-byte word is its own:
    // zero it first (the padding, in one store), then write the field.
    detail::store(next - 8, std::uint64_t{0}, false);
    p[0] = static_cast<std::byte>(f.code);
    p[1] = std::byte{1};
    p[2] = static_cast<std::byte>(f.type);
    p[3] = std::byte{0};
    p += 4;
    if (f.type == 'u') {
        detail::store(p, f.number, swap);
        return next;
    }
    if (f.type == 'g') {
        *p++ = static_cast<std::byte>(f.text.size());
    } else {
        detail::store(p, static_cast<std::uint32_t>(f.text.size()), swap);
        p += 4;
    }
    std::memcpy(p, f.text.data(), f.text.size());
    p[f.text.size()] = std::byte{0};
    return next;
}

// The header is written directly, not through a Writer: validate_header()
// has checked every name, and the layout of "yyyyuua(yv)" with one-letter
// variant signatures is fixed. @signature is the body's (h.signature is not
// used). Returns the header's size (padding included, a multiple of 8) in
// @head.
Errc plan_header(const Header &h, std::string_view signature, std::size_t body_size, std::size_t &head) noexcept
{
    if (const Errc e = detail::validate_header_except(h, signature, 0); e != Errc::ok) {
        return e;
    }
    head = fixed_header_size;
    for_each_field(h, signature, [&head](const Field &f) { head = detail::align_up(head, 8) + field_size(f); });
    head = detail::align_up(head, 8);
    return body_size > max_message_size - head ? Errc::too_large : Errc::ok;
}

// Writes the header of @h and @signature at @base: the size plan_header()
// gave.
void write_header(std::byte *base, const Header &h, std::string_view signature, ByteOrder order,
                  std::size_t body_size) noexcept
{
    const bool swap = detail::is_swapped(order);
    base[0] = static_cast<std::byte>(order);
    base[1] = static_cast<std::byte>(h.type);
    base[2] = static_cast<std::byte>(h.flags);
    base[3] = std::byte{1}; // protocol version
    detail::store(base + 4, static_cast<std::uint32_t>(body_size), swap);
    detail::store(base + 8, h.serial, swap);
    std::byte *p = base + fixed_header_size;
    std::byte *last = p; // the end of the last field, before its padding
    for_each_field(h, signature, [&](const Field &f) {
        p = base + detail::align_up(static_cast<std::size_t>(p - base), 8);
        last = p + field_size(f);
        p = put_field(p, f, swap);
    });
    // The array's length excludes the padding after its last element.
    detail::store(base + 12, static_cast<std::uint32_t>(last - base - fixed_header_size), swap);
}

Errc build_checked(std::vector<std::byte> &out, const Header &h, std::string_view signature, ByteOrder order,
                   std::span<const std::byte> body) noexcept
{
    std::size_t head = 0;
    if (const Errc e = plan_header(h, signature, body.size(), head); e != Errc::ok) {
        return e;
    }
    out.resize(head + body.size());
    write_header(out.data(), h, signature, order, body.size());
    if (!body.empty()) {
        std::memcpy(out.data() + head, body.data(), body.size());
    }
    return Errc::ok;
}

} // namespace

Errc build_message(std::vector<std::byte> &out, const Header &h, const Writer &body) noexcept
{
    if (const Errc e = body.finish(); e != Errc::ok) {
        return e;
    }
    return build_checked(out, h, body.signature(), body.order(), body.data());
}

Errc build_message(std::vector<std::byte> &out, const Header &h, ByteOrder order,
                   std::span<const std::byte> body) noexcept
{
    return build_checked(out, h, h.signature, order, body);
}

std::expected<std::span<std::byte>, Errc> build_message_in_place(const Header &h, Writer &body) noexcept
{
    if (const Errc e = body.finish(); e != Errc::ok) {
        return std::unexpected{e};
    }
    const std::size_t body_size = body.data().size();
    std::size_t head = 0;
    if (const Errc e = plan_header(h, body.signature(), body_size, head); e != Errc::ok) {
        return std::unexpected{e};
    }
    std::byte *const start = body.header_space(head).data();
    write_header(start, h, body.signature(), body.order(), body_size);
    return std::span<std::byte>{start, head + body_size};
}

std::expected<std::vector<std::byte>, Errc> build_message(const Header &h, const Writer &body) noexcept
{
    std::vector<std::byte> out;
    if (const Errc e = build_message(out, h, body); e != Errc::ok) {
        return std::unexpected{e};
    }
    return out;
}

Errc set_serial(std::span<std::byte> msg, std::uint32_t serial) noexcept
{
    if (serial == 0) {
        return Errc::bad_serial;
    }
    if (msg.size() < fixed_header_size) {
        return Errc::truncated;
    }
    const auto order = static_cast<ByteOrder>(msg[0]);
    if (order != ByteOrder::little && order != ByteOrder::big) {
        return Errc::bad_byte_order;
    }
    detail::store(msg.data() + 8, serial, detail::is_swapped(order));
    return Errc::ok;
}

} // namespace afbus::dbus
