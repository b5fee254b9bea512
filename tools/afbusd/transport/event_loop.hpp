// SPDX-License-Identifier: LGPL-2.1-or-later
//
// EventLoop: one epoll instance, single-threaded. Sources register a
// Handler per fd; after each batch of events the loop runs its idle hooks
// (the bus drops peers it condemned, transports free closed connections),
// so nothing is freed while an event for it may still be pending in the
// batch, and then the work deferred to the end of the batch (defer()): a
// connection's output after the first message of the batch, so that what
// a busy batch routes to one client is written with one system call and
// read by it in one wake-up, while a lone message is not delayed.
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

// Work that waits for the end of the current batch of events.
class Deferred {
public:
    Deferred() = default;
    Deferred(const Deferred &) = delete;
    Deferred &operator=(const Deferred &) = delete;
    Deferred(Deferred &&) = delete;
    Deferred &operator=(Deferred &&) = delete;
    virtual ~Deferred() = default;
    virtual void run_deferred() = 0;
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

    // @d runs once after the current batch's idle hooks (or the next
    // batch's, if called from run_deferred()). The caller makes sure it is
    // asked once per batch and calls cancel() before @d goes away;
    // run_deferred() must not free another Deferred.
    void defer(Deferred &d) { deferred_.push_back(&d); }
    void cancel(Deferred &d) noexcept { std::erase(deferred_, &d); }
    // Counts the batches of events: changes each time epoll_wait returns.
    [[nodiscard]] std::uint64_t batch() const noexcept { return batch_; }

    // Dispatches until stop(); 0, or -errno if epoll_wait fails.
    int run();
    void stop() noexcept { running_ = false; }

private:
    UniqueFd epoll_;
    std::vector<std::function<void()>> hooks_;
    std::vector<Deferred *> deferred_;
    std::uint64_t batch_ = 0;
    bool running_ = false;
};

} // namespace afbusd::transport

#endif // AFBUSD_TRANSPORT_EVENT_LOOP_HPP
