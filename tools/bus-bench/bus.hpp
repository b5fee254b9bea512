// SPDX-License-Identifier: LGPL-2.1-or-later
//
// What a scenario needs from a bus, whatever it is: a D-Bus bus (dbus-daemon,
// dbus-broker, afbusd, any address) or a raw SOCK_SEQPACKET floor.
//
// A scenario forks one process per role. Each opens its Endpoint in the
// child (for a D-Bus bus: connect, authenticate, Hello, and RequestName or
// AddMatch) and then only calls the one method of its role.
#ifndef BUS_BENCH_BUS_HPP
#define BUS_BENCH_BUS_HPP

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace bus_bench {

enum class Role : std::uint8_t {
    client,     // calls the service
    service,    // answers calls
    sender,     // emits broadcast signals
    subscriber, // receives them
};

enum class Shape : std::uint8_t { call, fanout };

class Endpoint {
public:
    Endpoint() = default;
    Endpoint(const Endpoint &) = delete;
    Endpoint &operator=(const Endpoint &) = delete;
    Endpoint(Endpoint &&) = delete;
    Endpoint &operator=(Endpoint &&) = delete;
    virtual ~Endpoint() = default;

    // client: one round trip carrying @payload; returns the size of the
    // payload that came back.
    virtual std::size_t call(std::span<const std::byte> payload) = 0;
    // client: tells the service to stop, and waits for its answer.
    virtual void stop_service() = 0;
    // service: answers one call with its own payload; false when told to stop.
    virtual bool serve() = 0;
    // sender: one broadcast, numbered @seq.
    virtual void emit(std::uint32_t seq) = 0;
    // subscriber: waits for the next broadcast and returns its number.
    virtual std::uint32_t receive() = 0;
};

class Bus {
public:
    Bus() = default;
    Bus(const Bus &) = delete;
    Bus &operator=(const Bus &) = delete;
    Bus(Bus &&) = delete;
    Bus &operator=(Bus &&) = delete;
    virtual ~Bus() = default;

    // The column heading.
    [[nodiscard]] virtual std::string name() const = 0;
    // The process serving the bus that is not a child of a scenario (a
    // daemon this program started), whose CPU time is counted with the
    // roles'; 0 if none or unknown.
    [[nodiscard]] virtual pid_t server() const { return 0; }

    // In the parent, before a scenario of @shape with @receivers services
    // or subscribers forks its roles.
    virtual void prepare(Shape shape, unsigned receivers) { (void)shape, (void)receivers; }
    // In a role's child process: the endpoint of @role (subscriber @index).
    virtual std::unique_ptr<Endpoint> open(Role role, unsigned index) = 0;
    // In the parent, after the scenario's roles have exited.
    virtual void finish() {}
};

} // namespace bus_bench

#endif // BUS_BENCH_BUS_HPP
