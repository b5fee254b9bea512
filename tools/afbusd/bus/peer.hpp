// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Peer: one connection as the bus sees it: its names, match rules and
// state (registered by Hello, turned monitor, condemned).
#ifndef AFBUSD_BUS_PEER_HPP
#define AFBUSD_BUS_PEER_HPP

#include "link.hpp"

#include <afbus/dbus/match.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace afbusd::bus {

struct Peer {
    PeerId id = 0;
    Link *link = nullptr;
    std::string unique_name;        // ":1.<id>" once Hello is done
    std::vector<std::string> names; // well-known names it is primary owner of
    std::vector<afbus::dbus::MatchRule> matches;
    std::size_t eavesdrop_rules = 0; // matches with eavesdrop='true'
    std::vector<afbus::dbus::MatchRule> monitor_rules;
    bool registered = false;
    bool monitor = false;
    bool condemned = false; // dropped at the next Bus::reap()

    // Every name the peer answers to: unique first.
    [[nodiscard]] std::vector<std::string_view> all_names() const
    {
        std::vector<std::string_view> out;
        out.reserve(names.size() + 1);
        out.emplace_back(unique_name);
        out.insert(out.end(), names.begin(), names.end());
        return out;
    }

    // Can take messages.
    [[nodiscard]] bool live() const noexcept { return registered && !condemned; }
};

} // namespace afbusd::bus

#endif // AFBUSD_BUS_PEER_HPP
