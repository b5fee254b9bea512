// SPDX-License-Identifier: LGPL-2.1-or-later
//
// parse_match_rule() and MatchRule::to_string(): the text form of rules.
#include <afbus/dbus/match.hpp>
#include <afbus/dbus/names.hpp>

#include <algorithm>
#include <array>

namespace afbus::dbus {

namespace {

bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Reads one value at @text[@pos] up to an unquoted ',' (consumed) or the
// end. False on an unterminated quote.
bool read_value(std::string_view text, std::size_t &pos, std::string &out)
{
    bool quoted = false;
    while (pos < text.size()) {
        const char c = text[pos++];
        if (c == '\'') {
            quoted = !quoted;
        } else if (c == '\\' && !quoted && pos < text.size() && text[pos] == '\'') {
            out += '\''; // \' outside quotes; any other backslash is literal
            ++pos;
        } else if (c == ',' && !quoted) {
            return true;
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

// "argN", "argNpath", "arg0namespace": N into @index. False if @key is not
// of that form or N is above 63.
bool parse_arg_key(std::string_view key, unsigned &index, std::string_view &suffix) noexcept
{
    if (!key.starts_with("arg")) {
        return false;
    }
    key.remove_prefix(3);
    std::size_t digits = 0;
    index = 0;
    while (digits < key.size() && key[digits] >= '0' && key[digits] <= '9') {
        index = index * 10 + static_cast<unsigned>(key[digits] - '0');
        if (++digits > 2) {
            return false;
        }
    }
    suffix = key.substr(digits);
    return digits > 0 && index < max_match_args;
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
    if (key == "sender") {
        return valid(validate_bus_name, rule.sender);
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
        return valid(validate_bus_name, rule.destination);
    }
    unsigned index = 0;
    std::string_view suffix;
    if (!parse_arg_key(key, index, suffix)) {
        return Errc::bad_match_rule;
    }
    if (suffix == "namespace") {
        if (index != 0) {
            return Errc::bad_match_rule;
        }
        return valid(validate_bus_namespace, rule.arg0namespace);
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
    if (text.size() > max_match_rule_length) {
        return std::unexpected{Errc::bad_match_rule};
    }
    MatchRule rule;
    std::vector<std::string> seen;
    std::size_t pos = 0;
    while (true) {
        while (pos < text.size() && is_space(text[pos])) {
            ++pos;
        }
        if (pos >= text.size()) {
            break;
        }
        const std::size_t key_start = pos;
        while (pos < text.size() && text[pos] != '=' && !is_space(text[pos])) {
            ++pos;
        }
        const std::string_view key = text.substr(key_start, pos - key_start);
        while (pos < text.size() && is_space(text[pos])) {
            ++pos;
        }
        if (key.empty() || pos >= text.size() || text[pos] != '=') {
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
