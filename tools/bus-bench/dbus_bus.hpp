// SPDX-License-Identifier: LGPL-2.1-or-later
//
// D-Bus buses: one reached at an address, and the ones bus-bench starts
// itself (dbus-daemon from the shared allow-all configuration, dbus-broker
// with bus-bench as its controller, afbusd over AF_UNIX, and afbusd as the
// master of an AF_BUS bus with a unix listener too). The daemons it starts
// die with it.
//
// Every client is a libafbus afbus::Connection, whatever the bus: one
// client code path (SASL, Hello, marshalling and parsing by lib/dbus), so
// the columns differ only by the bus. On afbus:path= the same class talks
// to its peers directly through the kernel.
#ifndef BUS_BENCH_DBUS_BUS_HPP
#define BUS_BENCH_DBUS_BUS_HPP

#include "bus.hpp"
#include "process.hpp"

#include <afbus/connection.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace bus_bench {

// Connects to @address (any address libafbus speaks), authenticates and
// says Hello (unless @hello is false), all within io_timeout(); throws a
// Failure that says why it could not.
std::unique_ptr<afbus::Connection> connect(const std::string &address, bool hello = true);

// Throws a Failure for the failed call @what: the error name and text of
// an error reply, else the error code.
[[noreturn]] void fail_call(std::string_view what, const afbus::CallError &e);

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
    [[nodiscard]] pid_t server() const override { return server_; }
    // This bus is served by @other's daemon too (afbusd's unix listener).
    void served_by(const DbusBus &other) noexcept { server_ = other.daemon_; }
    std::unique_ptr<Endpoint> open(Role role, unsigned index) override;

private:
    std::string name_;
    std::string address_;
    pid_t daemon_;
    pid_t server_;
    pid_t helper_;
    Fd output_;
};

// The bus served by @daemon, once it printed a line on @output (the read
// end of its stdout or --print-address pipe): its address, or, if
// @address is not empty, just that it is ready. @daemon is stopped if it
// does not print one.
std::unique_ptr<DbusBus> await_ready(const std::string &name, pid_t daemon, Fd output, std::string address = {});

// dbus-daemon (from PATH) with the allow-all configuration template
// (tests/data/dbus-daemon.conf) listening on a private socket in @dir.
std::unique_ptr<DbusBus> start_dbus_daemon(const TempDir &dir);

// dbus-broker (from PATH), with this process as its controller: a listening
// socket in @dir handed over with AddListener and an allow-all policy.
std::unique_ptr<DbusBus> start_dbus_broker(const TempDir &dir);

// @program --address unix:path=<@dir>/afbusd.sock --foreground, which
// prints its address on stdout when it is ready.
std::unique_ptr<DbusBus> start_afbusd(const std::string &program, const TempDir &dir);

// @program as the master of an AF_BUS bus, with a unix listener for
// legacy clients: --address afbus:path=<@dir>/afbusd.bus --address
// unix:path=<@dir>/afbusd-legacy.sock --foreground. Returns the bus of its
// AF_BUS clients ("afbus", which owns the daemon) and of its AF_UNIX
// clients ("legacy"). Fails at once, saying so, on a kernel without AF_BUS.
std::pair<std::unique_ptr<DbusBus>, std::unique_ptr<DbusBus>> start_afbusd_bus(const std::string &program,
                                                                               const TempDir &dir);

} // namespace bus_bench

#endif // BUS_BENCH_DBUS_BUS_HPP
