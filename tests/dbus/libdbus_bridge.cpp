// SPDX-License-Identifier: LGPL-2.1-or-later
#include "libdbus_bridge.hpp"

#include <bit>
#include <cstring>
#include <dbus/dbus.h>

namespace afbus::dbus::testing {

namespace {

const char *c_str_or_null(const std::string &s)
{
    return s.empty() ? nullptr : s.c_str();
}

// NOLINTNEXTLINE(misc-no-recursion): one level per container; depth bounded by the nesting limit (64)
void append(DBusMessageIter *it, const Value &v)
{
    const char c = v.signature[0];
    switch (c) {
    case 's': case 'o': case 'g': {
        const char *p = v.text.c_str();
        dbus_message_iter_append_basic(it, c, static_cast<const void *>(&p));
        return;
    }
    case 'b': {
        const dbus_bool_t b = v.number != 0 ? TRUE : FALSE;
        dbus_message_iter_append_basic(it, c, &b);
        return;
    }
    case 'y': case 'n': case 'q': case 'i': case 'u': case 'x': case 't': case 'd': {
        // The low bytes of number hold the value (little-endian host).
        dbus_message_iter_append_basic(it, c, &v.number);
        return;
    }
    default:
        break;
    }
    DBusMessageIter sub;
    if (c == 'v') {
        dbus_message_iter_open_container(it, DBUS_TYPE_VARIANT, v.children[0].signature.c_str(), &sub);
    } else if (c == 'a') {
        dbus_message_iter_open_container(it, DBUS_TYPE_ARRAY, v.signature.c_str() + 1, &sub);
    } else {
        dbus_message_iter_open_container(it, c == '(' ? DBUS_TYPE_STRUCT : DBUS_TYPE_DICT_ENTRY, nullptr, &sub);
    }
    for (const auto &child : v.children) {
        append(&sub, child);
    }
    dbus_message_iter_close_container(it, &sub);
}

// NOLINTNEXTLINE(misc-no-recursion): one level per container; depth bounded by the nesting limit (64)
Value read(DBusMessageIter *it)
{
    Value v;
    char *sig = dbus_message_iter_get_signature(it);
    v.signature = sig;
    dbus_free(sig);
    const int type = dbus_message_iter_get_arg_type(it);
    switch (type) {
    case DBUS_TYPE_STRING: case DBUS_TYPE_OBJECT_PATH: case DBUS_TYPE_SIGNATURE: {
        const char *p = nullptr;
        dbus_message_iter_get_basic(it, static_cast<void *>(&p));
        v.text = p;
        return v;
    }
    case DBUS_TYPE_BOOLEAN: {
        dbus_bool_t b = FALSE;
        dbus_message_iter_get_basic(it, &b);
        v.number = b != FALSE ? 1 : 0;
        return v;
    }
    case DBUS_TYPE_ARRAY: case DBUS_TYPE_STRUCT: case DBUS_TYPE_DICT_ENTRY: case DBUS_TYPE_VARIANT: {
        DBusMessageIter sub;
        dbus_message_iter_recurse(it, &sub);
        while (dbus_message_iter_get_arg_type(&sub) != DBUS_TYPE_INVALID) {
            v.children.push_back(read(&sub));
            dbus_message_iter_next(&sub);
        }
        return v;
    }
    default: {
        DBusBasicValue basic;
        std::memset(&basic, 0, sizeof(basic));
        dbus_message_iter_get_basic(it, &basic);
        std::uint64_t n = 0;
        std::memcpy(&n, &basic, sizeof(n));
        const std::size_t size = type == 'y' ? 1 : (type == 'n' || type == 'q') ? 2 : (type == 'i' || type == 'u') ? 4 : 8;
        v.number = size == 8 ? n : n & ((std::uint64_t{1} << (size * 8)) - 1);
        return v;
    }
    }
}

} // namespace

std::vector<std::byte> build_libdbus(const MessageTree &m)
{
    const MessageTree &h = m;
    DBusMessage *msg = dbus_message_new(static_cast<int>(h.type));
    if (msg == nullptr) {
        return {};
    }
    dbus_message_set_path(msg, c_str_or_null(m.path));
    dbus_message_set_interface(msg, c_str_or_null(m.interface));
    dbus_message_set_member(msg, c_str_or_null(m.member));
    dbus_message_set_error_name(msg, c_str_or_null(m.error_name));
    dbus_message_set_destination(msg, c_str_or_null(m.destination));
    dbus_message_set_sender(msg, c_str_or_null(m.sender));
    if (h.reply_serial != 0) {
        dbus_message_set_reply_serial(msg, h.reply_serial);
    }
    dbus_message_set_no_reply(msg, (h.flags & flag_no_reply_expected) != 0 ? TRUE : FALSE);
    dbus_message_set_auto_start(msg, (h.flags & flag_no_auto_start) != 0 ? FALSE : TRUE);
    dbus_message_set_allow_interactive_authorization(
            msg, (h.flags & flag_allow_interactive_authorization) != 0 ? TRUE : FALSE);
    dbus_message_set_serial(msg, h.serial);
    DBusMessageIter it;
    dbus_message_iter_init_append(msg, &it);
    for (const auto &v : m.body) {
        append(&it, v);
    }
    char *buf = nullptr;
    int len = 0;
    std::vector<std::byte> out;
    if (dbus_message_marshal(msg, &buf, &len) != FALSE) {
        out.resize(static_cast<std::size_t>(len));
        std::memcpy(out.data(), buf, out.size());
        dbus_free(buf);
    }
    dbus_message_unref(msg);
    return out;
}

std::optional<MessageTree> parse_libdbus(const std::vector<std::byte> &bytes, std::string &why)
{
    DBusError err;
    dbus_error_init(&err);
    DBusMessage *msg = dbus_message_demarshal(reinterpret_cast<const char *>(bytes.data()),
                                              static_cast<int>(bytes.size()), &err);
    if (msg == nullptr) {
        why = err.message != nullptr ? err.message : "demarshal failed";
        dbus_error_free(&err);
        return std::nullopt;
    }
    MessageTree t;
    t.path = dbus_message_get_path(msg) != nullptr ? dbus_message_get_path(msg) : "";
    t.interface = dbus_message_get_interface(msg) != nullptr ? dbus_message_get_interface(msg) : "";
    t.member = dbus_message_get_member(msg) != nullptr ? dbus_message_get_member(msg) : "";
    t.error_name = dbus_message_get_error_name(msg) != nullptr ? dbus_message_get_error_name(msg) : "";
    t.destination = dbus_message_get_destination(msg) != nullptr ? dbus_message_get_destination(msg) : "";
    t.sender = dbus_message_get_sender(msg) != nullptr ? dbus_message_get_sender(msg) : "";
    MessageTree &h = t;
    h.type = static_cast<MessageType>(dbus_message_get_type(msg));
    h.serial = dbus_message_get_serial(msg);
    h.reply_serial = dbus_message_get_reply_serial(msg);
    h.flags = static_cast<std::uint8_t>((dbus_message_get_no_reply(msg) != FALSE ? flag_no_reply_expected : 0) |
                                        (dbus_message_get_auto_start(msg) != FALSE ? 0 : flag_no_auto_start) |
                                        (dbus_message_get_allow_interactive_authorization(msg) != FALSE
                                                 ? flag_allow_interactive_authorization
                                                 : 0));
    DBusMessageIter it;
    if (dbus_message_iter_init(msg, &it) != FALSE) {
        while (dbus_message_iter_get_arg_type(&it) != DBUS_TYPE_INVALID) {
            t.body.push_back(read(&it));
            dbus_message_iter_next(&it);
        }
    }
    dbus_message_unref(msg);
    return t;
}

} // namespace afbus::dbus::testing
