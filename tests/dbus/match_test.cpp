// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Match rules against the vector file (match-rules.txt, format described
// there), plus what vectors cannot express. The shared vector file the
// kernel's nfdbus uses, tests/vectors/match-rules.txt (its own TAB-separated
// format, described at its top), runs too when it exists.
#include <afbus/dbus/match.hpp>

#include <array>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

namespace afbus::dbus {
namespace {

std::vector<std::string> split(const std::string &line, const std::string &sep)
{
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (true) {
        const std::size_t next = line.find(sep, pos);
        out.push_back(line.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
        if (next == std::string::npos) {
            return out;
        }
        pos = next + sep.size();
    }
}

// A message from "type=signal path=/a args=s:x,u:1 eavesdropping".
struct SpecMessage {
    std::vector<std::byte> bytes;
    Message msg;
    bool eavesdropping = false;
};

SpecMessage build(const std::string &spec)
{
    SpecMessage out;
    Header h;
    h.serial = 1;
    std::vector<std::string> storage;
    storage.reserve(16);
    Writer w;
    std::istringstream words{spec};
    std::string word;
    while (words >> word) {
        if (word == "eavesdropping") {
            out.eavesdropping = true;
            continue;
        }
        const std::size_t eq = word.find('=');
        const std::string key = word.substr(0, eq);
        const std::string &value = storage.emplace_back(word.substr(eq + 1));
        if (key == "type") {
            h.type = value == "signal" ? MessageType::signal
                     : value == "method_call" ? MessageType::method_call
                     : value == "method_return" ? MessageType::method_return
                                                : MessageType::error;
            if (h.type == MessageType::method_return || h.type == MessageType::error) {
                h.reply_serial = 1;
                h.error_name = h.type == MessageType::error ? "org.example.Error" : "";
            }
        } else if (key == "sender") {
            h.sender = value;
        } else if (key == "destination") {
            h.destination = value;
        } else if (key == "path") {
            h.path = value;
        } else if (key == "interface") {
            h.interface = value;
        } else if (key == "member") {
            h.member = value;
        } else if (key == "args") {
            for (const std::string &arg : split(value, ",")) {
                const std::string v = arg.substr(2);
                switch (arg[0]) {
                case 's': w.put_string(v); break;
                case 'o': w.put_object_path(v); break;
                case 'g': w.put_signature(v); break;
                case 'i': w.put_int32(std::stoi(v)); break;
                default: w.put_uint32(static_cast<std::uint32_t>(std::stoul(v))); break;
                }
            }
        } else {
            ADD_FAILURE() << "unknown message key " << key;
        }
    }
    auto bytes = build_message(h, w);
    EXPECT_TRUE(bytes) << spec;
    out.bytes = bytes.value_or(std::vector<std::byte>{});
    auto m = parse_message(out.bytes);
    EXPECT_TRUE(m) << spec;
    if (m) {
        out.msg = *m;
    }
    return out;
}

int run_vectors(const std::string &file)
{
    std::ifstream in{file};
    std::string line;
    int n = 0;
    int lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        if (line.empty() || line[0] == '#') {
            continue;
        }
        const auto f = split(line, " :: ");
        std::string where = file;
        where += ':';
        where += std::to_string(lineno);
        where += ": ";
        where += line;
        SCOPED_TRACE(where);
        ++n;
        if (f[0] == "parse" && f.size() == 3) {
            const auto rule = parse_match_rule(f[2]);
            EXPECT_EQ(rule.has_value(), f[1] == "ok");
            if (rule) {
                // The canonical text reads back to the same rule.
                const auto again = parse_match_rule(rule->to_string());
                EXPECT_TRUE(again) << rule->to_string();
                if (again) {
                    EXPECT_EQ(*again, *rule) << rule->to_string();
                }
            }
        } else if (f[0] == "match" && f.size() == 4) {
            const auto rule = parse_match_rule(f[2]);
            EXPECT_TRUE(rule);
            if (!rule) {
                continue;
            }
            const SpecMessage m = build(f[3]);
            const MatchArgs args = extract_match_args(m.msg);
            MatchContext ctx;
            ctx.eavesdropping = m.eavesdropping;
            EXPECT_EQ(rule->matches(m.msg, args, ctx), f[1] == "yes");
        } else {
            ADD_FAILURE() << "malformed vector";
        }
    }
    return n;
}

// The shared vector file (tests/vectors/match-rules.txt, written for nfdbus):
// "rule", "invalid", "owner", "match" and "nomatch" lines, TAB-separated,
// format described at its top.
struct SharedGroup {
    std::optional<MatchRule> rule;
    std::vector<std::pair<std::string, std::string>> owners; // name, unique owner
};

// @name, or the unique name owning it in @group, and every name that owner has.
std::vector<std::string> names_of(const SharedGroup &group, std::string_view name)
{
    std::string unique{name};
    for (const auto &[owned, owner] : group.owners) {
        if (owned == name) {
            unique = owner;
        }
    }
    std::vector<std::string> out{unique};
    for (const auto &[owned, owner] : group.owners) {
        if (owner == unique) {
            out.push_back(owned);
        }
    }
    return out;
}

// Whether @rule, with @group's owners, matches the message of @items (KEY=VALUE).
bool shared_matches(const MatchRule &rule, const SharedGroup &group, const std::vector<std::string> &items)
{
    Header h;
    h.serial = 1;
    std::map<std::size_t, std::pair<char, std::string>> args;
    std::vector<std::string> values;
    values.reserve(items.size());
    bool eavesdropping = false;
    for (const std::string &item : items) {
        const std::size_t eq = item.find('=');
        const std::string key = item.substr(0, eq);
        const std::string &value = values.emplace_back(eq == std::string::npos ? "" : item.substr(eq + 1));
        if (key == "type") {
            h.type = value == "signal" ? MessageType::signal
                     : value == "method_call" ? MessageType::method_call
                     : value == "method_return" ? MessageType::method_return
                     : value == "error" ? MessageType::error
                                        : MessageType::invalid;
            EXPECT_NE(h.type, MessageType::invalid) << value;
        } else if (key == "sender") {
            h.sender = value;
        } else if (key == "destination") {
            h.destination = value;
        } else if (key == "path") {
            h.path = value;
        } else if (key == "interface") {
            h.interface = value;
        } else if (key == "member") {
            h.member = value;
        } else if (key == "error_name") {
            h.error_name = value;
        } else if (key == "reply_serial") {
            h.reply_serial = static_cast<std::uint32_t>(std::stoul(value));
        } else if (key == "eavesdrop") {
            eavesdropping = value == "1";
        } else if (key.starts_with("arg") && value.size() >= 2 && value[1] == ':') {
            args[std::stoul(key.substr(3))] = {value[0], value.substr(2)};
        } else {
            ADD_FAILURE() << "unknown message item " << item;
        }
    }
    Writer w;
    const std::size_t count = args.empty() ? 0 : args.rbegin()->first + 1;
    for (std::size_t i = 0; i < count; ++i) {
        const auto it = args.find(i);
        if (it == args.end()) {
            w.put_int32(0);
            continue;
        }
        const auto &[type, text] = it->second;
        switch (type) {
        case 's': w.put_string(text); break;
        case 'o': w.put_object_path(text); break;
        case 'g': w.put_signature(text); break;
        default: ADD_FAILURE() << "unknown argument type " << type; break;
        }
    }
    const auto bytes = build_message(h, w);
    EXPECT_TRUE(bytes);
    if (!bytes) {
        return false;
    }
    const auto msg = parse_message(*bytes);
    EXPECT_TRUE(msg);
    if (!msg) {
        return false;
    }
    const MatchArgs margs = extract_match_args(*msg);
    const std::vector<std::string> sender = names_of(group, h.sender);
    const std::vector<std::string> destination = names_of(group, h.destination);
    const std::vector<std::string_view> sender_views(sender.begin(), sender.end());
    const std::vector<std::string_view> destination_views(destination.begin(), destination.end());
    MatchContext ctx;
    ctx.eavesdropping = eavesdropping;
    if (!h.sender.empty()) {
        ctx.sender_names = sender_views;
    }
    if (!h.destination.empty()) {
        ctx.destination_names = destination_views;
    }
    return rule.matches(*msg, margs, ctx);
}

int run_shared_vectors(const std::string &file)
{
    std::ifstream in{file};
    std::string line;
    int n = 0;
    int lineno = 0;
    SharedGroup group;
    while (std::getline(in, line)) {
        ++lineno;
        if (line.empty() || line[0] == '#') {
            continue;
        }
        std::string where = file;
        where += ':';
        where += std::to_string(lineno);
        where += ": ";
        where += line;
        SCOPED_TRACE(where);
        const std::size_t tab = line.find('\t');
        const std::string keyword = line.substr(0, tab);
        const std::string rest = tab == std::string::npos ? std::string{} : line.substr(tab + 1);
        ++n;
        if (keyword == "rule") {
            group = SharedGroup{};
            const auto rule = parse_match_rule(rest);
            EXPECT_TRUE(rule) << "rejected: " << rest;
            if (rule) {
                group.rule = *rule;
            }
        } else if (keyword == "invalid") {
            group = SharedGroup{};
            EXPECT_FALSE(parse_match_rule(rest)) << "accepted: " << rest;
        } else if (keyword == "owner") {
            const auto f = split(rest, "\t");
            EXPECT_EQ(f.size(), 2U);
            if (f.size() == 2) {
                group.owners.emplace_back(f[0], f[1]);
            }
        } else if (keyword == "match" || keyword == "nomatch") {
            EXPECT_TRUE(group.rule) << "no rule for this line";
            if (group.rule) {
                const MatchRule &rule = *group.rule;
                EXPECT_EQ(shared_matches(rule, group, split(rest, "\t")), keyword == "match")
                        << "rule: " << rule.to_string();
            }
        } else {
            ADD_FAILURE() << "unknown keyword " << keyword;
        }
    }
    return n;
}

TEST(MatchRules, Vectors)
{
    EXPECT_GT(run_vectors(AFBUS_MATCH_VECTORS), 80);
}

TEST(MatchRules, SharedVectors)
{
    if (!std::ifstream{AFBUS_SHARED_MATCH_VECTORS}) {
        GTEST_SKIP() << AFBUS_SHARED_MATCH_VECTORS << " does not exist yet";
    }
    EXPECT_GT(run_shared_vectors(AFBUS_SHARED_MATCH_VECTORS), 0);
}

TEST(MatchRules, Quoting)
{
    auto r = parse_match_rule(R"(arg0='it'\''s',arg1=a\b,arg2='a,b',arg3=\')");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->args.size(), 4U);
    EXPECT_EQ(r->args[0].value, "it's");
    EXPECT_EQ(r->args[1].value, "a\\b");
    EXPECT_EQ(r->args[2].value, "a,b");
    EXPECT_EQ(r->args[3].value, "'");
}

TEST(MatchRules, LengthLimit)
{
    const std::string prefix = "arg0='";
    std::string rule = prefix + std::string(max_match_rule_length - prefix.size() - 1, 'x') + "'";
    ASSERT_EQ(rule.size(), max_match_rule_length);
    EXPECT_TRUE(parse_match_rule(rule));
    rule.insert(prefix.size(), "x");
    EXPECT_FALSE(parse_match_rule(rule));
}

TEST(MatchRules, SenderByOwnedName)
{
    auto rule = parse_match_rule("sender='org.example.Service'");
    ASSERT_TRUE(rule);
    const SpecMessage m = build("type=signal sender=:1.7 path=/a interface=org.example.I member=M");
    const MatchArgs args = extract_match_args(m.msg);
    EXPECT_FALSE(rule->matches(m.msg, args, {}));
    const std::array<std::string_view, 2> names = {":1.7", "org.example.Service"};
    MatchContext ctx;
    ctx.sender_names = names;
    EXPECT_TRUE(rule->matches(m.msg, args, ctx));
}

TEST(MatchRules, DestinationByOwnedName)
{
    auto rule = parse_match_rule("destination=':1.5'");
    ASSERT_TRUE(rule);
    const SpecMessage m = build("type=method_call destination=org.example.Dest path=/a member=M");
    const MatchArgs args = extract_match_args(m.msg);
    EXPECT_FALSE(rule->matches(m.msg, args, {}));
    const std::array<std::string_view, 2> names = {":1.5", "org.example.Dest"};
    MatchContext ctx;
    ctx.destination_names = names;
    EXPECT_TRUE(rule->matches(m.msg, args, ctx));
}

TEST(MatchRules, Arg63)
{
    Writer w;
    for (int i = 0; i < 70; ++i) {
        w.put_string("v" + std::to_string(i));
    }
    Header h;
    h.type = MessageType::signal;
    h.serial = 1;
    h.path = "/";
    h.interface = "a.b";
    h.member = "M";
    auto bytes = build_message(h, w);
    auto m = parse_message(*bytes);
    ASSERT_TRUE(m);
    const MatchArgs args = extract_match_args(*m);
    EXPECT_EQ(args.count, max_match_args);
    EXPECT_TRUE(parse_match_rule("arg63='v63'")->matches(*m, args, {}));
    EXPECT_FALSE(parse_match_rule("arg63='v64'")->matches(*m, args, {}));
}

} // namespace
} // namespace afbus::dbus
