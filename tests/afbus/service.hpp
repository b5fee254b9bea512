// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A test service on its own connection: answers org.afbus.Test methods
// Echo (its string argument back), Fail (org.afbus.Error.Failed), Silent
// (never), WriteFd (writes "written" into the fd it is given), Emit (emits
// the signal org.afbus.Test.Ping with its argument, no destination).
// serve() installs the handler; run_in_thread() dispatches on a thread of
// its own until the object is destroyed.
#ifndef TESTS_AFBUS_SERVICE_HPP
#define TESTS_AFBUS_SERVICE_HPP

#include <afbus/connection.hpp>

#include <atomic>
#include <memory>
#include <thread>

namespace afbus::testing {

class Service {
public:
    explicit Service(std::unique_ptr<Connection> conn);
    Service(const Service &) = delete;
    Service &operator=(const Service &) = delete;
    Service(Service &&) = delete;
    Service &operator=(Service &&) = delete;
    ~Service();

    [[nodiscard]] Connection &connection() noexcept { return *conn_; }
    void run_in_thread();
    void stop();
    // Every method call handled, and the Echo calls among them (a client
    // such as gdbus call introspects the object before it calls).
    [[nodiscard]] int calls() const noexcept { return calls_.load(); }
    [[nodiscard]] int echo_calls() const noexcept { return echo_calls_.load(); }

private:
    void handle(IncomingMessage &msg);

    std::unique_ptr<Connection> conn_;
    std::atomic<bool> stop_{false};
    std::atomic<int> calls_{0};
    std::atomic<int> echo_calls_{0};
    std::thread thread_;
};

} // namespace afbus::testing

#endif // TESTS_AFBUS_SERVICE_HPP
