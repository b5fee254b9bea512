// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The floor: the same scenarios over raw AF_UNIX SOCK_SEQPACKET sockets,
// with no D-Bus at all (no marshalling, no validation, no routing).
//   direct: 2 processes for a call (client <-> service); the sender writes
//           each signal to every subscriber's socket itself;
//   relay:  a third process in the middle that forwards every packet (to
//           every subscriber for a signal): a bus's shape, and so the floor
//           any bus is compared with.
// A packet is a kind byte, padding, a 32-bit number, then the payload.
#ifndef BUS_BENCH_FLOOR_HPP
#define BUS_BENCH_FLOOR_HPP

#include "bus.hpp"
#include "process.hpp"

#include <sys/types.h>

#include <vector>

namespace bus_bench {

class FloorBus : public Bus {
public:
    explicit FloorBus(bool relay) noexcept : relay_{relay} {}
    FloorBus(const FloorBus &) = delete;
    FloorBus &operator=(const FloorBus &) = delete;
    FloorBus(FloorBus &&) = delete;
    FloorBus &operator=(FloorBus &&) = delete;
    ~FloorBus() override;

    [[nodiscard]] std::string name() const override { return relay_ ? "floor3p" : "floor2p"; }
    [[nodiscard]] pid_t server() const override { return relay_pid_; }
    void prepare(Shape shape, unsigned receivers) override;
    std::unique_ptr<Endpoint> open(Role role, unsigned index) override;
    void finish() override;

private:
    // Closes every socket and reaps the relay, whatever its state.
    void cleanup() noexcept;

    bool relay_;
    Shape shape_ = Shape::call;
    Fd upstream_;               // the client's or sender's socket
    std::vector<Fd> downstream_; // the service's or each subscriber's
    std::vector<Fd> senders_;    // direct fan-out: the sender's end of each
    pid_t relay_pid_ = 0;
};

} // namespace bus_bench

#endif // BUS_BENCH_FLOOR_HPP
