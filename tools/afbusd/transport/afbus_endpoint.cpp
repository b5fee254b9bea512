// SPDX-License-Identifier: LGPL-2.1-or-later
#include "afbus_endpoint.hpp"

#include "../log.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>

namespace afbusd::transport {

int AfbusEndpoint::watch()
{
    return loop_->add(socket().fd(), EPOLLIN, *this);
}

void AfbusEndpoint::unwatch() noexcept
{
    if (socket().valid()) {
        loop_->remove(socket().fd());
    }
    out_.clear();
    watching_output_ = false;
}

void AfbusEndpoint::handle(std::uint32_t events)
{
    if (!socket().valid()) {
        return;
    }
    if ((events & EPOLLOUT) != 0) {
        const auto s = out_.flush(socket());
        if (s == DatagramQueue::Status::broken) {
            out_.clear(); // the read side reports the end
        }
        if (s != DatagramQueue::Status::blocked) {
            watch_output(false);
        }
    }
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
        receive();
    }
}

void AfbusEndpoint::receive()
{
    std::size_t budget = limits_->read_budget;
    while (budget > 0 && socket().valid()) {
        auto d = socket().receive(MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (!d) {
            if (d.error() != std::errc::resource_unavailable_try_again) {
                on_receive_error(d.error());
            }
            return;
        }
        budget -= std::min(budget, d->data.size() + 1);
        if (!on_datagram(*d)) {
            return;
        }
    }
}

bool AfbusEndpoint::send_datagram(std::optional<std::uint64_t> destination, bus::OutMessage m)
{
    switch (out_.send(socket(), destination, std::move(m))) {
    case DatagramQueue::Status::blocked:
        watch_output(true);
        return true;
    case DatagramQueue::Status::full:
        return false;
    case DatagramQueue::Status::done:
    case DatagramQueue::Status::broken: // the read side reports the end
        break;
    }
    return true;
}

void AfbusEndpoint::watch_output(bool on)
{
    if (on == watching_output_ || !socket().valid()) {
        return;
    }
    watching_output_ = on;
    if (loop_->modify(socket().fd(), on ? EPOLLIN | EPOLLOUT : EPOLLIN, *this) != 0) {
        // Not a failure reported to the bus: this runs inside its
        // deliveries. The owner's reaping tells it.
        log(LogLevel::warning, "epoll_ctl failed; closing an AF_BUS socket");
        shutdown();
    }
}

} // namespace afbusd::transport
