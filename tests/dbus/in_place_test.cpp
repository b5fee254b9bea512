// SPDX-License-Identifier: LGPL-2.1-or-later
//
// build_message_in_place(): the header written into the room a Writer keeps
// in front of its body. Every message must be byte for byte what
// build_message() gives, the body must not move (one copy of a payload in
// all: RoundTrip.LargeByteArray checks that), and the writer must stay
// usable.
#include "example_header.hpp"
#include "seed.hpp"
#include "value_tree.hpp"

#include <afbus/dbus/message.hpp>

#include <algorithm>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace afbus::dbus::testing {
namespace {

// build_message_in_place() of @h and @w, checked against build_message().
std::vector<std::byte> in_place_matching_copy(const Header &h, Writer &w)
{
    const auto copied = build_message(h, w);
    EXPECT_TRUE(copied.has_value());
    const auto in_place = build_message_in_place(h, w);
    EXPECT_TRUE(in_place.has_value());
    if (!copied || !in_place) {
        return {};
    }
    EXPECT_TRUE(std::ranges::equal(*in_place, *copied));
    return {in_place->begin(), in_place->end()};
}

class InPlace : public ::testing::TestWithParam<ByteOrder> {};

TEST_P(InPlace, SameBytesAsBuildMessageForRandomMessages)
{
    Generator gen{test_seed("InPlace.SameBytesAsBuildMessageForRandomMessages")};
    Writer w{GetParam()};
    for (int i = 0; i < 500; ++i) {
        const MessageTree m = gen.message(8, true);
        w.clear(); // reused, as a connection reuses its writer
        for (const auto &v : m.body) {
            write_value(w, v);
        }
        ASSERT_EQ(w.finish(), Errc::ok) << "message " << i;
        const auto bytes = in_place_matching_copy(m.header(), w);
        const auto parsed = parse_message(bytes);
        ASSERT_TRUE(parsed) << "message " << i << ": " << make_error_code(parsed.error()).message();
        ASSERT_EQ(tree_of(*parsed), m) << "message " << i;
    }
}

TEST_P(InPlace, EmptyBody)
{
    Writer w{GetParam()};
    const auto bytes = in_place_matching_copy(call(), w);
    const auto parsed = parse_message(bytes);
    ASSERT_TRUE(parsed);
    EXPECT_TRUE(parsed->body.empty());
    EXPECT_TRUE(parsed->header.signature.empty());
    EXPECT_EQ(parsed->order, GetParam());
}

TEST_P(InPlace, HeaderLargerThanTheRoomGrowsItOnce)
{
    // An object path longer than the default room.
    std::string path;
    while (path.size() < 3 * Writer::default_header_room) {
        path += "/element";
    }
    Header h = call();
    h.path = path;
    Writer w{GetParam()};
    w.put_string("before");
    w.put_uint32(0x01020304);
    const std::vector<std::byte> body_before{w.data().begin(), w.data().end()};
    const auto first = in_place_matching_copy(h, w);
    ASSERT_FALSE(first.empty());
    EXPECT_TRUE(std::ranges::equal(w.data(), body_before)); // moved, unchanged
    const auto parsed = parse_message(first);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->header.path, path);
    Reader r = parsed->reader();
    EXPECT_EQ(r.get_string().value_or(""), "before");
    EXPECT_EQ(r.get_uint32().value_or(0), 0x01020304U);

    // The writer keeps the larger room: the next body, as large, does not
    // move when the same header is built in front of it.
    w.clear();
    w.put_string("after!");
    w.put_uint32(5);
    const std::byte *body = w.data().data();
    const auto second = build_message_in_place(h, w);
    ASSERT_TRUE(second);
    EXPECT_EQ(w.data().data(), body);
    EXPECT_EQ(second->data() + second->size(), body + w.data().size());
    EXPECT_TRUE(parse_message(*second));
}

TEST_P(InPlace, BuiltAgainWithAnotherHeaderAndAfterMoreValues)
{
    Writer w{GetParam()};
    w.put_string("x");
    Header h = call();
    const auto first = in_place_matching_copy(h, w);
    ASSERT_FALSE(first.empty());
    // Another header around the same body: a shorter one, then a longer one.
    h.destination = ":1.5";
    h.serial = 8;
    const auto second = in_place_matching_copy(h, w);
    ASSERT_FALSE(second.empty());
    EXPECT_LT(second.size(), first.size());
    h.sender = ":1.42";
    const auto third = in_place_matching_copy(h, w);
    ASSERT_FALSE(third.empty());
    EXPECT_GT(third.size(), second.size());
    // More values after a build: the body grows, the header follows.
    w.put_int64(-1);
    const auto fourth = in_place_matching_copy(h, w);
    const auto parsed = parse_message(fourth);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->header.signature, "sx");
    EXPECT_EQ(parsed->header.sender, ":1.42");
    EXPECT_EQ(parsed->header.serial, 8U);
}

TEST_P(InPlace, SerialRewrittenInPlace)
{
    Writer w{GetParam()};
    w.put_uint32(1);
    const auto msg = build_message_in_place(call(), w);
    ASSERT_TRUE(msg);
    ASSERT_EQ(set_serial(*msg, 1234), Errc::ok);
    const auto parsed = parse_message(*msg);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->header.serial, 1234U);
}

INSTANTIATE_TEST_SUITE_P(ByteOrders, InPlace, ::testing::Values(ByteOrder::little, ByteOrder::big),
                         [](const auto &param_info) { return param_info.param == ByteOrder::little ? "little" : "big"; });

TEST(InPlaceErrors, SameErrorsAsBuildMessage)
{
    Writer open;
    open.open_array("i");
    EXPECT_EQ(build_message_in_place(call(), open).error(), Errc::bad_state); // unclosed array

    Writer bad;
    bad.put_string(std::string_view{"a\0b", 3});
    EXPECT_EQ(build_message_in_place(call(), bad).error(), Errc::bad_utf8); // the writer's sticky error

    Writer w;
    w.put_byte(1);
    Header h = call();
    h.member = {};
    EXPECT_EQ(build_message_in_place(h, w).error(), Errc::missing_header_field);
    h = call();
    h.serial = 0;
    EXPECT_EQ(build_message_in_place(h, w).error(), Errc::bad_serial);
    h = call();
    h.interface = "org.freedesktop.DBus.Local";
    EXPECT_EQ(build_message_in_place(h, w).error(), Errc::local_reserved);
    h = call();
    h.path = "no/slash";
    EXPECT_EQ(build_message_in_place(h, w).error(), Errc::bad_object_path);
    // A failed build leaves the body as it was.
    ASSERT_EQ(w.data().size(), 1U);
    EXPECT_EQ(w.data()[0], std::byte{1});
    EXPECT_TRUE(build_message_in_place(call(), w));
}

} // namespace
} // namespace afbus::dbus::testing
