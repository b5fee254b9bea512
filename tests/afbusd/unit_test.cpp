// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The bus's pure parts without sockets: name queues, policy, reply
// tracking; and the command line.
#include "bus/name_registry.hpp"
#include "options.hpp"
#include "bus/policy.hpp"
#include "bus/reply_tracker.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace afbusd::bus;

TEST(NameRegistry, FirstRequestOwns)
{
    NameRegistry r;
    const auto res = r.request("a.b", 1, 0);
    EXPECT_EQ(res.reply, RequestReply::primary_owner);
    ASSERT_TRUE(res.change);
    const NameChange change = res.change.value_or(NameChange{});
    EXPECT_EQ(change.old_owner, 0U);
    EXPECT_EQ(change.new_owner, 1U);
    EXPECT_EQ(r.owner("a.b"), 1U);
    EXPECT_EQ(r.request("a.b", 1, 0).reply, RequestReply::already_owner);
}

TEST(NameRegistry, QueueAndDoNotQueue)
{
    NameRegistry r;
    r.request("a.b", 1, 0);
    EXPECT_EQ(r.request("a.b", 2, name_flag_do_not_queue).reply, RequestReply::exists);
    EXPECT_EQ(r.request("a.b", 2, 0).reply, RequestReply::in_queue);
    EXPECT_EQ(r.request("a.b", 3, name_flag_replace_existing).reply, RequestReply::in_queue); // not allowed
    EXPECT_EQ(r.queue("a.b"), (std::vector<PeerId>{1, 2, 3}));
    // EXISTS takes a queued peer out of the queue.
    EXPECT_EQ(r.request("a.b", 3, name_flag_do_not_queue).reply, RequestReply::exists);
    EXPECT_EQ(r.queue("a.b"), (std::vector<PeerId>{1, 2}));
}

TEST(NameRegistry, ReplacementKeepsTheOldOwnerQueued)
{
    NameRegistry r;
    r.request("a.b", 1, name_flag_allow_replacement);
    r.request("a.b", 2, 0);
    const auto res = r.request("a.b", 3, name_flag_replace_existing);
    EXPECT_EQ(res.reply, RequestReply::primary_owner);
    ASSERT_TRUE(res.change);
    const NameChange change = res.change.value_or(NameChange{});
    EXPECT_EQ(change.old_owner, 1U);
    EXPECT_EQ(change.new_owner, 3U);
    EXPECT_EQ(r.queue("a.b"), (std::vector<PeerId>{3, 1, 2}));
}

TEST(NameRegistry, ReplacementDropsADoNotQueueOwner)
{
    NameRegistry r;
    r.request("a.b", 1, name_flag_allow_replacement | name_flag_do_not_queue);
    r.request("a.b", 2, name_flag_replace_existing);
    EXPECT_EQ(r.queue("a.b"), (std::vector<PeerId>{2}));
}

TEST(NameRegistry, ReleaseAndReleaseAll)
{
    NameRegistry r;
    EXPECT_EQ(r.release("a.b", 1).reply, ReleaseReply::non_existent);
    r.request("a.b", 1, 0);
    r.request("a.b", 2, 0);
    r.request("c.d", 1, 0);
    EXPECT_EQ(r.release("a.b", 3).reply, ReleaseReply::not_owner);
    const auto changes = r.release_all(1);
    ASSERT_EQ(changes.size(), 2U);
    EXPECT_EQ(changes[0].name, "a.b");
    EXPECT_EQ(changes[0].new_owner, 2U);
    EXPECT_EQ(changes[1].name, "c.d");
    EXPECT_EQ(changes[1].new_owner, 0U);
    EXPECT_EQ(r.names(), (std::vector<std::string>{"a.b"}));
}

TEST(Policy, LastMatchingRuleWins)
{
    const auto p = Policy::parse("# comment\n"
                                 "deny own *\n"
                                 "allow own com.example.*   # and below\n"
                                 "deny own com.example.Secret uid=1000\n"
                                 "deny send org.private\n");
    ASSERT_TRUE(p) << p.error();
    EXPECT_EQ(p->size(), 4U);
    EXPECT_FALSE(p->may_own(0, "org.other"));
    EXPECT_TRUE(p->may_own(0, "com.example"));
    EXPECT_TRUE(p->may_own(0, "com.example.A.B"));
    EXPECT_FALSE(p->may_own(0, "com.examplex"));
    EXPECT_TRUE(p->may_own(0, "com.example.Secret"));
    EXPECT_FALSE(p->may_own(1000, "com.example.Secret"));
    const std::array<std::string_view, 2> names{":1.4", "org.private"};
    EXPECT_FALSE(p->may_send(0, names));
    const std::array<std::string_view, 1> unique{":1.4"};
    EXPECT_TRUE(p->may_send(0, unique));
}

