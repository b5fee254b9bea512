// SPDX-License-Identifier: LGPL-2.1-or-later
#include "policy.hpp"

#include <afbus/dbus/names.hpp>

#include <charconv>
#include <fstream>
#include <sstream>

namespace afbusd::bus {

namespace {

std::vector<std::string_view> split_words(std::string_view line)
{
    std::vector<std::string_view> words;
    std::size_t pos = 0;
    while (pos < line.size()) {
        const std::size_t start = line.find_first_not_of(" \t\r", pos);
        if (start == std::string_view::npos) {
            break;
        }
        const std::size_t end = line.find_first_of(" \t\r", start);
        words.push_back(line.substr(start, end == std::string_view::npos ? end : end - start));
        pos = end == std::string_view::npos ? line.size() : end;
    }
    return words;
}

// "*", "a.b.*" or a bus name.
bool valid_pattern(std::string_view p) noexcept
{
    if (p == "*") {
        return true;
    }
    if (p.ends_with(".*")) {
        p.remove_suffix(2);
        return afbus::dbus::validate_bus_namespace(p) == afbus::dbus::Errc::ok;
    }
    return afbus::dbus::validate_bus_name(p) == afbus::dbus::Errc::ok;
}

} // namespace

std::expected<Policy, std::string> Policy::parse(std::string_view text)
{
    Policy policy;
    std::size_t number = 0;
    while (!text.empty()) {
        ++number;
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) {
            line = line.substr(0, hash);
        }
        const auto words = split_words(line);
        if (words.empty()) {
            continue;
        }
        const auto error = [number](std::string_view why) {
            return std::unexpected{"line " + std::to_string(number) + ": " + std::string{why}};
        };
        if (words.size() < 3 || words.size() > 4) {
            return error("expected: allow|deny own|send PATTERN [uid=N]");
        }
        Rule rule;
        if (words[0] != "allow" && words[0] != "deny") {
            return error("a rule starts with allow or deny");
        }
        rule.allow = words[0] == "allow";
        if (words[1] != "own" && words[1] != "send") {
            return error("the action is own or send");
        }
        rule.action = words[1] == "own" ? Action::own : Action::send;
        if (!valid_pattern(words[2])) {
            return error("the pattern is *, NAME.* or a bus name");
        }
        rule.pattern = words[2];
        if (words.size() == 4) {
            const std::string_view u = words[3];
            uid_t uid = 0;
            if (!u.starts_with("uid=")) {
                return error("the condition is uid=N");
            }
            const auto [end, ec] = std::from_chars(u.data() + 4, u.data() + u.size(), uid);
            if (ec != std::errc{} || end != u.data() + u.size()) {
                return error("the condition is uid=N");
            }
            rule.uid = uid;
        }
        policy.rules_.push_back(std::move(rule));
    }
    return policy;
}

std::expected<Policy, std::string> Policy::load(const std::string &path)
{
    const std::ifstream in{path};
    if (!in) {
        return std::unexpected{"cannot read " + path};
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto p = parse(text.str());
    if (!p) {
        return std::unexpected{path + ": " + p.error()};
    }
    return p;
}

bool Policy::pattern_matches(std::string_view pattern, std::string_view name) noexcept
{
    if (pattern == "*") {
        return true;
    }
    if (pattern.ends_with(".*")) {
        pattern.remove_suffix(2);
        return name == pattern || (name.starts_with(pattern) && name.size() > pattern.size() &&
                                   name[pattern.size()] == '.');
    }
    return name == pattern;
}

bool Policy::decide(Action action, uid_t uid, std::span<const std::string_view> names) const noexcept
{
    bool allow = true;
    for (const Rule &r : rules_) {
        if (r.action != action || (r.uid && *r.uid != uid)) {
            continue;
        }
        for (const std::string_view name : names) {
            if (pattern_matches(r.pattern, name)) {
                allow = r.allow;
                break;
            }
        }
    }
    return allow;
}

bool Policy::may_own(uid_t uid, std::string_view name) const noexcept
{
    return decide(Action::own, uid, std::span{&name, 1});
}

bool Policy::may_send(uid_t uid, std::span<const std::string_view> names) const noexcept
{
    return decide(Action::send, uid, names);
}

std::vector<Policy::SendRule> Policy::send_rules() const
{
    std::vector<SendRule> out;
    for (const Rule &r : rules_) {
        if (r.action == Action::send) {
            out.push_back(SendRule{r.allow, r.pattern, r.uid});
        }
    }
    return out;
}

} // namespace afbusd::bus
