// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Per-connection resource bounds. The defaults follow dbus-daemon's
// session bus where it has one (128 MiB messages, 64 incomplete
// connections); the outgoing queue bound is lower than its 1 GB because
// the broker must not let one slow reader hold that much memory.
#ifndef AFBUSD_TRANSPORT_LIMITS_HPP
#define AFBUSD_TRANSPORT_LIMITS_HPP

#include <afbus/dbus/types.hpp>

#include <chrono>
#include <cstddef>

namespace afbusd::transport {

struct Limits {
    // Largest message a client may send (never above the protocol's 128 MiB).
    std::size_t max_message_size = afbus::dbus::max_message_size;
    // Bytes queued for one client that does not read; past this it is
    // disconnected. One message is always accepted into an empty queue.
    std::size_t max_queued_bytes = std::size_t{64} << 20;
    // Unix fds in one message (dbus-daemon's session default is 1024; the
    // kernel passes at most 253 per sendmsg, SCM_MAX_FD).
    std::size_t max_message_fds = 253;
    // Connections that have not finished authenticating.
    std::size_t max_incomplete_connections = 64;
    // All connections.
    std::size_t max_connections = 4096;
    // Time a client has to authenticate (dbus-daemon's auth_timeout).
    std::chrono::milliseconds auth_timeout{30000};
    // Bytes read from one connection per wakeup, so a flooding client does
    // not starve the others.
    std::size_t read_budget = std::size_t{256} << 10;
};

} // namespace afbusd::transport

#endif // AFBUSD_TRANSPORT_LIMITS_HPP
