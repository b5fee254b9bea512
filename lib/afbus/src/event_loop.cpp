// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The event loop; see include/afbus/event_loop.hpp.
//
// io_uring: each connection has up to two one-shot POLL_ADD requests in
// flight, one for POLLIN (always) and one for POLLOUT (while it has output
// queued). The user_data of a request is the address of the connection's
// Entry (a std::list node, so it never moves) with the low bit set for the
// POLLOUT one. A removed connection's Entry stays, without its connection,
// until the kernel has completed or cancelled both requests.
#include <afbus/event_loop.hpp>

#include <afbus/connection.hpp>

#include <liburing.h>

#include <algorithm>
#include <cerrno>
#include <vector>

namespace afbus {

using Clock = std::chrono::steady_clock;

struct EventLoop::Entry {
    Connection *conn = nullptr; // null once removed
    bool armed_in = false;
    bool armed_out = false;
    short revents = 0;
};

namespace {

std::uint64_t user_data(const void *entry, bool out) noexcept
{
    return reinterpret_cast<std::uintptr_t>(entry) | (out ? 1U : 0U);
}

} // namespace

EventLoop::EventLoop(const Options &options) : sys_{options.syscalls} {}

EventLoop::~EventLoop()
{
    for (auto &e : entries_) {
        if (e.conn != nullptr) {
            e.conn->loop_ = nullptr;
        }
    }
    if (ring_) {
        ::io_uring_queue_exit(ring_.get());
    }
}

Result<std::unique_ptr<EventLoop>> EventLoop::create(const Options &options)
{
    std::unique_ptr<EventLoop> loop{new EventLoop{options}};
    if (options.use_io_uring) {
        auto ring = std::make_unique<io_uring>();
        const int ret = options.syscalls->uring_init(options.syscalls->context, options.ring_entries, ring.get());
        if (ret == 0) {
            loop->ring_ = std::move(ring);
        } else if (ret != -ENOSYS && ret != -EPERM && ret != -EACCES && ret != -EOPNOTSUPP) {
            return fail(ret); // ENOMEM, EMFILE...: not a missing feature
        }
        // Otherwise io_uring is unavailable here: poll() it is.
    }
    return loop;
}

Result<std::unique_ptr<EventLoop>> EventLoop::create()
{
    return create(Options{});
}

Result<void> EventLoop::add(Connection &conn)
{
    if (conn.loop_ != nullptr) {
        return fail(-EBUSY);
    }
    entries_.push_back(Entry{.conn = &conn});
    conn.loop_ = this;
    return {};
}

void EventLoop::remove(Connection &conn)
{
    for (auto &e : entries_) {
        if (e.conn != &conn) {
            continue;
        }
        e.conn = nullptr;
        conn.loop_ = nullptr;
        if (ring_) {
            for (const bool out : {false, true}) {
                if (out ? e.armed_out : e.armed_in) {
                    io_uring_sqe *sqe = ::io_uring_get_sqe(ring_.get());
                    if (sqe != nullptr) {
                        ::io_uring_prep_poll_remove(sqe, user_data(&e, out));
                        ::io_uring_sqe_set_data64(sqe, 0); // its own completion is ignored
                    }
                }
            }
        }
    }
}

std::size_t EventLoop::size() const noexcept
{
    return static_cast<std::size_t>(
        std::count_if(entries_.begin(), entries_.end(), [](const Entry &e) { return e.conn != nullptr; }));
}

void EventLoop::reap()
{
    entries_.remove_if([](const Entry &e) { return e.conn == nullptr && !e.armed_in && !e.armed_out; });
}

Result<void> EventLoop::arm(Entry &entry, bool out)
{
    io_uring_sqe *sqe = ::io_uring_get_sqe(ring_.get());
    if (sqe == nullptr) {
        // The submission queue is full: submit what is there, then retry.
        if (const int ret = sys_->uring_submit_and_wait(sys_->context, ring_.get(), 0); ret < 0 && ret != -EINTR) {
            return fail(ret);
        }
        sqe = ::io_uring_get_sqe(ring_.get());
        if (sqe == nullptr) {
            return fail(-EBUSY);
        }
    }
    ::io_uring_prep_poll_add(sqe, entry.conn->fd(), out ? POLLOUT : POLLIN);
    ::io_uring_sqe_set_data64(sqe, user_data(&entry, out));
    (out ? entry.armed_out : entry.armed_in) = true;
    return {};
}

Result<int> EventLoop::wait_uring(int timeout_ms)
{
    for (auto &e : entries_) {
        if (e.conn == nullptr) {
            continue;
        }
        if (!e.armed_in) {
            if (auto r = arm(e, false); !r) {
                return std::unexpected{r.error()};
            }
        }
        if (!e.armed_out && e.conn->queued_outgoing() != 0) {
            if (auto r = arm(e, true); !r) {
                return std::unexpected{r.error()};
            }
        }
    }
    const int ret = sys_->uring_submit_and_wait(sys_->context, ring_.get(), timeout_ms);
    if (ret < 0 && ret != -EINTR && ret != -ETIME) {
        return fail(ret);
    }
    int ready = 0;
    unsigned head = 0;
    unsigned seen = 0;
    io_uring_cqe *cqe = nullptr;
    io_uring_for_each_cqe(ring_.get(), head, cqe)
    {
        ++seen;
        const std::uint64_t data = ::io_uring_cqe_get_data64(cqe);
        if (data == 0 || data == LIBURING_UDATA_TIMEOUT) {
            continue;
        }
        const bool out = (data & 1U) != 0;
        // The address of an Entry, as user_data() stored it.
        auto *e = reinterpret_cast<Entry *>( // NOLINT(performance-no-int-to-ptr)
            static_cast<std::uintptr_t>(data & ~std::uint64_t{1}));
        (out ? e->armed_out : e->armed_in) = false;
        if (e->conn == nullptr) {
            continue;
        }
        // A negative result (the fd was closed under us...) is an error.
        e->revents = static_cast<short>(e->revents | (cqe->res < 0 ? POLLERR : cqe->res));
        ++ready;
    }
    ::io_uring_cq_advance(ring_.get(), seen);
    return ready;
}

Result<int> EventLoop::wait_poll(int timeout_ms)
{
    std::vector<pollfd> fds;
    std::vector<Entry *> owners;
    for (auto &e : entries_) {
        if (e.conn != nullptr) {
            fds.push_back(pollfd{.fd = e.conn->fd(), .events = e.conn->wanted_events(), .revents = 0});
            owners.push_back(&e);
        }
    }
    const int ret = sys_->poll(sys_->context, fds.data(), fds.size(), timeout_ms);
    if (ret == -EINTR) {
        return 0;
    }
    if (ret < 0) {
        return fail(ret);
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
        owners[i]->revents = fds[i].revents;
    }
    return ret;
}

Result<std::size_t> EventLoop::run_once(std::chrono::milliseconds timeout)
{
    reap();
    auto deadline = Clock::now() + timeout;
    bool ready_now = false;
    for (auto &e : entries_) {
        if (e.conn == nullptr) {
            continue;
        }
        (void)e.conn->flush(); // a failure shows up as an event
        if (const auto d = e.conn->next_deadline(); d && *d < deadline) {
            deadline = *d;
        }
        ready_now = ready_now || e.conn->queued_incoming() != 0;
    }
    int timeout_ms = 0;
    if (!ready_now) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
        timeout_ms = static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
    }
    auto waited = ring_ ? wait_uring(timeout_ms) : wait_poll(timeout_ms);
    if (!waited) {
        return std::unexpected{waited.error()};
    }
    std::vector<Connection *> failed;
    for (auto &e : entries_) {
        if (e.conn == nullptr || e.revents == 0) {
            continue;
        }
        const short revents = e.revents;
        e.revents = 0;
        if (!e.conn->process(revents)) {
            failed.push_back(e.conn);
        }
    }
    const auto now = Clock::now();
    std::size_t dispatched = 0;
    for (auto &e : entries_) {
        // A handler may remove connections (e.conn becomes null) or add
        // them (appended: seen in this pass, harmless).
        if (e.conn != nullptr) {
            e.conn->expire(now);
        }
        if (e.conn != nullptr) {
            dispatched += e.conn->dispatch();
        }
    }
    for (Connection *c : failed) {
        if (c->loop_ == this) {
            remove(*c);
        }
    }
    return dispatched;
}

Result<bool> EventLoop::run_until(const std::function<bool()> &done, std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            return false;
        }
        if (auto r = run_once(left); !r) {
            return std::unexpected{r.error()};
        }
    }
    return true;
}

Result<void> EventLoop::run()
{
    stopped_ = false;
    while (!stopped_) {
        if (auto r = run_once(std::chrono::hours{1}); !r) {
            return std::unexpected{r.error()};
        }
    }
    return {};
}

} // namespace afbus
