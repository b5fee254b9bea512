// SPDX-License-Identifier: LGPL-2.1-or-later
#include "event_loop.hpp"

#include <sys/epoll.h>

#include <array>
#include <cerrno>
#include <utility>

namespace afbusd::transport {

int EventLoop::init()
{
    epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    return epoll_.valid() ? 0 : -errno;
}

int EventLoop::add(int fd, std::uint32_t events, Handler &h) const
{
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = &h;
    return ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -errno;
}

int EventLoop::modify(int fd, std::uint32_t events, Handler &h) const
{
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = &h;
    return ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) == 0 ? 0 : -errno;
}

void EventLoop::remove(int fd) const noexcept
{
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

int EventLoop::run()
{
    constexpr int batch = 64;
    std::array<epoll_event, batch> events{};
    running_ = true;
    while (running_) {
        const int n = ::epoll_wait(epoll_.get(), events.data(), batch, -1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        ++batch_;
        for (int i = 0; i < n; ++i) {
            const epoll_event &ev = events.at(static_cast<std::size_t>(i));
            static_cast<Handler *>(ev.data.ptr)->handle(ev.events);
        }
        for (const auto &hook : hooks_) {
            hook();
        }
        for (Deferred *d : std::exchange(deferred_, {})) {
            d->run_deferred();
        }
    }
    return 0;
}

} // namespace afbusd::transport
