// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Link: the seam between bus semantics (bus/) and transports (transport/).
//
// The bus sees a connection only as a Link: it queues complete, already
// stamped messages on it, asks what the peer may receive (unix fds) and who
// it is (credentials), and closes it. A transport sees the bus only as
// LinkEvents: it reports an authenticated peer, each validated message and
// the end of the connection. The AF_UNIX stream transport is the one
// implementation today; an AF_BUS master transport is a second one (see
// Documentation/afbusd/af_bus.rst): the driver, names, match rules, policy
// and reply tracking do not change.
#ifndef AFBUSD_BUS_LINK_HPP
#define AFBUSD_BUS_LINK_HPP

#include "../unique_fd.hpp"

#include <afbus/dbus/message.hpp>

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace afbusd::bus {

using PeerId = std::uint64_t;

// A message on its way to one peer: the bytes may be shared by every
// recipient of a broadcast; the fds are this recipient's own duplicates.
struct OutMessage {
    std::shared_ptr<const std::vector<std::byte>> bytes;
    std::vector<UniqueFd> fds;
    // The peer whose message this is (0: the bus driver). A transport that
    // can send on the sender's behalf (AF_BUS: a legacy client's proxy
    // socket) uses it; others ignore it.
    PeerId from = 0;
};

// Who the peer is, from the transport (SO_PEERCRED on AF_UNIX).
struct Credentials {
    uid_t uid = static_cast<uid_t>(-1);
    pid_t pid = 0;
    std::vector<gid_t> groups;
};

class Link {
public:
    Link() = default;
    Link(const Link &) = delete;
    Link &operator=(const Link &) = delete;
    Link(Link &&) = delete;
    Link &operator=(Link &&) = delete;
    virtual ~Link() = default;

    // Queues @m. False when the peer cannot take it: its queue is over the
    // bound (it does not read) or the connection failed. The bus then drops
    // the peer; the message is discarded.
    virtual bool send(OutMessage m) = 0;
    // The peer agreed to receive unix fds (NEGOTIATE_UNIX_FD).
    [[nodiscard]] virtual bool unix_fds() const noexcept = 0;
    [[nodiscard]] virtual const Credentials &credentials() const noexcept = 0;
    // Ends the connection; the transport reports nothing more for it.
    virtual void close() noexcept = 0;
    // The client part of the connection's prefix-0 AF_BUS address, which
    // the bus takes as the peer's id (unique name ":1.N"), so AF_BUS peers
    // compute a unique name's address without asking. 0: the transport has
    // none and the bus numbers the peer itself.
    [[nodiscard]] virtual PeerId bus_address() const noexcept { return 0; }
};

// What a transport tells the bus.
class LinkEvents {
public:
    LinkEvents() = default;
    LinkEvents(const LinkEvents &) = delete;
    LinkEvents &operator=(const LinkEvents &) = delete;
    LinkEvents(LinkEvents &&) = delete;
    LinkEvents &operator=(LinkEvents &&) = delete;
    virtual ~LinkEvents() = default;

    // A peer passed authentication; the bus answers with its id. @link
    // stays valid until the bus closes it or link_closed().
    virtual PeerId link_opened(Link &link) = 0;
    // A complete message, validated by parse_message(), with the fds that
    // came with it (exactly header.unix_fds of them).
    virtual void link_message(PeerId id, const afbus::dbus::Message &msg, std::vector<UniqueFd> fds) = 0;
    // The peer hung up or broke the protocol.
    virtual void link_closed(PeerId id) = 0;
};

} // namespace afbusd::bus

#endif // AFBUSD_BUS_LINK_HPP
