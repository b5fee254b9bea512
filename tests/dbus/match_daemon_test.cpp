// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Match rules against the reference: a private dbus-daemon (the host's,
// 1.14 on Debian 12) is asked AddMatch for every rule of the two vector
// files (tests/vectors/match-rules.txt, tests/dbus/match-rules.txt) and for
// a generated set of edge cases, and
//   - libafbus-dbus's parse_match_rule() and the kernel's nfdbus_rule_parse()
//     (kernel/net/netfilter/nfdbus/nfdbus_rule.c, built for the host) must
//     accept exactly the rules the daemon accepts, and read each accepted
//     rule to the same keys and values;
//   - for each accepted rule that a signal can satisfy, the signal built
//     from our reading of it must reach a connection holding the rule
//     through the daemon, and our matcher must say it matches: this
//     catches a value decoded differently (escapes, quotes);
//   - every signal line of tests/vectors/match-rules.txt (match or
//     nomatch) must be delivered by the daemon exactly when it says so.
// A divergence fails with the rule and the daemon's answer.
#include "dbus_daemon.hpp"
#include "nfdbus_rule_host.h"

#include <afbus/dbus/match.hpp>
#include <afbus/dbus/message.hpp>

#include <dbus/dbus.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace afbus::dbus {
namespace {

using afbus::testing::DbusDaemon;

constexpr int call_timeout_ms = 10000;
constexpr auto delivery_timeout = std::chrono::seconds(10);
constexpr const char *sentinel_interface = "org.afbus.test.Sentinel";

struct ConnectionCloser {
    void operator()(DBusConnection *c) const noexcept
    {
        dbus_connection_close(c);
        dbus_connection_unref(c);
    }
};
using ConnectionPtr = std::unique_ptr<DBusConnection, ConnectionCloser>;

struct MessageUnref {
    void operator()(DBusMessage *m) const noexcept { dbus_message_unref(m); }
};
using MessagePtr = std::unique_ptr<DBusMessage, MessageUnref>;

// @s with control bytes and backslashes escaped, for failure messages.
std::string printable(std::string_view s)
{
    std::string out;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f || c == '\\') {
            std::array<char, 8> buf{};
            (void)std::snprintf(buf.data(), buf.size(), "\\x%02x", u);
            out += buf.data();
        } else {
            out += c;
        }
    }
    return out;
}

ConnectionPtr connect(const std::string &address)
{
    DBusError err;
    dbus_error_init(&err);
    ConnectionPtr c{dbus_connection_open_private(address.c_str(), &err)};
    if (c && dbus_bus_register(c.get(), &err) != 0) {
        dbus_connection_set_exit_on_disconnect(c.get(), FALSE);
        return c;
    }
    ADD_FAILURE() << "cannot connect to " << address << ": " << (err.message != nullptr ? err.message : "?");
    dbus_error_free(&err);
    return nullptr;
}

enum class Verdict { accepted, rejected, broken };

// The daemon's answer to AddMatch(@rule) on @c; @why is its error.
Verdict add_match(DBusConnection *c, const std::string &rule, std::string &why)
{
    const MessagePtr call{dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS, "AddMatch")};
    const char *text = rule.c_str();
    if (!call || dbus_message_append_args(call.get(), DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID) == 0) {
        why = "cannot build the AddMatch call";
        return Verdict::broken;
    }
    DBusError err;
    dbus_error_init(&err);
    const MessagePtr reply{dbus_connection_send_with_reply_and_block(c, call.get(), call_timeout_ms, &err)};
    if (reply) {
        return Verdict::accepted;
    }
    why = std::string{err.name != nullptr ? err.name : "?"} + ": " + (err.message != nullptr ? err.message : "");
    const bool refused = dbus_error_has_name(&err, DBUS_ERROR_MATCH_RULE_INVALID) != 0 ||
                         dbus_error_has_name(&err, DBUS_ERROR_LIMITS_EXCEEDED) != 0;
    dbus_error_free(&err);
    return refused ? Verdict::rejected : Verdict::broken;
}

