// SPDX-License-Identifier: LGPL-2.1-or-later
//
// D-Bus buses: one reached at an address, and the ones bus-bench starts
// itself (dbus-daemon with a generated configuration, dbus-broker with
// bus-bench as its controller, afbusd). The daemons it starts die with it.
#ifndef BUS_BENCH_DBUS_BUS_HPP
#define BUS_BENCH_DBUS_BUS_HPP

#include "bus.hpp"
#include "connection.hpp"
#include "process.hpp"

#include <memory>
#include <string>

namespace bus_bench {

class DbusBus : public Bus {
public:
    // A bus at @address; @daemon (if not 0) is the process serving it,
    // @helper (if not 0) one that must live as long as it (dbus-broker's
    // controller), @output the daemon's output pipe, kept open until it is
    // stopped.
    DbusBus(std::string name, std::string address, pid_t daemon = 0, pid_t helper = 0, Fd output = Fd{});
    DbusBus(const DbusBus &) = delete;
    DbusBus &operator=(const DbusBus &) = delete;
    DbusBus(DbusBus &&) = delete;
    DbusBus &operator=(DbusBus &&) = delete;
    ~DbusBus() override;

    [[nodiscard]] std::string name() const override { return name_; }
    [[nodiscard]] const std::string &address() const noexcept { return address_; }
    // The daemon serving the bus, if this process started it; else 0.
    [[nodiscard]] pid_t daemon() const noexcept { return daemon_; }
    std::unique_ptr<Endpoint> open(Role role, unsigned index) override;

private:
    std::string name_;
    std::string address_;
    pid_t daemon_;
    pid_t helper_;
    Fd output_;
};

// The bus served by @daemon, once it printed its address on @output (the
// read end of its stdout or --print-address pipe); @daemon is stopped if
// it does not.
std::unique_ptr<DbusBus> await_address(const std::string &name, pid_t daemon, Fd output);

// dbus-daemon (from PATH) with a session-type configuration written to
// @dir: a private socket there, EXTERNAL only, everything allowed.
std::unique_ptr<DbusBus> start_dbus_daemon(const TempDir &dir);

// dbus-broker (from PATH), with this process as its controller: a listening
// socket in @dir handed over with AddListener and an allow-all policy.
std::unique_ptr<DbusBus> start_dbus_broker(const TempDir &dir);

// @program --address unix:path=<@dir>/afbusd.sock --foreground, which
// prints its address on stdout when it is ready.
std::unique_ptr<DbusBus> start_afbusd(const std::string &program, const TempDir &dir);

} // namespace bus_bench

#endif // BUS_BENCH_DBUS_BUS_HPP
