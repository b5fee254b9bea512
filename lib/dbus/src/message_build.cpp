// SPDX-License-Identifier: LGPL-2.1-or-later
//
// build_message(): the header ("yyyyuua(yv)"), padding, body.
#include <afbus/dbus/message.hpp>

#include "wire.hpp"

#include <array>

namespace afbus::dbus {

namespace {

// One header field to write: its code, type ('o' 's' 'g' 'u') and value.
struct Field {
    FieldCode code;
    char type;
    std::string_view text;
    std::uint32_t number;
};

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

std::byte *put_field(std::byte *p, const Field &f, bool swap) noexcept
{
    p[0] = static_cast<std::byte>(f.code);
    p[1] = std::byte{1};
    p[2] = static_cast<std::byte>(f.type);
    p[3] = std::byte{0};
    p += 4;
    if (f.type == 'u') {
        detail::store(p, f.number, swap);
        return p + 4;
    }
    if (f.type == 'g') {
        *p++ = static_cast<std::byte>(f.text.size());
    } else {
        detail::store(p, static_cast<std::uint32_t>(f.text.size()), swap);
        p += 4;
    }
    std::memcpy(p, f.text.data(), f.text.size());
    p += f.text.size();
    *p++ = std::byte{0};
    return p;
}

// A validated header laid out: its fields, where the fields array ends and
// where the body starts (8-aligned).
struct HeaderPlan {
    std::array<Field, 9> fields;
    std::size_t count = 0;
    std::size_t fields_end = fixed_header_size;
    std::size_t head = fixed_header_size;
};

// The header is written directly, not through a Writer: validate_header()
// has checked every name, and the layout of "yyyyuua(yv)" with one-letter
// variant signatures is fixed. @h.signature is the body's signature.
Errc plan_header(const Header &h, std::size_t body_size, HeaderPlan &plan) noexcept
{
    if (const Errc e = validate_header(h); e != Errc::ok) {
        return e;
    }
    const auto add = [&plan](FieldCode code, char type, std::string_view text, std::uint32_t number, bool present) {
        if (present) {
            plan.fields.at(plan.count++) = Field{code, type, text, number};
            plan.fields_end = detail::align_up(plan.fields_end, 8) + field_size(plan.fields.at(plan.count - 1));
        }
    };
    add(FieldCode::path, 'o', h.path, 0, !h.path.empty());
    add(FieldCode::interface, 's', h.interface, 0, !h.interface.empty());
    add(FieldCode::member, 's', h.member, 0, !h.member.empty());
    add(FieldCode::error_name, 's', h.error_name, 0, !h.error_name.empty());
    add(FieldCode::reply_serial, 'u', {}, h.reply_serial, h.reply_serial != 0);
    add(FieldCode::destination, 's', h.destination, 0, !h.destination.empty());
    add(FieldCode::sender, 's', h.sender, 0, !h.sender.empty());
    add(FieldCode::signature, 'g', h.signature, 0, !h.signature.empty());
    add(FieldCode::unix_fds, 'u', {}, h.unix_fds, h.unix_fds != 0);
    plan.head = detail::align_up(plan.fields_end, 8);
    return body_size > max_message_size - plan.head ? Errc::too_large : Errc::ok;
}

// Writes the header of @plan (plan.head bytes, padding included) at @base.
void write_header(std::byte *base, const HeaderPlan &plan, const Header &h, ByteOrder order,
                  std::size_t body_size) noexcept
{
    const bool swap = detail::is_swapped(order);
    base[0] = static_cast<std::byte>(order);
    base[1] = static_cast<std::byte>(h.type);
    base[2] = static_cast<std::byte>(h.flags);
    base[3] = std::byte{1}; // protocol version
    detail::store(base + 4, static_cast<std::uint32_t>(body_size), swap);
    detail::store(base + 8, h.serial, swap);
    detail::store(base + 12, static_cast<std::uint32_t>(plan.fields_end - fixed_header_size), swap);
    std::byte *p = base + fixed_header_size;
    for (std::size_t i = 0; i < plan.count; ++i) {
        std::byte *aligned = base + detail::align_up(static_cast<std::size_t>(p - base), 8);
        std::memset(p, 0, static_cast<std::size_t>(aligned - p));
        p = put_field(aligned, plan.fields.at(i), swap);
    }
    std::memset(p, 0, static_cast<std::size_t>(base + plan.head - p));
}

Errc build_checked(std::vector<std::byte> &out, const Header &h, ByteOrder order,
                   std::span<const std::byte> body) noexcept
{
    HeaderPlan plan;
    if (const Errc e = plan_header(h, body.size(), plan); e != Errc::ok) {
        return e;
    }
    out.resize(plan.head + body.size());
    write_header(out.data(), plan, h, order, body.size());
    if (!body.empty()) {
        std::memcpy(out.data() + plan.head, body.data(), body.size());
    }
    return Errc::ok;
}

} // namespace

Errc build_message(std::vector<std::byte> &out, const Header &h, const Writer &body) noexcept
{
    if (const Errc e = body.finish(); e != Errc::ok) {
        return e;
    }
    Header checked = h;
    checked.signature = body.signature();
    return build_checked(out, checked, body.order(), body.data());
}

Errc build_message(std::vector<std::byte> &out, const Header &h, ByteOrder order,
                   std::span<const std::byte> body) noexcept
{
    return build_checked(out, h, order, body);
}

std::expected<std::span<std::byte>, Errc> build_message_in_place(const Header &h, Writer &body) noexcept
{
    if (const Errc e = body.finish(); e != Errc::ok) {
        return std::unexpected{e};
    }
    Header checked = h;
    checked.signature = body.signature();
    const std::size_t body_size = body.data().size();
    HeaderPlan plan;
    if (const Errc e = plan_header(checked, body_size, plan); e != Errc::ok) {
        return std::unexpected{e};
    }
    const std::span<std::byte> head = body.header_space(plan.head);
    write_header(head.data(), plan, checked, body.order(), body_size);
    return std::span<std::byte>{head.data(), plan.head + body_size};
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