// A parsed rule in one canonical text, whichever parser read it.
struct ArgKey {
    unsigned index;
    std::string kind;
    std::string value;
    bool operator<(const ArgKey &o) const { return std::tie(index, kind) < std::tie(o.index, o.kind); }
};

std::string describe(unsigned type, bool eavesdrop, const std::vector<std::pair<std::string, std::string>> &fields,
                     std::vector<ArgKey> args)
{
    std::ostringstream out;
    out << "type=" << type << " eavesdrop=" << eavesdrop;
    for (const auto &[key, value] : fields) {
        if (!value.empty()) {
            out << ' ' << key << "=[" << printable(value) << ']';
        }
    }
    std::sort(args.begin(), args.end());
    for (const ArgKey &a : args) {
        out << " arg" << a.index << a.kind << "=[" << printable(a.value) << ']';
    }
    return out.str();
}

std::string describe(const MatchRule &r)
{
    std::vector<ArgKey> args;
    args.reserve(r.args.size() + 1);
    for (const MatchArg &a : r.args) {
        args.push_back({a.index, a.is_path ? "path" : "", a.value});
    }
    if (!r.arg0namespace.empty()) {
        args.push_back({0, "namespace", r.arg0namespace});
    }
    return describe(static_cast<unsigned>(r.type), r.eavesdrop,
                    {{"sender", r.sender},
                     {"interface", r.interface},
                     {"member", r.member},
                     {"path", r.path},
                     {"path_namespace", r.path_namespace},
                     {"destination", r.destination}},
                    std::move(args));
}

std::string describe(const nfdbus_host_rule &r)
{
    const auto str = [](const char *s) { return std::string{s != nullptr ? s : ""}; };
    std::vector<ArgKey> args;
    for (const nfdbus_host_arg &a : std::span{r.args}.first(r.nargs)) {
        args.push_back({a.index,
                        a.kind == NFDBUS_HOST_ARG_PATH        ? "path"
                        : a.kind == NFDBUS_HOST_ARG_NAMESPACE ? "namespace"
                                                              : "",
                        str(a.value)});
    }
    return describe(r.type, r.eavesdrop != 0,
                    {{"sender", str(r.sender)},
                     {"interface", str(r.interface)},
                     {"member", str(r.member)},
                     {"path", str(r.path)},
                     {"path_namespace", str(r.path_namespace)},
                     {"destination", str(r.destination)}},
                    std::move(args));
}

// The kernel parser's reading of @text: its canonical text, or nullopt.
std::optional<std::string> kernel_parse(const std::string &text)
{
    nfdbus_host_rule r{};
    nfdbus_host_rule_parse(text.data(), text.size(), &r);
    std::optional<std::string> out;
    if (r.err == 0) {
        out = describe(r);
    }
    nfdbus_host_rule_free(&r);
    return out;
}

// ---------------------------------------------------------------- corpus

// The rules of both vector files: rule/invalid lines of the shared file,
// parse/match lines of tests/dbus/match-rules.txt.
std::vector<std::string> vector_rules()
{
    std::vector<std::string> out;
    std::ifstream shared{AFBUS_SHARED_MATCH_VECTORS};
    std::string line;
    while (std::getline(shared, line)) {
        const std::size_t tab = line.find('\t');
        const std::string keyword = line.substr(0, tab);
        if (tab != std::string::npos && (keyword == "rule" || keyword == "invalid")) {
            out.push_back(line.substr(tab + 1));
        }
    }
    std::ifstream own{AFBUS_MATCH_VECTORS};
    while (std::getline(own, line)) {
        if (line.starts_with("parse :: ") || line.starts_with("match :: ")) {
            const std::size_t a = line.find(" :: ", 9);
            if (a != std::string::npos) {
                const std::size_t b = line.find(" :: ", a + 4);
                out.push_back(line.substr(a + 4, b == std::string::npos ? std::string::npos : b - a - 4));
            }
        }
    }
    return out;
}

std::string repeat(std::string_view token, std::size_t n, std::string_view tail)
{
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out.append(token).append(",");
    }
    return out.append(tail);
}

