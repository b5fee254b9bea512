// SPDX-License-Identifier: LGPL-2.1-or-later
//
// SASL EXTERNAL: client against server, and each against scripted peers.
#include <afbus/dbus/sasl.hpp>

#include <gtest/gtest.h>
#include <string>
#include <string_view>

namespace afbus::dbus {
namespace {

constexpr std::string_view guid = "0123456789abcdef0123456789abcdef";

// Runs both machines against each other until neither has output.
void converse(SaslClient &c, SaslServer &s)
{
    for (int round = 0; round < 20; ++round) {
        const std::string to_server{c.output()};
        c.consume_output(to_server.size());
        if (!to_server.empty()) {
            ASSERT_TRUE(s.feed(to_server));
        }
        const std::string to_client{s.output()};
        s.consume_output(to_client.size());
        if (!to_client.empty()) {
            ASSERT_TRUE(c.feed(to_client));
        }
        if (to_server.empty() && to_client.empty()) {
            return;
        }
    }
}

TEST(Sasl, ClientAndServerAgree)
{
    for (const bool fds : {false, true}) {
        for (const bool initial : {false, true}) {
            SaslClient c{{.uid = 1000, .negotiate_unix_fd = fds, .initial_response = initial}};
            SaslServer s{{.peer_uid = 1000, .unix_fd_supported = true, .guid = std::string{guid}}};
            converse(c, s);
            EXPECT_EQ(c.state(), SaslState::authenticated);
            EXPECT_EQ(s.state(), SaslState::authenticated);
            EXPECT_EQ(c.unix_fd_agreed(), fds);
            EXPECT_EQ(s.unix_fd_agreed(), fds);
            EXPECT_EQ(c.server_guid(), guid);
        }
    }
}

TEST(Sasl, ServerWithoutFdsRefusesThemAndClientCarriesOn)
{
    SaslClient c{{.uid = 0, .negotiate_unix_fd = true}};
    SaslServer s{{.peer_uid = 0, .unix_fd_supported = false, .guid = std::string{guid}}};
    converse(c, s);
    EXPECT_EQ(c.state(), SaslState::authenticated);
    EXPECT_FALSE(c.unix_fd_agreed());
}

TEST(Sasl, WrongUidIsRejected)
{
    SaslClient c{{.uid = 1000}};
    SaslServer s{{.peer_uid = 1001, .guid = std::string{guid}}};
    converse(c, s);
    EXPECT_EQ(c.state(), SaslState::failed);
    EXPECT_NE(s.state(), SaslState::authenticated);
}

TEST(Sasl, ClientWireFormat)
{
    SaslClient c{{.uid = 1000, .negotiate_unix_fd = true}};
    EXPECT_EQ(c.output(), std::string_view("\0AUTH EXTERNAL 31303030\r\n", 25));
    c.consume_output(25);
    // The reply and the first message bytes arrive together: only the
    // lines are consumed.
    const std::string in = "OK " + std::string{guid} + "\r\nAGREE_UNIX_FD\r\n" + std::string("l\1\0\1", 4);
    auto used = c.feed(in);
    ASSERT_TRUE(used);
    EXPECT_EQ(*used, in.size() - 4);
    EXPECT_EQ(c.output(), "NEGOTIATE_UNIX_FD\r\nBEGIN\r\n");
    EXPECT_EQ(c.state(), SaslState::authenticated);
}

TEST(Sasl, ClientSplitLinesAndErrors)
{
    SaslClient c{{.uid = 5}};
    c.consume_output(c.output().size());
    ASSERT_TRUE(c.feed("ERR"));
    ASSERT_TRUE(c.feed("OR \"no\"\r\n"));
    EXPECT_EQ(c.output(), "CANCEL\r\n");
    ASSERT_TRUE(c.feed("REJECTED EXTERNAL\r\n"));
    EXPECT_EQ(c.state(), SaslState::failed);
}

TEST(Sasl, ServerScript)
{
    SaslServer s{{.peer_uid = 1000, .unix_fd_supported = true, .guid = std::string{guid}}};
    ASSERT_TRUE(s.feed(std::string_view("\0AUTH\r\n", 7)));
    EXPECT_EQ(s.output(), "REJECTED EXTERNAL\r\n");
    s.consume_output(s.output().size());
    ASSERT_TRUE(s.feed("AUTH ANONYMOUS\r\n"));
    EXPECT_EQ(s.output(), "REJECTED EXTERNAL\r\n");
    s.consume_output(s.output().size());
    ASSERT_TRUE(s.feed("HELLO\r\n"));
    EXPECT_TRUE(s.output().starts_with("ERROR"));
    s.consume_output(s.output().size());
    ASSERT_TRUE(s.feed("AUTH EXTERNAL zz\r\n")); // bad hex
    EXPECT_EQ(s.output(), "REJECTED EXTERNAL\r\n");
    s.consume_output(s.output().size());
    ASSERT_TRUE(s.feed("AUTH EXTERNAL\r\n"));
    EXPECT_EQ(s.output(), "DATA\r\n");
    s.consume_output(s.output().size());
    ASSERT_TRUE(s.feed("DATA\r\n")); // empty: the credentials decide
    EXPECT_EQ(s.output(), "OK " + std::string{guid} + "\r\n");
    s.consume_output(s.output().size());
    ASSERT_TRUE(s.feed("NEGOTIATE_UNIX_FD\r\n"));
    EXPECT_EQ(s.output(), "AGREE_UNIX_FD\r\n");
    auto used = s.feed("BEGIN\r\nl\1");
    ASSERT_TRUE(used);
    EXPECT_EQ(*used, 7U);
    EXPECT_EQ(s.state(), SaslState::authenticated);
}

TEST(Sasl, ServerLimits)
{
    SaslServer no_nul{{.guid = std::string{guid}}};
    EXPECT_FALSE(no_nul.feed("AUTH EXTERNAL\r\n"));
    EXPECT_EQ(no_nul.state(), SaslState::failed);

    SaslServer s{{.guid = std::string{guid}}};
    ASSERT_TRUE(s.feed(std::string_view("\0", 1)));
    EXPECT_FALSE(s.feed(std::string(max_sasl_line + 1, 'A')));
    EXPECT_EQ(s.state(), SaslState::failed);

    SaslServer persistent{{.peer_uid = 1, .guid = std::string{guid}}};
    ASSERT_TRUE(persistent.feed(std::string_view("\0", 1)));
    for (unsigned i = 0; i < max_sasl_rejections; ++i) {
        ASSERT_TRUE(persistent.feed("AUTH EXTERNAL 30\r\n"));
    }
    EXPECT_EQ(persistent.state(), SaslState::failed);

    SaslServer early{{.guid = std::string{guid}}};
    ASSERT_TRUE(early.feed(std::string_view("\0BEGIN\r\n", 8)));
    EXPECT_EQ(early.state(), SaslState::failed);
}

TEST(Sasl, Hex)
{
    EXPECT_EQ(sasl_hex_encode("1000"), "31303030");
    std::string out;
    EXPECT_TRUE(sasl_hex_decode("31303030", out));
    EXPECT_EQ(out, "1000");
    EXPECT_TRUE(sasl_hex_decode("4A4b", out));
    EXPECT_EQ(out, "JK");
    EXPECT_FALSE(sasl_hex_decode("313", out));
    EXPECT_FALSE(sasl_hex_decode("3g", out));
}

} // namespace
} // namespace afbus::dbus
