// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Timer: a periodic timerfd in the event loop that calls a function.
#ifndef AFBUSD_TRANSPORT_TIMER_HPP
#define AFBUSD_TRANSPORT_TIMER_HPP

#include "../unique_fd.hpp"
#include "event_loop.hpp"

#include <chrono>
#include <functional>

namespace afbusd::transport {

class Timer final : public Handler {
public:
    Timer(EventLoop &loop, std::function<void()> tick) : loop_{&loop}, tick_{std::move(tick)} {}
    Timer(const Timer &) = delete;
    Timer &operator=(const Timer &) = delete;
    Timer(Timer &&) = delete;
    Timer &operator=(Timer &&) = delete;
    ~Timer() override;

    // Calls the function every @period from now on; -errno on failure.
    [[nodiscard]] int start(std::chrono::milliseconds period);

    void handle(std::uint32_t events) override;

private:
    EventLoop *loop_;
    std::function<void()> tick_;
    UniqueFd fd_;
};

} // namespace afbusd::transport

#endif // AFBUSD_TRANSPORT_TIMER_HPP