// Edge cases of the grammar, generated.
std::vector<std::string> generated_rules()
{
    std::vector<std::string> out;
    const auto add = [&out](std::string s) { out.push_back(std::move(s)); };

    // empty keys: dbus-daemon ends the rule there
    for (const char *r : {"='x'", "=", "  ='x'", "\t=''", "type='signal',='x'", "type='signal',=",
                          "type='signal', ='x'", "='x',bogus='y'", "type='signal',='x',type='bogus'",
                          "type='signal',='unterminated", "= 'x'", "type='signal',,='x'", "==", "=,type='bogus'"}) {
        add(r);
    }

    // white space of every kind at every place of a two-key rule
    const std::vector<std::string> spaces = {" ", "\t", "\n", "\r", "\v", "\f", "  \t"};
    for (const std::string &base : {std::string{"type='signal',member='C'"}, std::string{"type=signal,member=C"}}) {
        const std::size_t eq1 = base.find('=');
        const std::size_t comma = base.find(',');
        const std::size_t eq2 = base.find('=', comma);
        for (const std::size_t at : {std::size_t{0}, eq1, eq1 + 1, comma, comma + 1, eq2, eq2 + 1, base.size()}) {
            for (const std::string &ws : spaces) {
                std::string r = base;
                r.insert(at, ws);
                add(r);
            }
        }
    }
    for (const char *r : {"  ", "\t", "\n", ",", " , ", ",type='signal'", "type", "type ", "type\t", " type",
                          "type='signal',member", "type='signal',member ", "type='signal',member =",
                          "type='signal',member='C' ", "type = 'signal'", "type =signal", "type\v='signal'"}) {
        add(r);
    }

    // quoting and escaping in a value, alone and followed by another key
    const std::vector<std::string> values = {
        "''", "'a'", "a", "'a''b'", "a'b'c", "'it'\\''s'", "\\'", "\\'\\'", "\\\\", "\\\\'x'", "a\\,b",
        "'a'\\,b", "a\\", "'a\\'", "'a\\\\'", "'\\''", "\\x", "\\", "'\\,'", "\\,", "'a,b'", "a b", "'a b'",
        "''''", "'''", "'", "a'", "'a", "'a'b'", "a\\'b", R"(\\\')", "'\\'\\''", "a=b", "'a=b'", "\\'a,b\\'",
        "\xc3\xa9", "'\xc3\xa9\xe2\x82\xac'", "'\n'", "\t", "a\\\n"};
    for (const std::string &v : values) {
        add("arg0=" + v);
        add("arg0=" + v + ",member='C'");
        add("member='C',arg1=" + v);
    }

    // repeated keys, and the keys that exclude each other
    const std::vector<std::string> keys = {"type='signal'",     "sender=':1.1'",   "interface='a.b'",
                                           "member='C'",        "path='/a'",       "path_namespace='/a'",
                                           "destination=':1.1'", "eavesdrop='true'", "arg0='a'",
                                           "arg0path='/a'",     "arg0namespace='a'", "arg1='a'",
                                           "arg00='a'",         "arg0x0='a'",      "arg1path='/a'"};
    for (const std::string &a : keys) {
        for (const std::string &b : keys) {
            add(std::string{a}.append(",").append(b));
        }
    }

    // trailing commas
    for (const char *r : {"type='signal',", "type='signal',,", "type='signal', ,", "type='signal',\t", "type=signal,",
                          "arg0=,", "arg0=',',"}) {
        add(r);
    }

    // the length limit, counted on the whole text
    for (const std::size_t n : {std::size_t{1023}, std::size_t{1024}, std::size_t{1025}}) {
        const std::string quoted = "arg0='";
        add(quoted + std::string(n - quoted.size() - 1, 'x') + "'");
        add("arg0=" + std::string(n - 5, 'x'));
        add("type='signal',=" + std::string(n - 15, ' '));
        add("type='signal'," + std::string(n - 14, ' '));
    }

    // how many key=value pairs dbus-daemon reads
    for (const std::size_t n : {std::size_t{14}, std::size_t{15}, std::size_t{16}, std::size_t{17}}) {
        add(repeat("eavesdrop='true'", n, "bogus='x'"));
        add(repeat("eavesdrop='true'", n, "type"));
        add(repeat("eavesdrop='true'", n, "arg0='unterminated"));
        add(repeat("eavesdrop='true'", n, "member='C'"));
        std::string args;
        for (std::size_t i = 0; i < n; ++i) {
            args += "arg" + std::to_string(i) + "='" + std::to_string(i) + "',";
        }
        add(args + "type='bogus'");
        add(args + "arg0='again'");
    }

    // argN, argNpath for N around the limit, and every spelling of N
    for (unsigned n = 0; n <= 65; ++n) {
        add("arg" + std::to_string(n) + "='x'");
        add("arg" + std::to_string(n) + "path='/x/'");
    }
    for (const char *k : {"arg",     "argx",         "arg1x",    "argpath",   "arg00",      "arg010",     "arg077",
                          "arg0100", "arg08",        "arg0x1",   "arg0x3f",   "arg0X3F",    "arg0x40",    "arg0x",
                          "arg0xg",  "arg0xpath",    "arg0xapath", "arg0x1path", "arg+1",    "arg-0",      "arg-1",
                          "arg+0x3f", "arg-00",      "arg+-1",   "arg--0",    "arg1.0",     "arg\v1",     "arg\f1path",
                          "arg\v\f2", "arg99999999999999999999", "arg18446744073709551615",
                          "arg18446744073709551616", "arg1namespace", "arg00namespace", "arg+0namespace",
                          "arg0Namespace", "arg0namespacex", "arg0path2", "arg0pathpath", "arg0Path", "Arg0",
                          "ARG0", "arg\xc3\xa9"}) {
        add(std::string{k} + "='/x'");
    }

    // names: sender, destination, and arg0namespace's prefixes
    const std::vector<std::string> names = {
        ":1.2",  ":1",   ":",     ":.1",    ":.",       ":1.",       ":1..2", ":-",     ":a.b-c", ":a:b", "::",
        "a.b",   "a",    "a.",    ".a",     "a..b",     "9a",        "a.9",   "a.b9",   "-a",     "-.-",  "a.-b",
        "_a._b", "a.b.", "a b",   "",       "a.b\xc3\xa9", "org.freedesktop.DBus", std::string(255, 'a'),
        std::string(256, 'a'), ":" + std::string(254, 'a'), ":" + std::string(255, 'a'),
        "a." + std::string(253, 'b'), "a." + std::string(254, 'b')};
    for (const std::string &n : names) {
        add("sender='" + n + "'");
        add("destination='" + n + "'");
        add("arg0namespace='" + n + "'");
    }

    // object paths: path, path_namespace, argNpath (which takes any text)
    const std::vector<std::string> paths = {"/", "/a", "/a/b", "/a/", "//", "", "a", "/a-b", "/a//b", "/_9", "/a.b"};
    for (const std::string &p : paths) {
        add("path='" + p + "'");
        add("path_namespace='" + p + "'");
        add("arg0path='" + p + "'");
        for (const std::string &q : paths) {
            add(std::string{"path='"}.append(p).append("',path_namespace='").append(q).append("'"));
        }
    }

    // interface and member names
    for (const std::string &n : {std::string{"a.b"}, std::string{"a"}, std::string{"a.9"}, std::string{"_.x"},
                                 std::string{"a-b.c"}, std::string{"a..b"}, std::string{"a.b."}, std::string{"9"},
                                 std::string{"a-b"}, std::string{"_"}, std::string{""}, std::string{":1.1"},
                                 "a." + std::string(253, 'b'), "a." + std::string(254, 'b'), std::string(255, 'm'),
                                 std::string(256, 'm')}) {
        add("interface='" + n + "'");
        add("member='" + n + "'");
    }

    // eavesdrop and type values
    for (const char *v : {"'true'", "'false'", "true", "false", "'TRUE'", "'True'", "''", "'1'", "'yes'", "' true'",
                          "'true '", "tr'ue'"}) {
        add(std::string{"eavesdrop="} + v);
        add(std::string{"eavesdrop='true',eavesdrop="} + v);
    }
    for (const char *v : {"'signal'", "'method_call'", "'method_return'", "'error'", "signal", "'Signal'", "''",
                          "'signal '", "' signal'", "'invalid'", "'sig''nal'", "'method-call'", "'4'"}) {
        add(std::string{"type="} + v);
    }

    // unknown keys
    for (const char *r : {"bogus='x'", "Type='signal'", "path_namespaces='/a'", "namespace='a'", "arg0type='s'",
                          "sender_is_bus='true'", "\xc3\xa9='x'", "'type'='signal'"}) {
        add(r);
    }
    return out;
}

