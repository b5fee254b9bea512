// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A blocking D-Bus connection over an AF_UNIX stream socket, built on
// libafbus-dbus: SaslClient for EXTERNAL, build_message() to send,
// message_size() and parse_message() to frame and validate what arrives.
// Just what a benchmark client needs: one message at a time, no event
// loop, every wait bounded by io_timeout().
#ifndef BUS_BENCH_CONNECTION_HPP
#define BUS_BENCH_CONNECTION_HPP

#include "process.hpp"

#include <afbus/dbus/message.hpp>
#include <afbus/dbus/writer.hpp>

#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bus_bench {

// The sockaddr of an AF_UNIX path, or of an abstract name (without its
// leading NUL).
struct UnixAddress {
    UnixAddress(std::string_view path, bool abstract);
    [[nodiscard]] const ::sockaddr *sockaddr() const noexcept
    {
        return reinterpret_cast<const ::sockaddr *>(&address);
    }

    sockaddr_un address{};
    socklen_t length = 0;
};

class Connection {
public:
    // Connects to the first connectable entry of the D-Bus address @address
    // (unix:path= or unix:abstract=) and authenticates (EXTERNAL). No Hello:
    // call hello() for a bus.
    static Connection open(std::string_view address);

    // Authenticates over the connected stream socket @fd.
    Connection(Fd fd, bool negotiate_unix_fd);

    // Hello; returns the unique name.
    std::string hello();

    // A call to the bus driver, org.freedesktop.DBus, waiting for its reply.
    afbus::dbus::Message call_driver(std::string_view member, const afbus::dbus::Writer &body);

    // Sends @h (its serial assigned here) with @body, and @unix_fd if not -1.
    // Returns the serial.
    std::uint32_t send(afbus::dbus::Header h, const afbus::dbus::Writer &body, int unix_fd = -1);

    // The next message, valid until the next receive() or call().
    afbus::dbus::Message receive();

    // Waits, without a time limit, until a message starts arriving: true,
    // or the peer closed the connection: false.
    bool wait_message();

    // Sends a call and returns its reply (method return), skipping other
    // messages; an error reply throws.
    afbus::dbus::Message call(const afbus::dbus::Header &h, const afbus::dbus::Writer &body, int unix_fd = -1);

private:
    void authenticate(bool negotiate_unix_fd);
    void fill(std::size_t need);

    Fd fd_;
    std::uint32_t serial_ = 0;
    std::vector<std::byte> out_;
    std::vector<std::byte> in_;
    std::size_t in_begin_ = 0;
    std::size_t in_end_ = 0;
};

// The first string of @msg's body, or empty.
std::string_view first_string(const afbus::dbus::Message &msg);

} // namespace bus_bench

#endif // BUS_BENCH_CONNECTION_HPP
