// SPDX-License-Identifier: LGPL-2.1-or-later
#include "reply_tracker.hpp"

namespace afbusd::bus {

bool ReplyTracker::expect(PeerId caller, std::uint32_t serial, PeerId callee)
{
    std::size_t &count = per_caller_[caller];
    if (count >= max_pending_per_caller) {
        return false;
    }
    // A serial reused while its call is pending replaces it, as a new call.
    if (pending_.insert_or_assign({caller, serial}, callee).second) {
        ++count;
    }
    return true;
}

void ReplyTracker::erase(std::map<std::pair<PeerId, std::uint32_t>, PeerId>::iterator it)
{
    const auto c = per_caller_.find(it->first.first);
    if (c != per_caller_.end() && --c->second == 0) {
        per_caller_.erase(c);
    }
    pending_.erase(it);
}

bool ReplyTracker::take(PeerId caller, std::uint32_t serial, PeerId callee)
{
    const auto it = pending_.find({caller, serial});
    if (it == pending_.end() || it->second != callee) {
        return false;
    }
    erase(it);
    return true;
}

std::vector<ReplyTracker::Orphan> ReplyTracker::forget(PeerId peer)
{
    std::vector<Orphan> orphans;
    for (auto it = pending_.begin(); it != pending_.end();) {
        const auto next = std::next(it);
        if (it->first.first == peer) {
            erase(it);
        } else if (it->second == peer) {
            orphans.push_back(Orphan{it->first.first, it->first.second});
            erase(it);
        }
        it = next;
    }
    return orphans;
}

} // namespace afbusd::bus
