// SPDX-License-Identifier: LGPL-2.1-or-later
#include "timer.hpp"

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace afbusd::transport {

Timer::~Timer()
{
    if (fd_.valid()) {
        loop_->remove(fd_.get());
    }
}

int Timer::start(std::chrono::milliseconds period)
{
    fd_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!fd_.valid()) {
        return -errno;
    }
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(period);
    itimerspec spec{};
    spec.it_interval.tv_sec = secs.count();
    spec.it_interval.tv_nsec = std::chrono::duration_cast<std::chrono::nanoseconds>(period - secs).count();
    spec.it_value = spec.it_interval;
    if (::timerfd_settime(fd_.get(), 0, &spec, nullptr) != 0) {
        return -errno;
    }
    return loop_->add(fd_.get(), EPOLLIN, *this);
}

void Timer::handle(std::uint32_t /*events*/)
{
    std::uint64_t expirations = 0;
    if (::read(fd_.get(), &expirations, sizeof(expirations)) == static_cast<ssize_t>(sizeof(expirations))) {
        tick_();
    }
}

} // namespace afbusd::transport
