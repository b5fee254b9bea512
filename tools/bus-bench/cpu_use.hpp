// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Who used the CPUs during a run: the whole machine (/proc/stat) against
// this process, every role it reaped and the daemons it started. What is
// left is other work, which makes latency figures invalid; broker.md asks
// for it to be reported, not just the load average.
#ifndef BUS_BENCH_CPU_USE_HPP
#define BUS_BENCH_CPU_USE_HPP

#include <sys/types.h>

#include <vector>

namespace bus_bench {

struct CpuSample {
    double wall = 0;    // seconds, monotonic
    double busy = 0;    // CPU-seconds the machine spent not idle
    double ours = 0;    // CPU-seconds of this process tree
};

// @daemons: the daemons this process started and has not reaped yet.
CpuSample sample_cpu(const std::vector<pid_t> &daemons);

struct CpuUse {
    double capacity = 0; // CPU-seconds the machine had (wall time x CPUs)
    double ours = 0;
    double others = 0;   // busy minus ours, at least 0
};

CpuUse cpu_use(const CpuSample &before, const CpuSample &after);

// CPU-seconds (user and system) @pid has used so far, reaped children
// included; a process that has exited and is not reaped yet still answers.
// 0 for pid 0 or a process that is gone. Resolution: one clock tick.
double process_cpu(pid_t pid);

// What this process has used so far (one getrusage()): CPU-seconds, user
// and system, and voluntary context switches, i.e. how many times it went
// to sleep waiting for something.
struct SelfUsage {
    double cpu = 0;
    long sleeps = 0;
};
SelfUsage self_usage();

} // namespace bus_bench

#endif // BUS_BENCH_CPU_USE_HPP
