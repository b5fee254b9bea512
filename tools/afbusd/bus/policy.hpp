// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Policy: who may own which names and send to which destinations. The file
// format (Documentation/afbusd/policy.rst) is one rule per line:
//
//     # comment
//     allow|deny own|send PATTERN [uid=N]
//
// PATTERN is "*" (every name), "a.b.*" (a.b and every name below it) or a
// name. Rules are read in order and the last one that applies decides, as
// in dbus-daemon's <policy> blocks; with none, the answer is allow.
#ifndef AFBUSD_BUS_POLICY_HPP
#define AFBUSD_BUS_POLICY_HPP

#include <sys/types.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace afbusd::bus {

class Policy {
public:
    // Parses @text; on error, "line N: reason".
    static std::expected<Policy, std::string> parse(std::string_view text);
    // Reads and parses the file @path.
    static std::expected<Policy, std::string> load(const std::string &path);

    // May a connection of @uid own @name?
    [[nodiscard]] bool may_own(uid_t uid, std::string_view name) const noexcept;
    // May a connection of @uid send to a peer that owns @names (its unique
    // name and its well-known names)?
    [[nodiscard]] bool may_send(uid_t uid, std::span<const std::string_view> names) const noexcept;

    [[nodiscard]] std::size_t size() const noexcept { return rules_.size(); }

    // The send rules, in order (the AF_BUS master mirrors them in nfdbus).
    struct SendRule {
        bool allow = true;
        std::string pattern;
        std::optional<uid_t> uid;
    };
    [[nodiscard]] std::vector<SendRule> send_rules() const;

private:
    enum class Action : std::uint8_t { own, send };
    struct Rule {
        bool allow = true;
        Action action = Action::own;
        std::string pattern;
        std::optional<uid_t> uid;
    };

    static bool pattern_matches(std::string_view pattern, std::string_view name) noexcept;
    [[nodiscard]] bool decide(Action action, uid_t uid, std::span<const std::string_view> names) const noexcept;

    std::vector<Rule> rules_;
};

} // namespace afbusd::bus

#endif // AFBUSD_BUS_POLICY_HPP
