// SPDX-License-Identifier: LGPL-2.1-or-later
//
// parse_match_rule() and MatchRule::to_string(): the text form of rules.
#include <afbus/dbus/match.hpp>
#include <afbus/dbus/names.hpp>

#include <algorithm>
#include <array>

namespace afbus::dbus {

namespace {

// dbus-daemon's white space between tokens: not \v or \f.
bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// What strtoul() skips before a number: all six C-locale spaces.
bool is_c_space(char c) noexcept
{
    return is_space(c) || c == '\v' || c == '\f';
}

// Reads one value at @text[@pos] up to an unquoted, unescaped ',' (consumed)
// or the end, as dbus-daemon does. Inside apostrophes every byte is
// literal. Outside, a backslash escapes the next byte: \' is an apostrophe,
// any other pair is kept whole (so "\," is a backslash and a comma that
// does not end the value, "\\" two backslashes), and a backslash at the
// end is kept. False on an unterminated quote.
bool read_value(std::string_view text, std::size_t &pos, std::string &out)
{
    bool quoted = false;
    while (pos < text.size()) {
        const char c = text[pos++];
        if (quoted) {
            if (c == '\'') {
                quoted = false;
            } else {
                out += c;
            }
        } else if (c == '\'') {
            quoted = true;
        } else if (c == ',') {
            return true;
        } else if (c == '\\') {
            if (pos == text.size() || text[pos] != '\'') {
                out += '\\';
            }
            if (pos < text.size()) {
                out += text[pos++];
            }
        } else {
            out += c;
        }
    }
    return !quoted;
}

std::expected<MessageType, Errc> parse_type(std::string_view v) noexcept
{
    if (v == "signal") {
        return MessageType::signal;
    }
    if (v == "method_call") {
        return MessageType::method_call;
    }
    if (v == "method_return") {
        return MessageType::method_return;
    }
    if (v == "error") {
        return MessageType::error;
    }
    return std::unexpected{Errc::bad_match_rule};
}

// The digit value of @c in @base, or @base if it is not one.
unsigned digit_value(char c, unsigned base) noexcept
{
    unsigned d = base;
    if (c >= '0' && c <= '9') {
        d = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
        d = static_cast<unsigned>(c - 'a') + 10;
    } else if (c >= 'A' && c <= 'F') {
        d = static_cast<unsigned>(c - 'A') + 10;
    }
    return d < base ? d : base;
}

// N of "argN", "argNpath", "arg0namespace" into @index, the rest into
// @suffix. dbus-daemon reads N with strtoul(N, &end, 0), so it takes what
// strtoul takes: leading white space, a sign, 0x (hex) and 0 (octal)
// prefixes ("arg0x1f", "arg010", "arg-0" and "arg+1" are all valid); a
// negative number other than zero wraps around far above 63. False if
// there is no number or it is above 63.
bool parse_arg_key(std::string_view key, unsigned &index, std::string_view &suffix) noexcept
{
    if (!key.starts_with("arg")) {
        return false;
    }
    key.remove_prefix(3);
    std::size_t i = 0;
    while (i < key.size() && is_c_space(key[i])) {
        ++i;
    }
    bool negative = false;
    if (i < key.size() && (key[i] == '+' || key[i] == '-')) {
        negative = key[i] == '-';
        ++i;
    }
    unsigned base = 10;
    if (i < key.size() && key[i] == '0') {
        base = 8;
        if (i + 2 < key.size() && (key[i + 1] == 'x' || key[i + 1] == 'X') && digit_value(key[i + 2], 16) < 16) {
            base = 16;
            i += 2;
        }
    }
    const std::size_t digits = i;
    std::uint64_t n = 0;
    for (; i < key.size() && digit_value(key[i], base) < base; ++i) {
        // Past 63 it is refused anyway; saturate so it cannot wrap.
        n = std::min<std::uint64_t>(n * base + digit_value(key[i], base), max_match_args);
    }
    if (i == digits || n >= max_match_args || (negative && n != 0)) {
        return false;
    }
    index = static_cast<unsigned>(n);
    suffix = key.substr(i);
    return true;
}

// Stores the value of @key in @rule; @seen records keys for "twice" checks.
Errc apply(MatchRule &rule, std::string_view key, std::string value, std::vector<std::string> &seen)
{
    if (key == "eavesdrop") {
        // dbus-daemon accepts it more than once and the last one wins
        // (dbus-monitor appends eavesdrop='true' to rules that may have it).
        if (value != "true" && value != "false") {
            return Errc::bad_match_rule;
        }
        rule.eavesdrop = value == "true";
        return Errc::ok;
    }
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        return Errc::bad_match_rule; // a key given twice
    }
    seen.emplace_back(key);
    const auto valid = [&](Errc (*validate)(std::string_view) noexcept, std::string &field) {
        if (validate(value) != Errc::ok) {
            return Errc::bad_match_rule;
        }
        field = std::move(value);
        return Errc::ok;
    };
    if (key == "type") {
        const auto t = parse_type(value);
        if (!t) {
            return t.error();
        }
        rule.type = *t;
        return Errc::ok;
    }
    // dbus-daemon checks rule names with libdbus's looser grammar.
    const auto bus_name = [](std::string_view v) noexcept { return validate_match_bus_name(v, false); };
    if (key == "sender") {
        return valid(bus_name, rule.sender);
    }
    if (key == "interface") {
        return valid(validate_interface, rule.interface);
    }
    if (key == "member") {
        return valid(validate_member, rule.member);
    }
    if (key == "path") {
        return valid(validate_object_path, rule.path);
    }
    if (key == "path_namespace") {
        return valid(validate_object_path, rule.path_namespace);
    }
    if (key == "destination") {
        return valid(bus_name, rule.destination);
    }
    unsigned index = 0;
    std::string_view suffix;
    if (!parse_arg_key(key, index, suffix)) {
        return Errc::bad_match_rule;
    }
    if (key == "arg0namespace") { // exactly: not "arg00namespace"
        if (validate_match_bus_name(value, true) != Errc::ok) {
            return Errc::bad_match_rule;
        }
        rule.arg0namespace = std::move(value);
        return Errc::ok;
    }
    if (!suffix.empty() && suffix != "path") {
        return Errc::bad_match_rule;
    }
    // argN and argNpath share N: dbus-daemon refuses both for one N.
    for (const auto &a : rule.args) {
        if (a.index == index) {
            return Errc::bad_match_rule;
        }
    }
    rule.args.push_back(MatchArg{static_cast<std::uint8_t>(index), suffix == "path", std::move(value)});
    return Errc::ok;
}

std::string quote(std::string_view v)
{
    // Everything inside quotes is literal except the quote itself, which
    // closes, is written \' outside, and reopens.
    std::string out = "'";
    for (const char c : v) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    out += '\'';
    return out;
}

} // namespace

