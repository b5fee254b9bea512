// SPDX-License-Identifier: LGPL-2.1-or-later
//
// AfbusEndpoint: what the broker's own AF_BUS sockets (a peer's handle,
// a legacy client's proxy) have in common in the event loop: reading
// datagrams up to the read budget per wakeup, and sending through a
// bounded DatagramQueue whose backlog is flushed on EPOLLOUT.
#ifndef AFBUSD_TRANSPORT_AFBUS_ENDPOINT_HPP
#define AFBUSD_TRANSPORT_AFBUS_ENDPOINT_HPP

#include "../bus/link.hpp"
#include "datagram_queue.hpp"
#include "event_loop.hpp"
#include "limits.hpp"

#include <afbus/socket.hpp>

#include <cstdint>
#include <optional>
#include <system_error>

namespace afbusd::transport {

class AfbusEndpoint : public Handler {
public:
    void handle(std::uint32_t events) final;

protected:
    AfbusEndpoint(EventLoop &loop, const Limits &limits) noexcept
        : loop_{&loop}, limits_{&limits}, out_{limits.max_queued_bytes}
    {
    }

    // The socket read and written; invalid once closed.
    [[nodiscard]] virtual const afbus::BusSocket &socket() const noexcept = 0;
    // One datagram; false when the endpoint closed.
    virtual bool on_datagram(afbus::Datagram &d) = 0;
    // Reading failed: ECONNRESET is the end of the stream.
    virtual void on_receive_error(std::error_code e) = 0;
    // Closes the socket (after epoll_ctl failed; the owner's reaping tells
    // the bus).
    virtual void shutdown() noexcept = 0;

    [[nodiscard]] int watch();
    // Before the socket closes: stops watching it and drops the backlog.
    void unwatch() noexcept;
    // Sends @m to @destination (nullopt: the other end), or queues it.
    // False when the backlog is over --max-queued-bytes: the recipient does
    // not read.
    bool send_datagram(std::optional<std::uint64_t> destination, bus::OutMessage m);

    [[nodiscard]] EventLoop &loop() const noexcept { return *loop_; }
    [[nodiscard]] const Limits &limits() const noexcept { return *limits_; }

private:
    void receive();
    void watch_output(bool on);

    EventLoop *loop_;
    const Limits *limits_;
    DatagramQueue out_;
    bool watching_output_ = false;
};

} // namespace afbusd::transport

#endif // AFBUSD_TRANSPORT_AFBUS_ENDPOINT_HPP
