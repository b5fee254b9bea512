// SPDX-License-Identifier: LGPL-2.1-or-later
//
// BusObserver: what a transport that mirrors bus state in the kernel (the
// AF_BUS master: nfdbus match rules and names, name addresses) hears from
// the bus. Each call comes before the bus answers the request that caused
// it, so a peer that got the reply can rely on the kernel's state.
#ifndef AFBUSD_BUS_OBSERVER_HPP
#define AFBUSD_BUS_OBSERVER_HPP

#include "link.hpp"

#include <afbus/dbus/match.hpp>

#include <string_view>

namespace afbusd::bus {

class BusObserver {
public:
    BusObserver() = default;
    BusObserver(const BusObserver &) = delete;
    BusObserver &operator=(const BusObserver &) = delete;
    BusObserver(BusObserver &&) = delete;
    BusObserver &operator=(BusObserver &&) = delete;
    virtual ~BusObserver() = default;

    // Peer @id added or removed match rule @rule (AddMatch, RemoveMatch).
    virtual void match_added(PeerId id, const afbus::dbus::MatchRule &rule) = 0;
    virtual void match_removed(PeerId id, const afbus::dbus::MatchRule &rule) = 0;
    // The primary owner of well-known name @name changed (0: none).
    virtual void owner_changed(std::string_view name, PeerId old_owner, PeerId new_owner) = 0;
};

} // namespace afbusd::bus

#endif // AFBUSD_BUS_OBSERVER_HPP