// ---------------------------------------------------------------- signals

// A signal to satisfy @rule as our parser read it, or nullopt if no signal
// from an ordinary peer can (a type other than signal, sender=, destination=).
std::optional<MessagePtr> signal_for(const MatchRule &rule)
{
    if ((rule.type != MessageType::invalid && rule.type != MessageType::signal) || !rule.sender.empty() ||
        !rule.destination.empty()) {
        return std::nullopt;
    }
    const std::string path = !rule.path.empty() ? rule.path : !rule.path_namespace.empty() ? rule.path_namespace : "/";
    const std::string interface = rule.interface.empty() ? "org.afbus.test.I" : rule.interface;
    const std::string member = rule.member.empty() ? "M" : rule.member;
    MessagePtr m{dbus_message_new_signal(path.c_str(), interface.c_str(), member.c_str())};
    if (!m) {
        return std::nullopt;
    }
    std::vector<std::string> args;
    if (!rule.arg0namespace.empty()) {
        args.push_back(rule.arg0namespace);
    }
    for (const MatchArg &a : rule.args) {
        args.resize(std::max<std::size_t>(args.size(), a.index + 1U));
        args.at(a.index) = a.value;
    }
    // an argument no key asks about is an INT32 0; the others STRINGs
    std::vector<bool> asked(args.size(), false);
    for (const MatchArg &a : rule.args) {
        asked.at(a.index) = true;
    }
    if (!rule.arg0namespace.empty()) {
        asked.at(0) = true;
    }
    DBusMessageIter it;
    dbus_message_iter_init_append(m.get(), &it);
    for (std::size_t i = 0; i < args.size(); ++i) {
        bool ok = false;
        if (asked.at(i)) {
            const char *s = args.at(i).c_str();
            ok = dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, static_cast<const void *>(&s)) != 0;
        } else {
            const dbus_int32_t zero = 0;
            ok = dbus_message_iter_append_basic(&it, DBUS_TYPE_INT32, &zero) != 0;
        }
        if (!ok) {
            return std::nullopt;
        }
    }
    return m;
}