TEST(Policy, ErrorsNameTheLine)
{
    for (const char *bad : {"allow\n", "permit own *\n", "allow eat *\n", "allow own bad..name\n",
                            "allow own * uid=x\n", "allow own * uid=1 extra\n"}) {
        const auto p = Policy::parse(std::string{"\n"} + bad);
        ASSERT_FALSE(p) << bad;
        EXPECT_TRUE(p.error().starts_with("line 2: ")) << p.error();
    }
}

TEST(ReplyTracker, OnlyTheCalleeMayAnswerOnce)
{
    ReplyTracker t;
    EXPECT_TRUE(t.expect(1, 10, 2));
    EXPECT_FALSE(t.take(1, 10, 3)); // someone else
    EXPECT_FALSE(t.take(1, 11, 2)); // another serial
    EXPECT_TRUE(t.take(1, 10, 2));
    EXPECT_FALSE(t.take(1, 10, 2)); // twice
}

TEST(ReplyTracker, ForgetReportsOrphansAndBounds)
{
    ReplyTracker t;
    t.expect(1, 10, 2);
    t.expect(3, 5, 2);
    t.expect(2, 7, 1);
    const auto orphans = t.forget(2);
    ASSERT_EQ(orphans.size(), 2U);
    EXPECT_EQ(orphans[0].caller, 1U);
    EXPECT_EQ(orphans[1].caller, 3U);
    EXPECT_FALSE(t.take(2, 7, 1)); // 2's own calls are gone too
    for (std::uint32_t s = 1; s <= ReplyTracker::max_pending_per_caller; ++s) {
        ASSERT_TRUE(t.expect(9, s, 8));
    }
    EXPECT_FALSE(t.expect(9, 0xffff, 8));
}

} // namespace

namespace {

std::expected<afbusd::Options, std::string> parse(std::vector<std::string> args)
{
    std::vector<char *> argv;
    argv.reserve(args.size());
    for (std::string &a : args) {
        argv.push_back(a.data());
    }
    return afbusd::parse_options(argv);
}

TEST(Options, AddressesRepeatInOrder)
{
    const auto o = parse({"--address", "unix:path=/tmp/a", "--address=afbus:path=/tmp/b", "--address",
                          "unix:abstract=c"});
    ASSERT_TRUE(o) << o.error();
    EXPECT_EQ(o->addresses, (std::vector<std::string>{"unix:path=/tmp/a", "afbus:path=/tmp/b", "unix:abstract=c"}));
}

TEST(Options, OneAfbusAddressAtMost)
{
    const auto o = parse({"--address", "afbus:path=/tmp/a", "--address", "unix:path=/tmp/u", "--address",
                          "afbus:path=/tmp/b"});
    ASSERT_FALSE(o);
    EXPECT_NE(o.error().find("at most one afbus:"), std::string::npos) << o.error();
    EXPECT_FALSE(parse({}));
    EXPECT_FALSE(parse({"--address"}));
}

TEST(Options, AddressKind)
{
    using afbusd::AddressKind;
    EXPECT_EQ(afbusd::address_kind("afbus:path=/run/x"), AddressKind::afbus);
    EXPECT_EQ(afbusd::address_kind("unix:path=/run/x"), AddressKind::unix_stream);
    EXPECT_EQ(afbusd::address_kind("unix:abstract=x"), AddressKind::unix_stream);
    // The first entry afbusd can serve decides.
    EXPECT_EQ(afbusd::address_kind("tcp:host=h,port=1;afbus:path=/x"), AddressKind::afbus);
    EXPECT_FALSE(afbusd::address_kind("tcp:host=h,port=1"));
    EXPECT_FALSE(afbusd::address_kind("afbus:abstract=x"));
    EXPECT_FALSE(afbusd::address_kind("nonsense"));
}

} // namespace
