// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The specification's invalid cases, each in both byte orders: messages
// are crafted field by field (the header is itself "yyyyuua(yv)", so a
// Writer can produce any header, valid or not) and must be refused.
#include <afbus/dbus/message.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <gtest/gtest.h>

namespace afbus::dbus {
namespace {

struct Raw {
    ByteOrder order = ByteOrder::little;
    std::uint8_t type = 1;
    std::uint8_t version = 1;
    std::uint32_t serial = 1;
    // Writes the (yv) structs; default: a valid method call.
    std::function<void(Writer &)> fields = [](Writer &w) {
        w.open_struct(); w.put_byte(1); w.open_variant("o"); w.put_object_path("/p"); w.close_variant(); w.close_struct();
        w.open_struct(); w.put_byte(3); w.open_variant("s"); w.put_string("M"); w.close_variant(); w.close_struct();
    };
    std::string signature; // added as field 8 unless empty
    std::function<void(Writer &)> body = [](Writer &) {};

    [[nodiscard]] std::vector<std::byte> bytes() const
    {
        Writer b{order};
        body(b);
        Writer w{order};
        w.put_byte(static_cast<std::uint8_t>(order));
        w.put_byte(type);
        w.put_byte(0);
        w.put_byte(version);
        w.put_uint32(static_cast<std::uint32_t>(b.data().size()));
        w.put_uint32(serial);
        w.open_array("(yv)");
        fields(w);
        if (!signature.empty()) {
            w.open_struct(); w.put_byte(8); w.open_variant("g"); w.put_signature(signature); w.close_variant(); w.close_struct();
        }
        w.close_array();
        EXPECT_EQ(w.finish(), Errc::ok);
        std::vector<std::byte> out(w.data().begin(), w.data().end());
        out.resize((out.size() + 7) & ~std::size_t{7});
        out.insert(out.end(), b.data().begin(), b.data().end());
        return out;
    }
};

class Invalid : public ::testing::TestWithParam<ByteOrder> {
protected:
    [[nodiscard]] static Raw raw()
    {
        Raw r;
        r.order = GetParam();
        return r;
    }
    static Errc parse(const std::vector<std::byte> &b)
    {
        auto m = parse_message(b);
        return m ? Errc::ok : m.error();
    }
};

// The little-endian offset of @v in bytes: pokes at the wire.
void poke32(std::vector<std::byte> &b, std::size_t at, std::uint32_t v, ByteOrder order)
{
    for (int i = 0; i < 4; ++i) {
        const int shift = order == ByteOrder::little ? 8 * i : 8 * (3 - i);
        b[at + static_cast<std::size_t>(i)] = static_cast<std::byte>(v >> static_cast<unsigned>(shift));
    }
}

TEST_P(Invalid, ValidBaseline)
{
    EXPECT_EQ(parse(raw().bytes()), Errc::ok);
}

TEST_P(Invalid, FixedHeader)
{
    auto b = raw().bytes();
    b[0] = std::byte{'x'};
    EXPECT_EQ(parse(b), Errc::bad_byte_order);
    Raw r = raw();
    r.version = 2;
    EXPECT_EQ(parse(r.bytes()), Errc::bad_version);
    r = raw();
    r.type = 0;
    EXPECT_EQ(parse(r.bytes()), Errc::bad_message_type);
    r = raw();
    r.serial = 0;
    EXPECT_EQ(parse(r.bytes()), Errc::bad_serial);
    b = raw().bytes();
    b.pop_back();
    EXPECT_EQ(parse(b), Errc::truncated);
    b = raw().bytes();
    b.push_back(std::byte{0});
    EXPECT_EQ(parse(b), Errc::body_mismatch);
}

TEST_P(Invalid, UnknownTypeAndFieldsAreIgnored)
{
    Raw r = raw();
    r.type = 9; // unknown types: no required fields
    EXPECT_EQ(parse(r.bytes()), Errc::ok);
    r = raw();
    auto base = r.fields;
    r.fields = [base](Writer &w) {
        base(w);
        w.open_struct(); w.put_byte(200); w.open_variant("a{sv}"); w.open_array("{sv}"); w.close_array(); w.close_variant(); w.close_struct();
    };
    EXPECT_EQ(parse(r.bytes()), Errc::ok);
}

TEST_P(Invalid, HeaderFields)
{
    Raw r = raw();
    r.fields = [](Writer &w) { // member missing
        w.open_struct(); w.put_byte(1); w.open_variant("o"); w.put_object_path("/p"); w.close_variant(); w.close_struct();
    };
    EXPECT_EQ(parse(r.bytes()), Errc::missing_header_field);
    r = raw();
    auto base = r.fields;
    r.fields = [base](Writer &w) { // PATH twice
        base(w);
        w.open_struct(); w.put_byte(1); w.open_variant("o"); w.put_object_path("/q"); w.close_variant(); w.close_struct();
    };
    EXPECT_EQ(parse(r.bytes()), Errc::bad_header_field);
    r.fields = [base](Writer &w) { // INTERFACE as an object path
        base(w);
        w.open_struct(); w.put_byte(2); w.open_variant("o"); w.put_object_path("/q"); w.close_variant(); w.close_struct();
    };
    EXPECT_EQ(parse(r.bytes()), Errc::bad_header_field);
    r.fields = [base](Writer &w) { // code 0
        base(w);
        w.open_struct(); w.put_byte(0); w.open_variant("u"); w.put_uint32(1); w.close_variant(); w.close_struct();
    };
    EXPECT_EQ(parse(r.bytes()), Errc::bad_header_field);
    const auto with_string = [base](std::uint8_t code, const std::string &v) {
        return [base, code, v](Writer &w) {
            base(w);
            w.open_struct(); w.put_byte(code); w.open_variant("s"); w.put_string(v); w.close_variant(); w.close_struct();
        };
    };
    r.fields = with_string(2, "nodots");
    EXPECT_EQ(parse(r.bytes()), Errc::bad_interface);
    r.fields = with_string(2, "org.freedesktop.DBus.Local");
    EXPECT_EQ(parse(r.bytes()), Errc::local_reserved);
    r.fields = with_string(6, "org..x");
    EXPECT_EQ(parse(r.bytes()), Errc::bad_bus_name);
    r.fields = with_string(7, ":1");
    EXPECT_EQ(parse(r.bytes()), Errc::bad_bus_name);
    r.fields = with_string(4, "0rg.x");
    EXPECT_EQ(parse(r.bytes()), Errc::bad_error_name);
    r.type = 2; // method return: REPLY_SERIAL required
    r.fields = [](Writer &) {};
    EXPECT_EQ(parse(r.bytes()), Errc::missing_header_field);
    r.fields = [](Writer &w) {
        w.open_struct(); w.put_byte(5); w.open_variant("u"); w.put_uint32(0); w.close_variant(); w.close_struct();
    };
    EXPECT_EQ(parse(r.bytes()), Errc::bad_serial);
}

TEST_P(Invalid, Body)
{
    Raw r = raw();
    r.body = [](Writer &w) { w.put_uint32(1); };
    EXPECT_EQ(parse(r.bytes()), Errc::body_mismatch); // body without SIGNATURE
    r.signature = "u";
    EXPECT_EQ(parse(r.bytes()), Errc::ok);
    r.body = [](Writer &w) { w.put_uint32(2); };
    r.signature = "b";
    EXPECT_EQ(parse(r.bytes()), Errc::bad_boolean);
    r.signature = "uu";
    EXPECT_EQ(parse(r.bytes()), Errc::truncated);
    r.signature = "h";
    EXPECT_EQ(parse(r.bytes()), Errc::bad_unix_fd); // no UNIX_FDS field
    r.body = [](Writer &w) { w.put_byte(1); w.put_uint32(1); };
    r.signature = "yu";
    auto b = r.bytes();
    EXPECT_EQ(parse(b), Errc::ok);
    b[b.size() - 5] = std::byte{1}; // padding between y and u
    EXPECT_EQ(parse(b), Errc::bad_padding);
    r.body = [](Writer &w) { w.put_string("abc"); };
    r.signature = "s";
    b = r.bytes();
    b.back() = std::byte{'x'}; // no NUL
    EXPECT_EQ(parse(b), Errc::bad_string);
    b = r.bytes();
    b[b.size() - 2] = std::byte{0}; // embedded NUL
    EXPECT_EQ(parse(b), Errc::bad_utf8);
    b[b.size() - 2] = std::byte{0xff};
    EXPECT_EQ(parse(b), Errc::bad_utf8);
    r.body = [](Writer &w) { w.put_object_path("/a"); };
    r.signature = "o";
    b = r.bytes();
    b[b.size() - 2] = std::byte{'/'};
    EXPECT_EQ(parse(b), Errc::bad_object_path);
    r.body = [](Writer &w) { w.put_signature("i"); };
    r.signature = "g";
    b = r.bytes();
    b[b.size() - 2] = std::byte{'!'};
    EXPECT_EQ(parse(b), Errc::bad_signature);
    r.body = [](Writer &w) { w.open_variant("i"); w.put_int32(1); w.close_variant(); };
    r.signature = "v";
    EXPECT_EQ(parse(r.bytes()), Errc::ok);
    r.body = [](Writer &w) { w.put_signature("ii"); w.put_int32(1); w.put_int32(1); };
    EXPECT_EQ(parse(r.bytes()), Errc::bad_signature); // variant of two types
}

TEST_P(Invalid, Arrays)
{
    Raw r = raw();
    r.body = [](Writer &w) {
        const std::array<std::uint32_t, 2> v = {1, 2};
        w.put_fixed_array('u', v.data(), v.size());
    };
    r.signature = "au";
    auto b = r.bytes();
    EXPECT_EQ(parse(b), Errc::ok);
    poke32(b, b.size() - 12, 7, GetParam()); // not a multiple of 4
    EXPECT_EQ(parse(b), Errc::bad_array_length);
    poke32(b, b.size() - 12, 12, GetParam()); // past the end
    EXPECT_EQ(parse(b), Errc::bad_array_length);
    poke32(b, b.size() - 12, (64U << 20U) + 4, GetParam());
    EXPECT_EQ(parse(b), Errc::too_large);
    r.body = [](Writer &w) { w.open_array("t"); w.close_array(); };
    r.signature = "at";
    b = r.bytes();
    EXPECT_EQ(parse(b), Errc::ok);
    b.back() = std::byte{1}; // padding after the length of an empty array of t
    EXPECT_EQ(parse(b), Errc::bad_padding);
}

TEST_P(Invalid, Nesting)
{
    // A Writer refuses to write these signatures: write a valid one of the
    // same length and overwrite it in the bytes.
    const auto with_signature = [](const std::string &placeholder, const std::string &sig) {
        Raw m = raw();
        m.signature = placeholder;
        auto b = m.bytes();
        const auto *p = reinterpret_cast<const std::byte *>(placeholder.data());
        auto at = std::search(b.begin(), b.end(), p, p + placeholder.size());
        EXPECT_NE(at, b.end());
        std::memcpy(&*at, sig.data(), sig.size());
        return b;
    };
    EXPECT_EQ(parse(with_signature(std::string(32, 'a') + "ii", std::string(33, 'a') + "i")), Errc::nested_too_deeply);
    EXPECT_EQ(parse(with_signature("(" + std::string(32, 'i') + std::string(33, 'y') + ")",
                                   std::string(33, '(') + "i" + std::string(33, ')'))),
              Errc::nested_too_deeply);
    Raw r = raw();
    // 32 + 32 is the most.
    r.signature = std::string(32, 'a') + std::string(32, '(') + "i" + std::string(32, ')');
    r.body = [](Writer &w) {
        w.open_array(std::string(31, 'a') + std::string(32, '(') + "i" + std::string(32, ')'));
        w.close_array();
    };
    EXPECT_EQ(parse(r.bytes()), Errc::ok);
    // Variants inside variants: 64 levels of value nesting at most (the
    // Writer refuses to go deeper, so the body is written by hand).
    std::vector<std::byte> body;
    for (int i = 0; i < 65; ++i) {
        body.insert(body.end(), {std::byte{1}, std::byte{'v'}, std::byte{0}});
    }
    body.insert(body.end(), {std::byte{1}, std::byte{'y'}, std::byte{0}, std::byte{5}});
    const auto message_with_body = [&](const std::vector<std::byte> &bd) {
        Raw m = raw();
        m.signature = "v";
        auto bytes = m.bytes();
        poke32(bytes, 4, static_cast<std::uint32_t>(bd.size()), GetParam());
        bytes.insert(bytes.end(), bd.begin(), bd.end());
        return bytes;
    };
    EXPECT_EQ(parse(message_with_body(body)), Errc::nested_too_deeply);
    body.erase(body.begin(), body.begin() + 6); // 63 + 1 levels
    EXPECT_EQ(parse(message_with_body(body)), Errc::ok);
}

TEST_P(Invalid, SizeCap)
{
    auto b = raw().bytes();
    poke32(b, 4, 128U << 20U, GetParam()); // body alone at the cap: header pushes it over
    EXPECT_EQ(message_size(b).error(), Errc::too_large);
    EXPECT_EQ(parse(b), Errc::too_large);
}

INSTANTIATE_TEST_SUITE_P(ByteOrders, Invalid, ::testing::Values(ByteOrder::little, ByteOrder::big),
                         [](const auto &param_info) { return param_info.param == ByteOrder::little ? "little" : "big"; });

} // namespace
} // namespace afbus::dbus
