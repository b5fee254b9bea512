// SPDX-License-Identifier: LGPL-2.1-or-later
//
// DatagramQueue: the outgoing side of one AF_BUS socket of the broker (a
// peer's handle, or a legacy client's proxy). A message is sent at once if
// nothing waits; when the kernel says EAGAIN (a receiver's queue is full)
// it waits here, in order, and the owner watches EPOLLOUT (which the kernel
// raises again once some receive queue of the bus drains) and flushes.
// Bounded in bytes like UnixConnection's queue: past the bound the
// recipient does not read and the bus drops it.
#ifndef AFBUSD_TRANSPORT_DATAGRAM_QUEUE_HPP
#define AFBUSD_TRANSPORT_DATAGRAM_QUEUE_HPP

#include "../bus/link.hpp"

#include <afbus/socket.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace afbusd::transport {

class DatagramQueue {
public:
    enum class Status : std::uint8_t {
        done,    // sent, or dropped because its recipient is gone
        blocked, // waits for EPOLLOUT
        full,    // over the bound: not queued
        broken,  // the socket is dead (the bus or the peer went away)
    };

    explicit DatagramQueue(std::size_t max_bytes) noexcept : max_bytes_{max_bytes} {}

    // Sends @m to @destination (nullopt: the socket's other end) after what
    // already waits.
    Status send(const afbus::BusSocket &sock, std::optional<std::uint64_t> destination, bus::OutMessage m);
    // Sends what waits, until done or blocked.
    Status flush(const afbus::BusSocket &sock);

    [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
    void clear() noexcept;

private:
    struct Item {
        std::optional<std::uint64_t> destination;
        bus::OutMessage msg;
    };
    static Status try_send(const afbus::BusSocket &sock, const Item &item);

    std::deque<Item> items_;
    std::size_t bytes_ = 0;
    std::size_t max_bytes_;
};

} // namespace afbusd::transport

#endif // AFBUSD_TRANSPORT_DATAGRAM_QUEUE_HPP
