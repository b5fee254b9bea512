// SPDX-License-Identifier: LGPL-2.1-or-later
//
// NameRegistry: well-known names and their queues of owners, with
// RequestName's flags as dbus-daemon applies them. Pure bookkeeping: it
// returns what changed, and the bus turns that into NameLost,
// NameOwnerChanged and NameAcquired. Unique names are not in it.
#ifndef AFBUSD_BUS_NAME_REGISTRY_HPP
#define AFBUSD_BUS_NAME_REGISTRY_HPP

#include "link.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace afbusd::bus {

// RequestName flags and replies, ReleaseName replies (the specification's
// numbers).
inline constexpr std::uint32_t name_flag_allow_replacement = 0x1;
inline constexpr std::uint32_t name_flag_replace_existing = 0x2;
inline constexpr std::uint32_t name_flag_do_not_queue = 0x4;

enum class RequestReply : std::uint32_t { primary_owner = 1, in_queue = 2, exists = 3, already_owner = 4 };
enum class ReleaseReply : std::uint32_t { released = 1, non_existent = 2, not_owner = 3 };

// The primary owner of @name went from @old_owner to @new_owner (0: none).
struct NameChange {
    std::string name;
    PeerId old_owner = 0;
    PeerId new_owner = 0;
};

class NameRegistry {
public:
    struct RequestResult {
        RequestReply reply{};
        std::optional<NameChange> change;
    };
    struct ReleaseResult {
        ReleaseReply reply{};
        std::optional<NameChange> change;
    };

    RequestResult request(std::string_view name, PeerId peer, std::uint32_t flags);
    ReleaseResult release(std::string_view name, PeerId peer);
    // Takes @peer out of every queue (it disconnected or became a monitor);
    // the changes of primary owner, in name order.
    std::vector<NameChange> release_all(PeerId peer);

    // The primary owner, 0 if none.
    [[nodiscard]] PeerId owner(std::string_view name) const;
    // Primary owner first, then the queue.
    [[nodiscard]] std::vector<PeerId> queue(std::string_view name) const;
    // Every name with an owner, sorted.
    [[nodiscard]] std::vector<std::string> names() const;

private:
    struct Owner {
        PeerId peer;
        std::uint32_t flags;
    };
    using Queue = std::deque<Owner>;

    ReleaseResult remove(std::map<std::string, Queue, std::less<>>::iterator it, PeerId peer);

    std::map<std::string, Queue, std::less<>> names_;
};

} // namespace afbusd::bus

#endif // AFBUSD_BUS_NAME_REGISTRY_HPP
