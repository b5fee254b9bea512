// SPDX-License-Identifier: LGPL-2.1-or-later
//
// ReplyTracker: the method calls the bus delivered and still owes a reply
// for. A method return or error is forwarded only if it answers one of
// them, from the peer the call went to (dbus-daemon drops other "replies":
// a peer cannot inject a reply into someone else's call). When the callee
// goes away, the caller gets NoReply.
#ifndef AFBUSD_BUS_REPLY_TRACKER_HPP
#define AFBUSD_BUS_REPLY_TRACKER_HPP

#include "link.hpp"

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace afbusd::bus {

class ReplyTracker {
public:
    // dbus-daemon's session default for max_replies_per_connection.
    static constexpr std::size_t max_pending_per_caller = 8192;

    // Records that @caller's call @serial went to @callee. False if the
    // caller already waits for max_pending_per_caller replies.
    bool expect(PeerId caller, std::uint32_t serial, PeerId callee);
    // True (and forgets the call) if @callee owes @caller a reply to @serial.
    bool take(PeerId caller, std::uint32_t serial, PeerId callee);

    struct Orphan {
        PeerId caller;
        std::uint32_t serial;
    };
    // Forgets everything about @peer; returns the calls it was to answer.
    std::vector<Orphan> forget(PeerId peer);

private:
    std::map<std::pair<PeerId, std::uint32_t>, PeerId> pending_; // (caller, serial) -> callee
    std::map<PeerId, std::size_t> per_caller_;

    void erase(std::map<std::pair<PeerId, std::uint32_t>, PeerId>::iterator it);
};

} // namespace afbusd::bus

#endif // AFBUSD_BUS_REPLY_TRACKER_HPP
