// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Match rules (AddMatch), with dbus-daemon's syntax and semantics.
//
// A rule is parsed once into a MatchRule; matching compares header fields
// and the string arguments extracted once per message (MatchArgs), so N
// rules against one message do not re-walk the body N times.
//
//     auto rule = parse_match_rule("type='signal',interface='org.example.I',arg0='x'");
//     auto args = extract_match_args(msg);
//     if (rule && rule->matches(msg, args, {})) ...
#ifndef AFBUS_DBUS_MATCH_HPP
#define AFBUS_DBUS_MATCH_HPP

#include <afbus/dbus/message.hpp>
#include <afbus/dbus/types.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace afbus::dbus {

// dbus-daemon's limit on the text of one rule.
inline constexpr std::size_t max_match_rule_length = 1024;
// argN: N is 0..63.
inline constexpr std::size_t max_match_args = 64;
// dbus-daemon reads at most this many key=value pairs of a rule and
// ignores the rest of its text.
inline constexpr std::size_t max_match_rule_tokens = 16;

// The first 64 arguments of a body as matching sees them: the type code of
// each, and the text of those that are strings, object paths or signatures.
struct MatchArgs {
    std::array<std::string_view, max_match_args> text{};
    std::array<char, max_match_args> type{};
    std::size_t count = 0;
};

// Who the message is being delivered to, for the rule's sender= and
// eavesdrop= keys.
struct MatchContext {
    // Every name the sender owns (its unique name and well-known names).
    // Empty: sender= compares with the SENDER header field alone.
    std::span<const std::string_view> sender_names;
    // Every name the connection the message is addressed to owns: like
    // dbus-daemon, destination= then matches when that connection owns it.
    // Empty: destination= compares with the DESTINATION header field alone.
    std::span<const std::string_view> destination_names;
    // True when the recipient is not the message's destination: only
    // eavesdrop='true' rules match then (dbus-daemon's rule).
    bool eavesdropping = false;
};

struct MatchArg {
    std::uint8_t index = 0;
    bool is_path = false; // argNpath
    std::string value;
};

struct MatchRule {
    MessageType type = MessageType::invalid; // invalid: any type
    std::string sender;
    std::string interface;
    std::string member;
    std::string path;
    std::string path_namespace;
    std::string destination;
    std::string arg0namespace;
    std::vector<MatchArg> args; // sorted by index
    bool eavesdrop = false;

    // True if @msg, with arguments @args (extract_match_args(msg)), is
    // delivered to a peer with this rule in context @ctx.
    [[nodiscard]] bool matches(const Message &msg, const MatchArgs &args, const MatchContext &ctx) const noexcept;

    // The rule as text in a canonical form (keys in a fixed order, every
    // value quoted) that parse_match_rule() reads back to an equal rule.
    [[nodiscard]] std::string to_string() const;

    bool operator==(const MatchRule &) const = default;
};

bool operator==(const MatchArg &a, const MatchArg &b) noexcept;

// Parses a rule exactly as dbus-daemon (1.14) does: comma-separated
// key=value pairs, white space (space, tab, CR, LF) before keys and around
// '='; values may be quoted with apostrophes (inside quotes everything is
// literal); outside quotes a backslash escapes the next byte (\' is an
// apostrophe, other pairs stay as they are). dbus-daemon's quirks are kept:
// an empty key ends the rule ("='x'" is the empty rule), only the first
// max_match_rule_tokens pairs are read, N in argN is read as strtoul()
// reads it ("arg0x1" is arg1), and unique names in sender=, destination=
// and arg0namespace= follow libdbus's looser grammar (":1" is valid).
// Errc::bad_match_rule for unknown or repeated keys, invalid values, more
// than 1024 bytes. Documentation/userspace-api/dbus-wire.rst has the rules.
std::expected<MatchRule, Errc> parse_match_rule(std::string_view text);

// The arguments of @msg that argN, argNpath and arg0namespace look at.
MatchArgs extract_match_args(const Message &msg) noexcept;

} // namespace afbus::dbus

#endif // AFBUS_DBUS_MATCH_HPP