// Does @signal, sent by @emitter, reach @listener (which holds a rule for
// the sentinel besides the rule under test)? A sentinel signal sent after
// it marks the end: the daemon keeps one sender's messages in order.
bool delivered(DBusConnection *emitter, DBusConnection *listener, DBusMessage *signal)
{
    dbus_uint32_t serial = 0;
    dbus_uint32_t sentinel_serial = 0;
    const MessagePtr sentinel{dbus_message_new_signal("/", sentinel_interface, "Done")};
    if (!sentinel || dbus_connection_send(emitter, signal, &serial) == 0 ||
        dbus_connection_send(emitter, sentinel.get(), &sentinel_serial) == 0) {
        ADD_FAILURE() << "cannot send";
        return false;
    }
    dbus_connection_flush(emitter);
    const std::string emitter_name = dbus_bus_get_unique_name(emitter);
    const auto deadline = std::chrono::steady_clock::now() + delivery_timeout;
    bool got = false;
    while (std::chrono::steady_clock::now() < deadline) {
        while (const MessagePtr m{dbus_connection_pop_message(listener)}) {
            const char *sender = dbus_message_get_sender(m.get());
            if (sender == nullptr || emitter_name != sender) {
                continue;
            }
            if (dbus_message_get_serial(m.get()) == serial) {
                got = true;
            } else if (dbus_message_get_serial(m.get()) == sentinel_serial) {
                return got;
            }
        }
        if (dbus_connection_read_write(listener, 100) == 0) {
            break;
        }
    }
    ADD_FAILURE() << "the sentinel signal never arrived";
    return got;
}

