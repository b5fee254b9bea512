// SPDX-License-Identifier: LGPL-2.1-or-later
#include "value_tree.hpp"

#include <afbus/dbus/names.hpp>

#include <array>
#include <bit>
#include <cstring>
#include <gtest/gtest.h>

namespace afbus::dbus::testing {

std::string MessageTree::signature() const
{
    std::string s;
    for (const auto &v : body) {
        s += v.signature;
    }
    return s;
}

Header MessageTree::header() const
{
    Header h;
    h.type = type;
    h.flags = flags;
    h.serial = serial;
    h.reply_serial = reply_serial;
    h.unix_fds = unix_fds;
    h.path = path;
    h.interface = interface;
    h.member = member;
    h.error_name = error_name;
    h.destination = destination;
    h.sender = sender;
    return h;
}

// NOLINTNEXTLINE(misc-no-recursion): bounded by @max_depth
std::string Generator::type(unsigned max_depth)
{
    static const std::string basic = "ybnqiuxtdsog";
    const unsigned pick = below(max_depth == 0 ? 13 : 17);
    if (pick < 12) {
        return basic.substr(pick, 1);
    }
    if (pick == 12) {
        return with_fds_ ? "h" : "u";
    }
    switch (pick) {
    case 13: return "v";
    case 14: return "a" + type(max_depth - 1);
    case 15: {
        std::string s = "(";
        const unsigned n = 1 + below(3);
        for (unsigned i = 0; i < n; ++i) {
            s += type(max_depth - 1);
        }
        return s + ")";
    }
    default: {
        const std::string key = basic.substr(below(12), 1);
        return "a{" + key + type(max_depth - 1) + "}";
    }
    }
}

std::string Generator::name_element(bool allow_digit_first)
{
    static const std::string first = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
    static const std::string rest = first + "0123456789";
    std::string s(1, allow_digit_first ? rest[below(static_cast<unsigned>(rest.size()))]
                                       : first[below(static_cast<unsigned>(first.size()))]);
    const unsigned n = below(8);
    for (unsigned i = 0; i < n; ++i) {
        s += rest[below(static_cast<unsigned>(rest.size()))];
    }
    return s;
}

std::string Generator::utf8_string()
{
    // ASCII, 2-, 3- and 4-byte sequences, never NUL or surrogates.
    static constexpr std::array<std::string_view, 12> pieces = {"a", "Z", " ", "~", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                         "\xef\xbf\xbd", "/", "'", "\\", "\x7f"};
    std::string s;
    const unsigned n = below(12);
    for (unsigned i = 0; i < n; ++i) {
        s += pieces.at(below(pieces.size()));
    }
    return s;
}

std::string Generator::object_path()
{
    if (below(5) == 0) {
        return "/";
    }
    std::string s;
    const unsigned n = 1 + below(4);
    for (unsigned i = 0; i < n; ++i) {
        s += "/" + name_element(true);
    }
    return s;
}

// NOLINTNEXTLINE(misc-no-recursion): bounded by the signature, itself bounded by @max_depth
Value Generator::value(const std::string &signature, unsigned max_depth)
{
    Value v;
    v.signature = signature;
    const char c = signature[0];
    switch (c) {
    case 'y': v.number = rng_() & 0xffU; break;
    case 'b': v.number = rng_() & 1U; break;
    case 'n': case 'q': v.number = rng_() & 0xffffU; break;
    case 'i': case 'u': v.number = rng_() & 0xffffffffU; break;
    case 'h': v.number = below(4); break;
    case 'x': case 't': v.number = rng_(); break;
    case 'd': v.number = std::bit_cast<std::uint64_t>(std::uniform_real_distribution<double>{-1e9, 1e9}(rng_)); break;
    case 's': v.text = utf8_string(); break;
    case 'o': v.text = object_path(); break;
    case 'g': v.text = type(2); break;
    case 'v': {
        const std::string inner = type(max_depth > 0 ? max_depth - 1 : 0);
        v.children.push_back(value(inner, max_depth > 0 ? max_depth - 1 : 0));
        break;
    }
    case 'a': {
        const std::string element = signature.substr(1);
        const unsigned n = below(4);
        for (unsigned i = 0; i < n; ++i) {
            v.children.push_back(value(element, max_depth > 0 ? max_depth - 1 : 0));
        }
        break;
    }
    default: { // ( or {
        const std::string inner = signature.substr(1, signature.size() - 2);
        std::size_t pos = 0;
        while (pos < inner.size()) {
            const std::size_t len = complete_type_length(std::string_view{inner}.substr(pos));
            v.children.push_back(value(inner.substr(pos, len), max_depth > 0 ? max_depth - 1 : 0));
            pos += len;
        }
        break;
    }
    }
    return v;
}

MessageTree Generator::message(unsigned max_args, bool with_fds)
{
    with_fds_ = with_fds;
    MessageTree m;
    m.type = static_cast<MessageType>(1 + below(4));
    m.serial = 1 + below(1000000);
    m.flags = static_cast<std::uint8_t>(below(8));
    const std::string destination =
            below(2) == 0 ? "org.example." + name_element(false) : ":1." + std::to_string(below(1000));
    switch (m.type) {
    case MessageType::method_call:
        m.path = object_path();
        m.member = name_element(false);
        if (below(2) == 0) {
            m.interface = name_element(false) + "." + name_element(false);
        }
        m.destination = destination;
        break;
    case MessageType::signal:
        m.path = object_path();
        m.interface = name_element(false) + "." + name_element(false);
        m.member = name_element(false);
        break;
    case MessageType::error:
        m.error_name = "org.example." + name_element(false);
        m.reply_serial = 1 + below(1000);
        m.destination = destination;
        break;
    default:
        m.reply_serial = 1 + below(1000);
        m.destination = destination;
        break;
    }
    if (below(2) == 0) {
        m.sender = ":1." + std::to_string(below(1000));
    }
    const unsigned n = below(max_args + 1);
    std::size_t sig = 0;
    for (unsigned i = 0; i < n; ++i) {
        const std::string t = type(4);
        if (sig + t.size() > 200) {
            break;
        }
        sig += t.size();
        m.body.push_back(value(t, 4));
    }
    if (with_fds) {
        m.unix_fds = 4;
    }
    return m;
}

// NOLINTNEXTLINE(misc-no-recursion): one level per container; depth bounded by the nesting limit (64)
void write_value(Writer &w, const Value &v)
{
    switch (v.signature[0]) {
    case 'y': w.put_byte(static_cast<std::uint8_t>(v.number)); break;
    case 'b': w.put_bool(v.number != 0); break;
    case 'n': w.put_int16(static_cast<std::int16_t>(v.number)); break;
    case 'q': w.put_uint16(static_cast<std::uint16_t>(v.number)); break;
    case 'i': w.put_int32(static_cast<std::int32_t>(v.number)); break;
    case 'u': w.put_uint32(static_cast<std::uint32_t>(v.number)); break;
    case 'h': w.put_unix_fd(static_cast<std::uint32_t>(v.number)); break;
    case 'x': w.put_int64(static_cast<std::int64_t>(v.number)); break;
    case 't': w.put_uint64(v.number); break;
    case 'd': w.put_double(std::bit_cast<double>(v.number)); break;
    case 's': w.put_string(v.text); break;
    case 'o': w.put_object_path(v.text); break;
    case 'g': w.put_signature(v.text); break;
    case 'v':
        w.open_variant(v.children[0].signature);
        write_value(w, v.children[0]);
        w.close_variant();
        break;
    case 'a':
        w.open_array(std::string_view{v.signature}.substr(1));
        for (const auto &c : v.children) {
            write_value(w, c);
        }
        w.close_array();
        break;
    case '(':
        w.open_struct();
        for (const auto &c : v.children) {
            write_value(w, c);
        }
        w.close_struct();
        break;
    default:
        w.open_dict_entry();
        for (const auto &c : v.children) {
            write_value(w, c);
        }
        w.close_dict_entry();
        break;
    }
}

namespace {

template <typename T> std::uint64_t bits(std::expected<T, Errc> v)
{
    EXPECT_TRUE(v.has_value());
    if (!v) {
        return 0;
    }
    if constexpr (std::is_same_v<T, double>) {
        return std::bit_cast<std::uint64_t>(*v);
    } else if constexpr (std::is_signed_v<T>) {
        return static_cast<std::uint64_t>(static_cast<std::make_unsigned_t<T>>(*v));
    } else {
        return static_cast<std::uint64_t>(*v);
    }
}

std::string text(std::expected<std::string_view, Errc> v)
{
    EXPECT_TRUE(v.has_value());
    return v ? std::string{*v} : std::string{};
}

// NOLINTNEXTLINE(misc-no-recursion): one level per container; depth bounded by the nesting limit (64)
void read_children(Reader &child, Value &v)
{
    while (!child.at_end()) {
        v.children.push_back(read_value(child));
    }
}

} // namespace

// NOLINTNEXTLINE(misc-no-recursion): one level per container; depth bounded by the nesting limit (64)
Value read_value(Reader &r)
{
    Value v;
    v.signature = r.peek_signature();
    switch (r.peek_type()) {
    case 'y': v.number = bits(r.get_byte()); break;
    case 'b': v.number = bits(r.get_bool()); break;
    case 'n': v.number = bits(r.get_int16()) & 0xffffU; break;
    case 'q': v.number = bits(r.get_uint16()); break;
    case 'i': v.number = bits(r.get_int32()) & 0xffffffffU; break;
    case 'u': v.number = bits(r.get_uint32()); break;
    case 'h': v.number = bits(r.get_unix_fd()); break;
    case 'x': v.number = bits(r.get_int64()); break;
    case 't': v.number = bits(r.get_uint64()); break;
    case 'd': v.number = bits(r.get_double()); break;
    case 's': v.text = text(r.get_string()); break;
    case 'o': v.text = text(r.get_object_path()); break;
    case 'g': v.text = text(r.get_signature()); break;
    case 'a': {
        auto child = r.enter_array();
        EXPECT_TRUE(child.has_value());
        if (child) {
            read_children(*child, v);
        }
        break;
    }
    default: {
        const char t = r.peek_type();
        auto child = t == 'v' ? r.enter_variant() : t == '(' ? r.enter_struct() : r.enter_dict_entry();
        EXPECT_TRUE(child.has_value());
        if (child) {
            read_children(*child, v);
            r.leave(*child);
        }
        break;
    }
    }
    return v;
}

std::vector<std::byte> build_ours(const MessageTree &m, ByteOrder order)
{
    Writer w{order};
    for (const auto &v : m.body) {
        write_value(w, v);
    }
    EXPECT_EQ(w.finish(), Errc::ok);
    auto bytes = build_message(m.header(), w);
    EXPECT_TRUE(bytes.has_value()) << (bytes ? "" : make_error_code(bytes.error()).message());
    return bytes.value_or(std::vector<std::byte>{});
}

MessageTree tree_of(const Message &msg)
{
    MessageTree t;
    const Header &h = msg.header;
    t.type = h.type;
    t.flags = h.flags;
    t.serial = h.serial;
    t.reply_serial = h.reply_serial;
    t.unix_fds = h.unix_fds;
    t.path = h.path;
    t.interface = h.interface;
    t.member = h.member;
    t.error_name = h.error_name;
    t.destination = h.destination;
    t.sender = h.sender;
    Reader r = msg.reader();
    while (!r.at_end()) {
        t.body.push_back(read_value(r));
    }
    return t;
}

} // namespace afbus::dbus::testing
