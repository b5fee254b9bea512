// SPDX-License-Identifier: LGPL-2.1-or-later
#include "datagram_queue.hpp"

#include "../log.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <vector>

namespace afbusd::transport {

void DatagramQueue::clear() noexcept
{
    items_.clear();
    bytes_ = 0;
}

DatagramQueue::Status DatagramQueue::try_send(const afbus::BusSocket &sock, const Item &item)
{
    std::vector<int> fds;
    fds.reserve(item.msg.fds.size());
    for (const UniqueFd &fd : item.msg.fds) {
        fds.push_back(fd.get());
    }
    const auto &bytes = *item.msg.bytes;
    const auto sent = item.destination ? sock.send(*item.destination, bytes, fds, MSG_DONTWAIT | MSG_NOSIGNAL)
                                       : sock.send_default(bytes, fds, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent) {
        return Status::done;
    }
    switch (sent.error().value()) {
    case EAGAIN:
        return Status::blocked;
    case EHOSTUNREACH:
    case ECONNREFUSED:
    case EADDRNOTAVAIL:
    case EMSGSIZE:
    case EPERM:
        // The recipient left (the bus hears of it from its own handle), or
        // the kernel refused this one message: like a message to a
        // vanished peer on a stream bus, it is lost, the socket is fine.
        log(LogLevel::debug, "AF_BUS send: ", sent.error().message(), "; message dropped");
        return Status::done;
    default:
        log(LogLevel::debug, "AF_BUS send: ", sent.error().message());
        return Status::broken;
    }
}

DatagramQueue::Status DatagramQueue::send(const afbus::BusSocket &sock, std::optional<std::uint64_t> destination,
                                          bus::OutMessage m)
{
    Item item{destination, std::move(m)};
    if (items_.empty()) {
        const Status s = try_send(sock, item);
        if (s != Status::blocked) {
            return s;
        }
    } else if (bytes_ + item.msg.bytes->size() > max_bytes_) {
        return Status::full;
    }
    bytes_ += item.msg.bytes->size();
    items_.push_back(std::move(item));
    return Status::blocked;
}

DatagramQueue::Status DatagramQueue::flush(const afbus::BusSocket &sock)
{
    while (!items_.empty()) {
        const Status s = try_send(sock, items_.front());
        if (s != Status::done) {
            return s;
        }
        bytes_ -= items_.front().msg.bytes->size();
        items_.pop_front();
    }
    return Status::done;
}

} // namespace afbusd::transport
