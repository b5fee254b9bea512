// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The name and signature grammars of the specification.
#include <afbus/dbus/names.hpp>

#include <gtest/gtest.h>
#include <string>

namespace afbus::dbus {
namespace {

TEST(Names, ObjectPath)
{
    for (const char *ok : {"/", "/a", "/a/b", "/_/0/A_z9"}) {
        EXPECT_EQ(validate_object_path(ok), Errc::ok) << ok;
    }
    for (const char *bad : {"", "a", "/a/", "//", "/a//b", "/a-b", "/a.b", "/é"}) {
        EXPECT_NE(validate_object_path(bad), Errc::ok) << bad;
    }
}

TEST(Names, InterfaceMemberError)
{
    for (const char *ok : {"a.b", "org.freedesktop.DBus", "_a._0", "A.B.C"}) {
        EXPECT_EQ(validate_interface(ok), Errc::ok) << ok;
        EXPECT_EQ(validate_error_name(ok), Errc::ok) << ok;
    }
    for (const char *bad : {"", "a", ".a.b", "a.b.", "a..b", "a.0b", "0a.b", "a-b.c", "a.b c"}) {
        EXPECT_NE(validate_interface(bad), Errc::ok) << bad;
    }
    EXPECT_EQ(validate_interface("a." + std::string(253, 'b')), Errc::ok);
    EXPECT_NE(validate_interface("a." + std::string(254, 'b')), Errc::ok);
    for (const char *ok : {"M", "_", "Get0", "a_b"}) {
        EXPECT_EQ(validate_member(ok), Errc::ok) << ok;
    }
    for (const char *bad : {"", "0a", "a.b", "a-b", "a b"}) {
        EXPECT_NE(validate_member(bad), Errc::ok) << bad;
    }
    EXPECT_NE(validate_member(std::string(256, 'a')), Errc::ok);
}

TEST(Names, BusNames)
{
    for (const char *ok : {":1.0", ":a.b", ":1.2.3", ":-.-", "a.b", "org.example-x.Y_z", "-a.b", "a.b0"}) {
        EXPECT_EQ(validate_bus_name(ok), Errc::ok) << ok;
    }
    for (const char *bad : {"", ":", ":1", "a", "a.0b", "0a.b", ".a.b", "a.b.", "a..b", ":1..2", "a.b!"}) {
        EXPECT_NE(validate_bus_name(bad), Errc::ok) << bad;
    }
    EXPECT_EQ(validate_bus_namespace("org"), Errc::ok);
    EXPECT_NE(validate_bus_namespace(":1.2"), Errc::ok);
}

// The names of match rules, as dbus-daemon checks them (libdbus's grammar).
TEST(Names, MatchRuleBusNames)
{
    for (const char *ok : {":", ":1", ":.1", ":1.2", ":-", ":a.b-c", "a.b", "-.-", "_a._b"}) {
        EXPECT_EQ(validate_match_bus_name(ok, false), Errc::ok) << ok;
        EXPECT_EQ(validate_match_bus_name(ok, true), Errc::ok) << ok;
    }
    for (const char *bad : {"", ":.", ":1.", ":1..2", "::", ":a b", "a.", ".a", "a..b", "9a", "a.9", "a.-b!"}) {
        EXPECT_NE(validate_match_bus_name(bad, false), Errc::ok) << bad;
        EXPECT_NE(validate_match_bus_name(bad, true), Errc::ok) << bad;
    }
    // one element: a namespace (arg0namespace), not a name
    for (const char *one : {"a", "-a", "org"}) {
        EXPECT_NE(validate_match_bus_name(one, false), Errc::ok) << one;
        EXPECT_EQ(validate_match_bus_name(one, true), Errc::ok) << one;
    }
    EXPECT_EQ(validate_match_bus_name(":" + std::string(254, 'a'), false), Errc::ok);
    EXPECT_NE(validate_match_bus_name(":" + std::string(255, 'a'), false), Errc::ok);
}

TEST(Names, Signatures)
{
    for (const char *ok : {"", "y", "ybnqiuxtdhsogv", "ai", "aai", "a{sv}", "a{s(ii)}", "(i)", "((i)a(y))", "av",
                           "a{yv}"}) {
        EXPECT_EQ(validate_signature(ok), Errc::ok) << ok;
    }
    for (const char *bad : {"a", "()", "(", ")", "{sv}", "a{vs}", "a{(i)s}", "a{sss}", "a{s}", "a{}", "z", "r", "e",
                            "(i", "i)", "a{sv"}) {
        EXPECT_NE(validate_signature(bad), Errc::ok) << bad;
    }
    EXPECT_EQ(validate_signature(std::string(255, 'y')), Errc::ok);
    EXPECT_NE(validate_signature(std::string(256, 'y')), Errc::ok);
    EXPECT_EQ(validate_signature(std::string(32, 'a') + "y"), Errc::ok);
    EXPECT_EQ(validate_signature(std::string(33, 'a') + "y"), Errc::nested_too_deeply);
    EXPECT_EQ(validate_signature(std::string(32, '(') + "y" + std::string(32, ')')), Errc::ok);
    EXPECT_EQ(validate_signature(std::string(33, '(') + "y" + std::string(33, ')')), Errc::nested_too_deeply);
    EXPECT_EQ(validate_single_type("a{sv}"), Errc::ok);
    EXPECT_NE(validate_single_type("ii"), Errc::ok);
    EXPECT_NE(validate_single_type(""), Errc::ok);
}

TEST(Names, Utf8)
{
    EXPECT_EQ(validate_utf8("plain ascii text, longer than eight bytes"), Errc::ok);
    EXPECT_EQ(validate_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"), Errc::ok);
    for (const std::string &bad : {std::string{"a\0b", 3}, std::string{"\x80"}, std::string{"\xc0\x80"},
                                  std::string{"\xe0\x80\x80"}, std::string{"\xed\xa0\x80"}, std::string{"\xf4\x90\x80\x80"},
                                  std::string{"\xf5\x80\x80\x80"}, std::string{"\xc3"}, std::string{"abcdefgh\xff"}}) {
        EXPECT_NE(validate_utf8(bad), Errc::ok);
    }
}

} // namespace
} // namespace afbus::dbus
