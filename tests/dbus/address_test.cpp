// SPDX-License-Identifier: LGPL-2.1-or-later
//
// D-Bus address strings and the bus defaults.
#include <afbus/dbus/address.hpp>

#include <gtest/gtest.h>
#include <map>

namespace afbus::dbus {
namespace {

TEST(Address, ParsesListsAndEscapes)
{
    auto a = parse_address("unix:path=/run/a%20b;afbus:path=/run/afbus/system_bus,guid=00ff;unix:abstract=x%2cy");
    ASSERT_TRUE(a);
    ASSERT_EQ(a->size(), 3U);
    EXPECT_EQ((*a)[0].transport, "unix");
    EXPECT_EQ((*a)[0].get("path"), "/run/a b");
    EXPECT_EQ((*a)[1].get("guid"), "00ff");
    EXPECT_EQ((*a)[2].get("abstract"), "x,y");
    EXPECT_EQ(connect_target((*a)[0])->kind, ConnectTarget::Kind::unix_path);
    EXPECT_EQ(connect_target((*a)[1])->kind, ConnectTarget::Kind::afbus_path);
    EXPECT_EQ(connect_target((*a)[1])->path, "/run/afbus/system_bus");
    EXPECT_EQ(connect_target((*a)[2])->kind, ConnectTarget::Kind::unix_abstract);
    EXPECT_EQ(connect_target((*a)[2])->path, "x,y");
}

TEST(Address, Invalid)
{
    for (const char *bad : {"", ";", "unix", ":path=/x", "unix:path", "unix:=x", "unix:path=%", "unix:path=%4",
                            "unix:path=%zz", "unix:path=/a,path=/b"}) {
        EXPECT_FALSE(parse_address(bad)) << bad;
    }
    EXPECT_FALSE(connect_target(parse_address("unix:path=/a,abstract=b")->front()));
    EXPECT_FALSE(connect_target(parse_address("unix:guid=1")->front()));
    EXPECT_FALSE(connect_target(parse_address("tcp:host=localhost,port=1")->front()));
}

TEST(Address, EscapeRoundTrip)
{
    const std::string raw = "/tmp/we ird;,=%\xc3\xa9";
    auto a = parse_address("unix:path=" + escape_address_value(raw));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->front().get("path"), raw);
    EXPECT_EQ(escape_address_value("/run/a-b_c.d"), "/run/a-b_c.d");
}

TEST(Address, Defaults)
{
    std::map<std::string, std::string> env;
    const GetEnv fake = [&env](const char *name) -> const char * {
        auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
    };
    EXPECT_EQ(system_bus_address(fake), "unix:path=/run/dbus/system_bus_socket");
    EXPECT_EQ(session_bus_address(fake), "");
    env["XDG_RUNTIME_DIR"] = "/run/user/1000";
    EXPECT_EQ(session_bus_address(fake), "unix:path=/run/user/1000/bus");
    env["DBUS_SESSION_BUS_ADDRESS"] = "afbus:path=/run/afbus/session";
    EXPECT_EQ(session_bus_address(fake), "afbus:path=/run/afbus/session");
    env["DBUS_SYSTEM_BUS_ADDRESS"] = "afbus:path=/run/afbus/system_bus";
    EXPECT_EQ(system_bus_address(fake), "afbus:path=/run/afbus/system_bus");
}

} // namespace
} // namespace afbus::dbus
