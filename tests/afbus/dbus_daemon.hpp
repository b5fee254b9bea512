// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A private dbus-daemon for a test: a temporary directory with a session
// config (allow-all policy, EXTERNAL auth, unix:path= listener) and the
// daemon started with --nofork --print-address; killed and reaped, and the
// directory removed, by the destructor. See broker.md, "Running the
// reference buses without systemd".
#ifndef TESTS_AFBUS_DBUS_DAEMON_HPP
#define TESTS_AFBUS_DBUS_DAEMON_HPP

#include <sys/types.h>

#include <string>

namespace afbus::testing {

class DbusDaemon {
public:
    DbusDaemon();
    DbusDaemon(const DbusDaemon &) = delete;
    DbusDaemon &operator=(const DbusDaemon &) = delete;
    DbusDaemon(DbusDaemon &&) = delete;
    DbusDaemon &operator=(DbusDaemon &&) = delete;
    ~DbusDaemon();

    // Empty if the daemon could not be started (then error() says why).
    [[nodiscard]] const std::string &address() const noexcept { return address_; }
    [[nodiscard]] const std::string &error() const noexcept { return error_; }

private:
    std::string dir_;
    std::string address_;
    std::string error_;
    pid_t pid_ = -1;
};

} // namespace afbus::testing

#endif // TESTS_AFBUS_DBUS_DAEMON_HPP
