// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Every type through Writer, build_message(), parse_message() and Reader,
// in both byte orders, and Writer's own checks. in_place_test.cpp has the
// rest of build_message_in_place().
#include "example_header.hpp"
#include "seed.hpp"
#include "value_tree.hpp"

#include <afbus/dbus/message.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <gtest/gtest.h>
#include <limits>

namespace afbus::dbus::testing {
namespace {

class RoundTrip : public ::testing::TestWithParam<ByteOrder> {};

TEST_P(RoundTrip, EveryBasicType)
{
    Writer w{GetParam()};
    w.put_byte(0xab);
    w.put_bool(true);
    w.put_int16(-2);
    w.put_uint16(0xfffe);
    w.put_int32(-3);
    w.put_uint32(0xfffffffd);
    w.put_int64(std::numeric_limits<std::int64_t>::min());
    w.put_uint64(0x0123456789abcdefULL);
    w.put_double(-0.125);
    w.put_unix_fd(1);
    w.put_string("h\xc3\xa9llo");
    w.put_object_path("/a/b_1");
    w.put_signature("a{sv}(ii)");
    w.put_bool(false);
    ASSERT_EQ(w.finish(), Errc::ok);
    EXPECT_EQ(w.signature(), "ybnqiuxtdhsogb");
    Header h = call();
    h.unix_fds = 2;
    auto bytes = build_message(h, w);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(static_cast<char>((*bytes)[0]), static_cast<char>(GetParam()));
    auto m = parse_message(*bytes);
    ASSERT_TRUE(m) << make_error_code(m.error()).message();
    EXPECT_EQ(m->header.unix_fds, 2U);
    EXPECT_EQ(m->header.path, "/org/example/Obj");
    EXPECT_EQ(m->header.destination, "org.example.Service");
    Reader r = m->reader();
    EXPECT_EQ(r.get_byte().value(), 0xab);
    EXPECT_EQ(r.get_bool().value(), true);
    EXPECT_EQ(r.get_int16().value(), -2);
    EXPECT_EQ(r.get_uint16().value(), 0xfffe);
    EXPECT_EQ(r.get_int32().value(), -3);
    EXPECT_EQ(r.get_uint32().value(), 0xfffffffdU);
    EXPECT_EQ(r.get_int64().value(), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(r.get_uint64().value(), 0x0123456789abcdefULL);
    EXPECT_EQ(r.get_double().value(), -0.125);
    EXPECT_EQ(r.get_unix_fd().value(), 1U);
    EXPECT_EQ(r.get_string().value(), "h\xc3\xa9llo");
    EXPECT_EQ(r.get_object_path().value(), "/a/b_1");
    EXPECT_EQ(r.get_signature().value(), "a{sv}(ii)");
    EXPECT_EQ(r.get_bool().value(), false);
    EXPECT_TRUE(r.at_end());
    EXPECT_EQ(r.get_byte().error(), Errc::type_mismatch);
}

TEST_P(RoundTrip, Containers)
{
    Writer w{GetParam()};
    w.open_array("{sv}");
    for (int i = 0; i < 3; ++i) {
        w.open_dict_entry();
        w.put_string("key" + std::to_string(i));
        w.open_variant("(ia(y))");
        w.open_struct();
        w.put_int32(i);
        w.open_array("(y)");
        w.open_struct();
        w.put_byte(9);
        w.close_struct();
        w.close_array();
        w.close_struct();
        w.close_variant();
        w.close_dict_entry();
    }
    w.close_array();
    w.open_array("ax"); // empty array of 8-aligned elements: padding still there
    w.close_array();
    const std::array<std::uint32_t, 3> nums = {1, 2, 3};
    w.put_fixed_array('u', nums.data(), nums.size());
    ASSERT_EQ(w.finish(), Errc::ok);
    EXPECT_EQ(w.signature(), "a{sv}aaxau");
    auto bytes = build_message(call(), w);
    ASSERT_TRUE(bytes);
    auto m = parse_message(*bytes);
    ASSERT_TRUE(m) << make_error_code(m.error()).message();
    Reader r = m->reader();
    auto dict = r.enter_array();
    ASSERT_TRUE(dict);
    int n = 0;
    while (!dict->at_end()) {
        auto entry = dict->enter_dict_entry();
        ASSERT_TRUE(entry);
        EXPECT_EQ(entry->get_string().value(), "key" + std::to_string(n));
        auto v = entry->enter_variant();
        ASSERT_TRUE(v);
        EXPECT_EQ(v->peek_signature(), "(ia(y))");
        auto s = v->enter_struct();
        EXPECT_EQ(s->get_int32().value(), n);
        EXPECT_EQ(s->skip(), Errc::ok);
        v->leave(*s);
        entry->leave(*v);
        dict->leave(*entry);
        ++n;
    }
    EXPECT_EQ(n, 3);
    auto empty = r.enter_array();
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->at_end());
    auto raw = r.get_fixed_array('u');
    ASSERT_TRUE(raw);
    EXPECT_EQ(raw->size(), 12U);
    EXPECT_TRUE(r.at_end());
}

TEST_P(RoundTrip, RandomTreesThroughOurselves)
{
    Generator gen{test_seed("RandomTreesThroughOurselves")};
    for (int i = 0; i < 1000; ++i) {
        const MessageTree m = gen.message(8, true);
        const auto bytes = build_ours(m, GetParam());
        auto parsed = parse_message(bytes);
        ASSERT_TRUE(parsed) << "message " << i << ": " << make_error_code(parsed.error()).message();
        ASSERT_EQ(tree_of(*parsed), m) << "message " << i;
    }
}

TEST_P(RoundTrip, LargeByteArray)
{
    std::vector<std::byte> payload(65536);
    for (std::size_t i = 0; i < payload.size(); ++i) {
        payload[i] = static_cast<std::byte>(i * 7);
    }
    Writer w{GetParam()};
    w.put_bytes(payload);
    auto bytes = build_message(call(), w);
    ASSERT_TRUE(bytes);
    auto m = parse_message(*bytes);
    ASSERT_TRUE(m);
    Reader r = m->reader();
    auto raw = r.get_fixed_array('y');
    ASSERT_TRUE(raw);
    EXPECT_TRUE(std::equal(raw->begin(), raw->end(), payload.begin(), payload.end()));
    // Zero copy: the view points into the message buffer.
    EXPECT_GE(raw->data(), bytes->data());
    EXPECT_LT(raw->data(), bytes->data() + bytes->size());

    // One copy in all: build_message_in_place() leaves the body where the
    // writer marshalled it and writes the header right in front of it.
    const std::byte *body = w.data().data();
    const std::size_t body_size = w.data().size();
    const auto in_place = build_message_in_place(call(), w);
    ASSERT_TRUE(in_place);
    EXPECT_TRUE(std::ranges::equal(*in_place, *bytes));
    EXPECT_EQ(w.data().data(), body);
    EXPECT_EQ(in_place->data() + in_place->size(), body + body_size);
    auto again = parse_message(*in_place);
    ASSERT_TRUE(again);
    Reader r2 = again->reader();
    const auto raw2 = r2.get_fixed_array('y');
    ASSERT_TRUE(raw2);
    EXPECT_EQ(raw2->data() + raw2->size(), body + body_size); // a view, not a copy
}

INSTANTIATE_TEST_SUITE_P(ByteOrders, RoundTrip, ::testing::Values(ByteOrder::little, ByteOrder::big),
                         [](const auto &param_info) { return param_info.param == ByteOrder::little ? "little" : "big"; });

TEST(Writer, RejectsBadValues)
{
    const auto error_of = [](auto fill) {
        Writer w;
        fill(w);
        return w.finish();
    };
    EXPECT_EQ(error_of([](Writer &w) { w.put_string(std::string_view{"a\0b", 3}); }), Errc::bad_utf8);
    EXPECT_EQ(error_of([](Writer &w) { w.put_string("\xc0\xaf"); }), Errc::bad_utf8);
    EXPECT_EQ(error_of([](Writer &w) { w.put_string("\xed\xa0\x80"); }), Errc::bad_utf8); // surrogate
    EXPECT_EQ(error_of([](Writer &w) { w.put_object_path("/a/"); }), Errc::bad_object_path);
    EXPECT_EQ(error_of([](Writer &w) { w.put_signature("a"); }), Errc::bad_signature);
    EXPECT_EQ(error_of([](Writer &w) { w.open_array("i"); w.put_string("x"); }), Errc::type_mismatch);
    EXPECT_EQ(error_of([](Writer &w) { w.open_variant("i"); w.close_variant(); }), Errc::bad_state);
    EXPECT_EQ(error_of([](Writer &w) { w.open_variant("i"); w.put_int32(1); w.put_int32(2); }), Errc::type_mismatch);
    EXPECT_EQ(error_of([](Writer &w) { w.open_struct(); w.close_struct(); }), Errc::bad_signature);
    EXPECT_EQ(error_of([](Writer &w) { w.open_dict_entry(); }), Errc::type_mismatch);
    EXPECT_EQ(error_of([](Writer &w) { w.open_array("{sv}"); w.open_dict_entry(); w.put_string("k"); w.close_dict_entry(); }),
              Errc::type_mismatch);
    EXPECT_EQ(error_of([](Writer &w) { w.open_array("i"); }), Errc::bad_state);
    EXPECT_EQ(error_of([](Writer &w) { w.close_struct(); }), Errc::bad_state);
    EXPECT_EQ(error_of([](Writer &w) {
                  for (int i = 0; i < 65; ++i) {
                      w.open_variant("v");
                  }
              }),
              Errc::nested_too_deeply);
}

TEST(Writer, RefusesArraysOver64MiB)
{
    std::vector<std::byte> big(max_array_size + 1);
    Writer w;
    w.put_bytes(big);
    EXPECT_EQ(w.finish(), Errc::too_large);
    Writer ok;
    ok.put_bytes(std::span{big}.first(max_array_size));
    EXPECT_EQ(ok.finish(), Errc::ok);
}

TEST(Message, SetSerialAndSize)
{
    Writer w;
    w.put_string("x");
    auto bytes = build_message(call(), w);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(message_size(std::span{*bytes}.first(16)).value(), bytes->size());
    EXPECT_EQ(message_size(std::span{*bytes}.first(15)).error(), Errc::truncated);
    ASSERT_EQ(set_serial(*bytes, 99), Errc::ok);
    EXPECT_EQ(parse_message(*bytes)->header.serial, 99U);
    EXPECT_EQ(set_serial(*bytes, 0), Errc::bad_serial);
}

TEST(Message, BuildRequiresFieldsPerType)
{
    const Writer w;
    Header h;
    h.serial = 1;
    h.type = MessageType::method_call;
    h.path = "/";
    EXPECT_EQ(build_message(h, w).error(), Errc::missing_header_field); // no member
    h.type = MessageType::signal;
    h.member = "M";
    EXPECT_EQ(build_message(h, w).error(), Errc::missing_header_field); // no interface
    h.type = MessageType::method_return;
    EXPECT_EQ(build_message(h, w).error(), Errc::missing_header_field); // no reply serial
    h.type = MessageType::error;
    h.reply_serial = 3;
    EXPECT_EQ(build_message(h, w).error(), Errc::missing_header_field); // no error name
    h.error_name = "org.example.Error";
    EXPECT_TRUE(build_message(h, w));
    h.serial = 0;
    EXPECT_EQ(build_message(h, w).error(), Errc::bad_serial);
}

} // namespace
} // namespace afbus::dbus::testing
