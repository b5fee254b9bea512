// SPDX-License-Identifier: LGPL-2.1-or-later
//
// afbus::EventLoop: drives many Connections from one thread. It waits on
// io_uring (one IORING_OP_POLL_ADD per connection and direction, re-armed
// after each completion, with the nearest call deadline as the wait's
// timeout), or on poll() where io_uring is unavailable (old kernels,
// seccomp, io_uring_disabled) or not wanted. Each wakeup: the ready
// connections read and write, every connection's late calls time out, and
// every connection dispatches (replies to async calls, signal handlers,
// method handlers).
//
//     auto loop = afbus::EventLoop::create();
//     (*loop)->add(*conn);
//     conn->call_async(h, body, 1s, [&](auto &&reply) { ... });
//     (*loop)->run_until([&] { return done; }, 5s);
//
// A connection destroyed while added removes itself. Not thread safe.
#ifndef AFBUS_EVENT_LOOP_HPP
#define AFBUS_EVENT_LOOP_HPP

#include <afbus/result.hpp>
#include <afbus/syscalls.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>

struct io_uring;

namespace afbus {

class Connection;

class EventLoop {
public:
    struct Options {
        const Syscalls *syscalls = &real_syscalls();
        bool use_io_uring = true; // false: poll() only
        unsigned ring_entries = 256;
    };

    static Result<std::unique_ptr<EventLoop>> create(const Options &options);
    static Result<std::unique_ptr<EventLoop>> create();

    EventLoop(const EventLoop &) = delete;
    EventLoop &operator=(const EventLoop &) = delete;
    EventLoop(EventLoop &&) = delete;
    EventLoop &operator=(EventLoop &&) = delete;
    ~EventLoop();

    // True when waiting on io_uring, false on the poll() fallback.
    [[nodiscard]] bool uses_io_uring() const noexcept { return ring_ != nullptr; }

    // A connection belongs to at most one loop (EBUSY otherwise).
    Result<void> add(Connection &conn);
    void remove(Connection &conn);
    [[nodiscard]] std::size_t size() const noexcept;

    // Waits at most @timeout (or until the nearest call deadline) for
    // events, handles them and dispatches. Returns the number of messages
    // dispatched. Connections that fail are removed and their calls fail.
    Result<std::size_t> run_once(std::chrono::milliseconds timeout);
    // run_once() until @done() holds (true) or @timeout passes (false).
    Result<bool> run_until(const std::function<bool()> &done, std::chrono::milliseconds timeout);
    // Until stop() is called from a handler.
    Result<void> run();
    void stop() noexcept { stopped_ = true; }

private:
    struct Entry;

    explicit EventLoop(const Options &options);
    Result<void> arm(Entry &entry, bool out);
    Result<int> wait_uring(int timeout_ms);
    Result<int> wait_poll(int timeout_ms);
    void reap();

    const Syscalls *sys_;
    std::unique_ptr<io_uring> ring_;
    std::list<Entry> entries_;
    bool stopped_ = false;
};

} // namespace afbus

#endif // AFBUS_EVENT_LOOP_HPP
