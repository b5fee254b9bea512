// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The two scenarios, each run on one bus with one process per role,
// synchronised by pipes (never by sleeping):
//
// call: a service (which owns a name) and a client; after warmup calls the
//   client makes @calls timed round trips carrying @payload bytes and the
//   service echoes each. Result: microseconds per round trip.
//
// fanout: @subscribers processes with a match rule, and a sender that
//   emits @signals broadcasts in windows of @window: after each window it
//   waits until every subscriber has received the window's last signal
//   (each tells it with one byte on a shared pipe). @window 1 gives the
//   latency of one signal to all subscribers (µs per signal, including
//   that pipe acknowledgement); a larger window gives throughput (signals
//   per second, each delivered to every subscriber) with at most @window
//   signals queued per subscriber.
//
// Every role counts what it got: the scenario fails unless every reply and
// every signal arrived, in order and with the right size.
#ifndef BUS_BENCH_SCENARIO_HPP
#define BUS_BENCH_SCENARIO_HPP

#include "bus.hpp"

#include <cstddef>
#include <cstdint>

namespace bus_bench {

struct Measurement {
    double value = 0;           // µs per operation, or signals per second
    std::uint64_t received = 0; // replies or signal deliveries counted
    std::uint64_t expected = 0; // what should have arrived
    // CPU µs per call or per signal, summed over every process of the
    // scenario (its roles, from the start on, and the bus's server).
    double cpu_us = 0;
    // Fan-out: how often a subscriber slept per signal it received
    // (1: woken for every signal; less: several read per wake-up).
    double sleeps = 0;
};

Measurement run_call(Bus &bus, std::size_t payload, unsigned calls, unsigned warmup);

// For run_fanout(): emit every signal.
inline constexpr unsigned drop_none = ~0U;

// @window 1: latency (µs per signal); more: throughput (signals/s).
// @drop: the number of a signal not to emit, to test that the loss is
// caught (--inject-loss).
Measurement run_fanout(Bus &bus, unsigned subscribers, unsigned signals, unsigned window,
                       unsigned drop = drop_none);

} // namespace bus_bench

#endif // BUS_BENCH_SCENARIO_HPP