// Our matcher on the message libdbus built.
bool lib_matches(const MatchRule &rule, DBusMessage *signal)
{
    dbus_message_set_serial(signal, 1);
    char *raw = nullptr;
    int len = 0;
    if (dbus_message_marshal(signal, &raw, &len) == 0) {
        ADD_FAILURE() << "cannot marshal";
        return false;
    }
    std::vector<std::byte> bytes(static_cast<std::size_t>(len));
    std::memcpy(bytes.data(), raw, bytes.size());
    dbus_free(raw);
    const auto msg = parse_message(bytes);
    EXPECT_TRUE(msg);
    if (!msg) {
        return false;
    }
    return rule.matches(*msg, extract_match_args(*msg), {});
}

class MatchDaemonTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_FALSE(daemon.address().empty()) << daemon.error();
        emitter = connect(daemon.address());
        ASSERT_TRUE(emitter);
    }

    // A fresh connection with the sentinel rule: rules never pile up, and
    // one that RemoveMatch could not find again cannot spoil the next.
    ConnectionPtr listener()
    {
        ConnectionPtr c = connect(daemon.address());
        std::string why;
        if (c && add_match(c.get(), std::string{"type='signal',interface='"} + sentinel_interface + "'", why) !=
                         Verdict::accepted) {
            ADD_FAILURE() << "sentinel rule refused: " << why;
        }
        return c;
    }

    DbusDaemon daemon;
    ConnectionPtr emitter;
};

// Every rule: the same verdict from the daemon, libafbus-dbus and nfdbus,
// the same reading by both of ours, and a signal from that reading reaches
// the rule's holder through the daemon.
TEST_F(MatchDaemonTest, ParsersAgreeWithDbusDaemon)
{
    std::vector<std::string> rules = vector_rules();
    const std::size_t from_vectors = rules.size();
    ASSERT_GT(from_vectors, 100U);
    const std::vector<std::string> generated = generated_rules();
    rules.insert(rules.end(), generated.begin(), generated.end());
    std::size_t accepted = 0;
    std::size_t delivery_checked = 0;
    std::size_t divergent = 0;
    for (const std::string &text : rules) {
        SCOPED_TRACE("rule [" + printable(text) + "]");
        const ConnectionPtr c = listener();
        ASSERT_TRUE(c);
        std::string why;
        const Verdict daemon_verdict = add_match(c.get(), text, why);
        ASSERT_NE(daemon_verdict, Verdict::broken) << why;
        const bool daemon_ok = daemon_verdict == Verdict::accepted;
        const auto ours = parse_match_rule(text);
        const auto kernel = kernel_parse(text);
        if (ours.has_value() != daemon_ok || kernel.has_value() != daemon_ok) {
            ++divergent;
        }
        EXPECT_EQ(ours.has_value(), daemon_ok) << "libafbus-dbus diverges; dbus-daemon: " << (daemon_ok ? "ok" : why);
        EXPECT_EQ(kernel.has_value(), daemon_ok) << "nfdbus diverges; dbus-daemon: " << (daemon_ok ? "ok" : why);
        if (!daemon_ok || !ours) {
            continue;
        }
        ++accepted;
        if (kernel) {
            EXPECT_EQ(*kernel, describe(*ours)) << "nfdbus and libafbus-dbus read it differently";
        }
        auto signal = signal_for(*ours);
        if (!signal) {
            continue;
        }
        ++delivery_checked;
        EXPECT_TRUE(lib_matches(*ours, signal->get())) << describe(*ours);
        EXPECT_TRUE(delivered(emitter.get(), c.get(), signal->get()))
                << "dbus-daemon does not deliver the signal our reading asks for: " << describe(*ours);
    }
    std::printf("%zu rules (%zu from the vector files, %zu generated): %zu accepted by dbus-daemon, "
                "%zu checked by delivery, %zu divergent\n",
                rules.size(), from_vectors, generated.size(), accepted, delivery_checked, divergent);
}