bool operator==(const MatchArg &a, const MatchArg &b) noexcept
{
    return a.index == b.index && a.is_path == b.is_path && a.value == b.value;
}

std::expected<MatchRule, Errc> parse_match_rule(std::string_view text)
{
    // A D-Bus string holds no NUL, so AddMatch can never carry one.
    if (text.size() > max_match_rule_length || text.find('\0') != std::string_view::npos) {
        return std::unexpected{Errc::bad_match_rule};
    }
    MatchRule rule;
    std::vector<std::string> seen;
    std::size_t pos = 0;
    // dbus-daemon quirks, kept so that a rule means here what it means
    // there: it reads at most max_match_rule_tokens key=value pairs and
    // ignores the rest of the text unread; and a key that is empty (the
    // text ends, or "=" comes where a key should start) ends the rule,
    // so "='x'" is the empty rule and "type='signal',='x',bogus" means
    // type='signal'.
    for (std::size_t tokens = 0; tokens < max_match_rule_tokens && pos < text.size(); ++tokens) {
        while (pos < text.size() && is_space(text[pos])) {
            ++pos;
        }
        const std::size_t key_start = pos;
        while (pos < text.size() && text[pos] != '=' && !is_space(text[pos])) {
            ++pos;
        }
        const std::string_view key = text.substr(key_start, pos - key_start);
        while (pos < text.size() && is_space(text[pos])) {
            ++pos;
        }
        if (key.empty()) {
            break;
        }
        if (pos >= text.size() || text[pos] != '=') {
            return std::unexpected{Errc::bad_match_rule};
        }
        ++pos;
        std::string value;
        if (!read_value(text, pos, value)) {
            return std::unexpected{Errc::bad_match_rule};
        }
        if (const Errc e = apply(rule, key, std::move(value), seen); e != Errc::ok) {
            return std::unexpected{e};
        }
    }
    if (!rule.path.empty() && !rule.path_namespace.empty()) {
        return std::unexpected{Errc::bad_match_rule}; // dbus-daemon: mutually exclusive
    }
    // dbus-daemon keeps arg0namespace in argument 0's slot: with arg0 or
    // arg0path it is "Argument 0 matched more than once".
    if (!rule.arg0namespace.empty() &&
        std::any_of(rule.args.begin(), rule.args.end(), [](const MatchArg &a) { return a.index == 0; })) {
        return std::unexpected{Errc::bad_match_rule};
    }
    std::sort(rule.args.begin(), rule.args.end(),
              [](const MatchArg &a, const MatchArg &b) { return a.index < b.index; });
    return rule;
}

std::string MatchRule::to_string() const
{
    std::string out;
    const auto add = [&out](std::string_view key, std::string_view value) {
        if (!out.empty()) {
            out += ',';
        }
        out.append(key).append("=").append(quote(value));
    };
    static constexpr std::array<std::string_view, 5> type_names{"", "method_call", "method_return", "error",
                                                                "signal"};
    if (type != MessageType::invalid) {
        add("type", type_names.at(static_cast<std::size_t>(type)));
    }
    const std::array<std::pair<std::string_view, const std::string *>, 7> fields{{
        {"sender", &sender},
        {"interface", &interface},
        {"member", &member},
        {"path", &path},
        {"path_namespace", &path_namespace},
        {"destination", &destination},
        {"arg0namespace", &arg0namespace},
    }};
    for (const auto &[key, value] : fields) {
        if (!value->empty()) {
            add(key, *value);
        }
    }
    for (const auto &a : args) {
        add("arg" + std::to_string(a.index) + (a.is_path ? "path" : ""), a.value);
    }
    if (eavesdrop) {
        add("eavesdrop", "true");
    }
    return out;
}

} // namespace afbus::dbus
