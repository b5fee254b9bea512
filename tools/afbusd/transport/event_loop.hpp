// SPDX-License-Identifier: LGPL-2.1-or-later
//
// EventLoop: one epoll instance, single-threaded. Sources register a
// Handler per fd; after each batch of events the loop runs its idle hooks
// (the bus drops peers it condemned, transports free closed connections),
// so nothing is freed while an event for it may still be pending in the
// batch.
#ifndef AFBUSD_TRANSPORT_EVENT_LOOP_HPP
#define AFBUSD_TRANSPORT_EVENT_LOOP_HPP

#include "../unique_fd.hpp"

#include <cstdint>
#include <functional>
#include <vector>

namespace afbusd::transport {

class Handler {
public:
    Handler() = default;
    Handler(const Handler &) = delete;
    Handler &operator=(const Handler &) = delete;
    Handler(Handler &&) = delete;
    Handler &operator=(Handler &&) = delete;
    virtual ~Handler() = default;
    // @events: EPOLLIN, EPOLLOUT, EPOLLHUP, EPOLLERR bits.
    virtual void handle(std::uint32_t events) = 0;
};

class EventLoop {
public:
    // -errno on failure.
    [[nodiscard]] int init();

    // Watches @fd for @events on behalf of @h; -errno on failure.
    [[nodiscard]] int add(int fd, std::uint32_t events, Handler &h) const;
    [[nodiscard]] int modify(int fd, std::uint32_t events, Handler &h) const;
    void remove(int fd) const noexcept;

    // Runs after every batch of events.
    void add_idle_hook(std::function<void()> hook) { hooks_.push_back(std::move(hook)); }

    // Dispatches until stop(); 0, or -errno if epoll_wait fails.
    int run();
    void stop() noexcept { running_ = false; }

private:
    UniqueFd epoll_;
    std::vector<std::function<void()>> hooks_;
    bool running_ = false;
};

} // namespace afbusd::transport

#endif // AFBUSD_TRANSPORT_EVENT_LOOP_HPP
