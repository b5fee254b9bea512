// SPDX-License-Identifier: LGPL-2.1-or-later
//
// build_message(): the header marshalled as "yyyyuua(yv)", padding, body.
#include <afbus/dbus/message.hpp>

#include "wire.hpp"

namespace afbus::dbus {

namespace {

void put_field(Writer &w, FieldCode code, char type, std::string_view text, std::uint32_t number) noexcept
{
    w.open_struct();
    w.put_byte(static_cast<std::uint8_t>(code));
    w.open_variant({&type, 1});
    switch (type) {
    case 'o': w.put_object_path(text); break;
    case 's': w.put_string(text); break;
    case 'g': w.put_signature(text); break;
    default: w.put_uint32(number); break;
    }
    w.close_variant();
    w.close_struct();
}

} // namespace

Errc build_message(std::vector<std::byte> &out, const Header &h, const Writer &body) noexcept
{
    if (const Errc e = body.finish(); e != Errc::ok) {
        return e;
    }
    Header checked = h;
    checked.signature = body.signature();
    if (const Errc e = validate_header(checked); e != Errc::ok) {
        return e;
    }
    // One header writer per thread, reused: building allocates nothing once
    // it has grown to its working size.
    thread_local Writer header{native_order};
    header.reset(body.order());
    header.put_byte(static_cast<std::uint8_t>(body.order()));
    header.put_byte(static_cast<std::uint8_t>(h.type));
    header.put_byte(h.flags);
    header.put_byte(1); // protocol version
    header.put_uint32(static_cast<std::uint32_t>(body.data().size()));
    header.put_uint32(h.serial);
    header.open_array("(yv)");
    const struct {
        FieldCode code;
        char type;
        std::string_view text;
    } strings[] = {
        {FieldCode::path, 'o', h.path},
        {FieldCode::interface, 's', h.interface},
        {FieldCode::member, 's', h.member},
        {FieldCode::error_name, 's', h.error_name},
        {FieldCode::destination, 's', h.destination},
        {FieldCode::sender, 's', h.sender},
        {FieldCode::signature, 'g', checked.signature},
    };
    for (const auto &f : strings) {
        if (!f.text.empty()) {
            put_field(header, f.code, f.type, f.text, 0);
        }
    }
    if (h.reply_serial != 0) {
        put_field(header, FieldCode::reply_serial, 'u', {}, h.reply_serial);
    }
    if (h.unix_fds != 0) {
        put_field(header, FieldCode::unix_fds, 'u', {}, h.unix_fds);
    }
    header.close_array();
    if (const Errc e = header.finish(); e != Errc::ok) {
        return e;
    }
    const std::size_t head = detail::align_up(header.data().size(), 8);
    if (body.data().size() > max_message_size - head) {
        return Errc::too_large;
    }
    out.resize(head + body.data().size());
    std::memcpy(out.data(), header.data().data(), header.data().size());
    std::memset(out.data() + header.data().size(), 0, head - header.data().size());
    if (!body.data().empty()) {
        std::memcpy(out.data() + head, body.data().data(), body.data().size());
    }
    return Errc::ok;
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
