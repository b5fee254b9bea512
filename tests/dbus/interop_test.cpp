// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Interop with libdbus-1, both ways, over many random messages:
//  - libdbus builds and marshals; we parse and read the same tree;
//  - we build (both byte orders); dbus_message_demarshal accepts it and
//    libdbus reads the same tree.
#include "libdbus_bridge.hpp"
#include "seed.hpp"
#include "value_tree.hpp"

#include <gtest/gtest.h>

namespace afbus::dbus::testing {
namespace {

constexpr int message_count = 2000;

std::string hex(std::span<const std::byte> b)
{
    std::string out;
    for (const std::byte x : b) {
        static constexpr std::string_view digits = "0123456789abcdef";
        out += digits[std::to_integer<unsigned>(x) >> 4U];
        out += digits[std::to_integer<unsigned>(x) & 0xfU];
    }
    return out;
}

TEST(Interop, LibdbusBuildsWeParse)
{
    Generator gen{test_seed("LibdbusBuildsWeParse")};
    for (int i = 0; i < message_count; ++i) {
        const MessageTree m = gen.message(6, false);
        const std::vector<std::byte> bytes = build_libdbus(m);
        ASSERT_FALSE(bytes.empty()) << "libdbus could not build message " << i;
        auto parsed = parse_message(bytes);
        ASSERT_TRUE(parsed.has_value()) << "message " << i << ": " << make_error_code(parsed.error()).message();
        EXPECT_EQ(parsed->header.signature, m.signature());
        ASSERT_EQ(tree_of(*parsed), m) << "message " << i;
    }
}

TEST(Interop, WeBuildLibdbusParses)
{
    Generator gen{test_seed("WeBuildLibdbusParses")};
    for (int i = 0; i < message_count; ++i) {
        const MessageTree m = gen.message(6, false);
        for (const ByteOrder order : {ByteOrder::little, ByteOrder::big}) {
            const std::vector<std::byte> bytes = build_ours(m, order);
            std::string why;
            auto back = parse_libdbus(bytes, why);
            ASSERT_TRUE(back.has_value()) << "message " << i << " (" << static_cast<char>(order) << "): " << why;
            ASSERT_EQ(*back, m) << "message " << i << " (" << static_cast<char>(order) << ")";
        }
    }
}

// Byte for byte: for the same content libdbus and we marshal the same
// bytes (same field order is not required by the spec, so compare only
// bodies).
TEST(Interop, SameBodyBytesAsLibdbus)
{
    Generator gen{test_seed("SameBodyBytesAsLibdbus")};
    for (int i = 0; i < 500; ++i) {
        const MessageTree m = gen.message(6, false);
        const auto theirs_bytes = build_libdbus(m);
        const auto theirs = parse_message(theirs_bytes);
        const auto ours_bytes = build_ours(m, ByteOrder::little);
        const auto ours = parse_message(ours_bytes);
        ASSERT_TRUE(theirs && ours);
        ASSERT_TRUE(std::equal(theirs->body.begin(), theirs->body.end(), ours->body.begin(), ours->body.end()))
                << "message " << i << " sig " << m.signature() << "\n" << hex(theirs->body) << "\n" << hex(ours->body);
    }
}

} // namespace
} // namespace afbus::dbus::testing
