// SPDX-License-Identifier: LGPL-2.1-or-later
#include "name_registry.hpp"

#include <algorithm>

namespace afbusd::bus {

// dbus-daemon's decision (bus_registry_acquire_service), spelt out:
//   no owner                          -> the caller owns it
//   the caller owns it                -> ALREADY_OWNER, its flags updated
//   it may replace the owner          -> it owns it; the old owner goes
//                                        second in the queue, or out of it
//                                        if it asked DO_NOT_QUEUE
//   it may not, and DO_NOT_QUEUE      -> EXISTS (and leaves the queue)
//   it may not                        -> IN_QUEUE (flags updated if queued)
NameRegistry::RequestResult NameRegistry::request(std::string_view name, PeerId peer, std::uint32_t flags)
{
    auto it = names_.find(name);
    if (it == names_.end()) {
        names_.emplace(std::string{name}, Queue{Owner{peer, flags}});
        return {RequestReply::primary_owner, NameChange{std::string{name}, 0, peer}};
    }
    Queue &q = it->second;
    if (q.front().peer == peer) {
        q.front().flags = flags;
        return {RequestReply::already_owner, std::nullopt};
    }
    const auto queued = std::ranges::find(q, peer, &Owner::peer);
    const bool replace =
        (flags & name_flag_replace_existing) != 0 && (q.front().flags & name_flag_allow_replacement) != 0;
    if (!replace) {
        if ((flags & name_flag_do_not_queue) != 0) {
            if (queued != q.end()) {
                q.erase(queued);
            }
            return {RequestReply::exists, std::nullopt};
        }
        if (queued != q.end()) {
            queued->flags = flags;
        } else {
            q.push_back(Owner{peer, flags});
        }
        return {RequestReply::in_queue, std::nullopt};
    }
    if (queued != q.end()) {
        q.erase(queued);
    }
    const Owner old = q.front();
    q.pop_front();
    if ((old.flags & name_flag_do_not_queue) == 0) {
        q.push_front(old);
    }
    q.push_front(Owner{peer, flags});
    return {RequestReply::primary_owner, NameChange{std::string{name}, old.peer, peer}};
}

NameRegistry::ReleaseResult NameRegistry::remove(std::map<std::string, Queue, std::less<>>::iterator it, PeerId peer)
{
    Queue &q = it->second;
    const auto queued = std::ranges::find(q, peer, &Owner::peer);
    if (queued == q.end()) {
        return {ReleaseReply::not_owner, std::nullopt};
    }
    if (queued != q.begin()) {
        q.erase(queued);
        return {ReleaseReply::released, std::nullopt};
    }
    q.pop_front();
    NameChange change{it->first, peer, q.empty() ? 0 : q.front().peer};
    if (q.empty()) {
        names_.erase(it);
    }
    return {ReleaseReply::released, std::move(change)};
}

NameRegistry::ReleaseResult NameRegistry::release(std::string_view name, PeerId peer)
{
    const auto it = names_.find(name);
    if (it == names_.end()) {
        return {ReleaseReply::non_existent, std::nullopt};
    }
    return remove(it, peer);
}

std::vector<NameChange> NameRegistry::release_all(PeerId peer)
{
    std::vector<NameChange> changes;
    for (auto it = names_.begin(); it != names_.end();) {
        const auto next = std::next(it);
        if (auto r = remove(it, peer); r.change) {
            changes.push_back(std::move(*r.change));
        }
        it = next;
    }
    return changes;
}

PeerId NameRegistry::owner(std::string_view name) const
{
    const auto it = names_.find(name);
    return it == names_.end() ? 0 : it->second.front().peer;
}

std::vector<PeerId> NameRegistry::queue(std::string_view name) const
{
    std::vector<PeerId> out;
    if (const auto it = names_.find(name); it != names_.end()) {
        for (const Owner &o : it->second) {
            out.push_back(o.peer);
        }
    }
    return out;
}

std::vector<std::string> NameRegistry::names() const
{
    std::vector<std::string> out;
    out.reserve(names_.size());
    for (const auto &[name, q] : names_) {
        out.push_back(name);
    }
    return out;
}

} // namespace afbusd::bus
