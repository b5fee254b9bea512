// SPDX-License-Identifier: LGPL-2.1-or-later
#include "rewrite.hpp"

namespace afbus::detail {
namespace {

using dbus::Errc;
using dbus::Reader;
using dbus::Writer;

// Copies one basic value; false if @type is not basic.
template <typename Get, typename Put>
Errc copy_basic(Get get, Put put)
{
    auto v = get();
    if (!v) {
        return v.error();
    }
    put(*v);
    return Errc::ok;
}

// The three functions below recurse once per container level: at most
// dbus::max_total_depth (64) deep, since the message was validated.
Errc copy_values(Reader &r, Writer &w); // NOLINT(misc-no-recursion)

Errc copy_container(Reader &r, Writer &w, char type) // NOLINT(misc-no-recursion): see above
{
    std::expected<Reader, Errc> child;
    switch (type) {
    case 'a': {
        const std::string_view sig = r.peek_signature();
        child = r.enter_array();
        if (!child) {
            return child.error();
        }
        w.open_array(sig.substr(1));
        const Errc e = copy_values(*child, w);
        w.close_array();
        return e; // the parent is already past an array
    }
    case '(':
        child = r.enter_struct();
        if (child) {
            w.open_struct();
        }
        break;
    case '{':
        child = r.enter_dict_entry();
        if (child) {
            w.open_dict_entry();
        }
        break;
    default: // 'v'
        child = r.enter_variant();
        if (child) {
            w.open_variant(child->peek_signature());
        }
        break;
    }
    if (!child) {
        return child.error();
    }
    const Errc e = copy_values(*child, w);
    w.close_container();
    r.leave(*child);
    return e;
}

Errc copy_one(Reader &r, Writer &w, char type) // NOLINT(misc-no-recursion): see above
{
    switch (type) {
    case 'y': return copy_basic([&] { return r.get_byte(); }, [&](auto v) { w.put_byte(v); });
    case 'b': return copy_basic([&] { return r.get_bool(); }, [&](auto v) { w.put_bool(v); });
    case 'n': return copy_basic([&] { return r.get_int16(); }, [&](auto v) { w.put_int16(v); });
    case 'q': return copy_basic([&] { return r.get_uint16(); }, [&](auto v) { w.put_uint16(v); });
    case 'i': return copy_basic([&] { return r.get_int32(); }, [&](auto v) { w.put_int32(v); });
    case 'u': return copy_basic([&] { return r.get_uint32(); }, [&](auto v) { w.put_uint32(v); });
    case 'x': return copy_basic([&] { return r.get_int64(); }, [&](auto v) { w.put_int64(v); });
    case 't': return copy_basic([&] { return r.get_uint64(); }, [&](auto v) { w.put_uint64(v); });
    case 'd': return copy_basic([&] { return r.get_double(); }, [&](auto v) { w.put_double(v); });
    case 'h': return copy_basic([&] { return r.get_unix_fd(); }, [&](auto v) { w.put_unix_fd(v); });
    case 's': return copy_basic([&] { return r.get_string(); }, [&](auto v) { w.put_string(v); });
    case 'o': return copy_basic([&] { return r.get_object_path(); }, [&](auto v) { w.put_object_path(v); });
    case 'g': return copy_basic([&] { return r.get_signature(); }, [&](auto v) { w.put_signature(v); });
    default: return copy_container(r, w, type);
    }
}

Errc copy_values(Reader &r, Writer &w) // NOLINT(misc-no-recursion): see above
{
    for (char type = r.peek_type(); type != '\0'; type = r.peek_type()) {
        if (const Errc e = copy_one(r, w, type); e != Errc::ok) {
            return e;
        }
    }
    return w.error();
}

} // namespace

std::expected<std::vector<std::byte>, Errc> with_sender(const dbus::Message &msg, std::string_view sender)
{
    Writer body{msg.order};
    Reader r = msg.reader();
    if (const Errc e = copy_values(r, body); e != Errc::ok) {
        return std::unexpected{e};
    }
    dbus::Header h = msg.header;
    h.sender = sender;
    return dbus::build_message(h, body);
}

} // namespace afbus::detail
