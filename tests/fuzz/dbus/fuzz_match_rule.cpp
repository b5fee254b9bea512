// SPDX-License-Identifier: LGPL-2.1-or-later
//
// libFuzzer target: the match-rule parser. A rule that parses must print
// to text that parses back to the same rule.
#include "fuzz_target.hpp"

#include <afbus/dbus/match.hpp>

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view text{reinterpret_cast<const char *>(data), size};
    const auto rule = afbus::dbus::parse_match_rule(text);
    if (!rule) {
        return 0;
    }
    const std::string canonical = rule->to_string();
    const auto again = afbus::dbus::parse_match_rule(canonical);
    // The canonical form may be longer than the 1024-byte limit (quoting).
    if (canonical.size() <= afbus::dbus::max_match_rule_length && (!again || !(*again == *rule))) {
        std::abort();
    }
    return 0;
}