// The match and nomatch lines of the shared vector file that a signal from
// an ordinary peer can express, through the daemon.
TEST_F(MatchDaemonTest, SharedVectorsMatchAsDbusDaemonDelivers)
{
    std::ifstream in{AFBUS_SHARED_MATCH_VECTORS};
    ASSERT_TRUE(in) << AFBUS_SHARED_MATCH_VECTORS;
    std::string line;
    std::string rule;
    bool usable = false; // the group's rule is valid and has no owners
    int lineno = 0;
    int checked = 0;
    while (std::getline(in, line)) {
        ++lineno;
        const std::size_t tab = line.find('\t');
        const std::string keyword = line.substr(0, tab);
        const std::string rest = tab == std::string::npos ? "" : line.substr(tab + 1);
        if (keyword == "rule") {
            // the daemon gives every message a SENDER and these have no
            // DESTINATION, so the lines of sender= and destination= rules
            // do not say the same there
            rule = rest;
            const auto parsed = parse_match_rule(rule);
            usable = parsed && parsed->sender.empty() && parsed->destination.empty();
            continue;
        }
        if (keyword == "invalid" || keyword == "owner") {
            usable = false;
            continue;
        }
        if ((keyword != "match" && keyword != "nomatch") || !usable) {
            continue;
        }
        // a signal without sender/destination/eavesdrop: what a peer sends
        std::string path;
        std::string interface;
        std::string member;
        std::vector<std::pair<unsigned, std::string>> args; // index, "T:value"
        bool expressible = true;
        std::istringstream items{rest};
        std::string item;
        while (std::getline(items, item, '\t')) {
            const std::size_t eq = item.find('=');
            const std::string key = item.substr(0, eq);
            const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
            if (key == "type") {
                expressible = expressible && value == "signal";
            } else if (key == "path") {
                path = value;
            } else if (key == "interface") {
                interface = value;
            } else if (key == "member") {
                member = value;
            } else if (key.starts_with("arg")) {
                args.emplace_back(std::stoul(key.substr(3)), value);
            } else {
                expressible = false;
            }
        }
        if (!expressible || path.empty() || interface.empty() || member.empty()) {
            continue;
        }
        SCOPED_TRACE(std::string{AFBUS_SHARED_MATCH_VECTORS} + ":" + std::to_string(lineno) + ": rule [" +
                     printable(rule) + "] " + keyword + " " + printable(rest));
        const MessagePtr m{dbus_message_new_signal(path.c_str(), interface.c_str(), member.c_str())};
        ASSERT_TRUE(m);
        std::sort(args.begin(), args.end());
        DBusMessageIter it;
        dbus_message_iter_init_append(m.get(), &it);
        unsigned next = 0;
        for (const auto &[index, typed] : args) {
            for (; next < index; ++next) {
                const dbus_int32_t zero = 0;
                ASSERT_TRUE(dbus_message_iter_append_basic(&it, DBUS_TYPE_INT32, &zero));
            }
            const int type = typed[0] == 'o' ? DBUS_TYPE_OBJECT_PATH : typed[0] == 'g' ? DBUS_TYPE_SIGNATURE
                                                                                        : DBUS_TYPE_STRING;
            const std::string value = typed.substr(2);
            const char *s = value.c_str();
            ASSERT_TRUE(dbus_message_iter_append_basic(&it, type, static_cast<const void *>(&s)));
            next = index + 1;
        }
        const ConnectionPtr c = listener();
        ASSERT_TRUE(c);
        std::string why;
        ASSERT_EQ(add_match(c.get(), rule, why), Verdict::accepted) << why;
        EXPECT_EQ(delivered(emitter.get(), c.get(), m.get()), keyword == "match");
        ++checked;
    }
    std::printf("%d match/nomatch lines checked against dbus-daemon\n", checked);
    EXPECT_GT(checked, 40);
}

} // namespace
} // namespace afbus::dbus
