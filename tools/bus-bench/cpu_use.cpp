// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cpu_use.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace bus_bench {
namespace {

double ticks_to_seconds(double ticks)
{
    static const auto hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return ticks / hz;
}

double seconds(const timeval &tv)
{
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

double cpu_seconds(const rusage &r)
{
    return seconds(r.ru_utime) + seconds(r.ru_stime);
}

// The first line of /proc/stat: user nice system idle iowait irq softirq
// steal (guest time is already in user and nice).
double machine_busy()
{
    std::ifstream f{"/proc/stat"};
    std::string cpu;
    std::array<double, 8> t{};
    f >> cpu;
    for (double &v : t) {
        f >> v;
    }
    if (!f || cpu != "cpu") {
        return 0;
    }
    return ticks_to_seconds(t[0] + t[1] + t[2] + t[5] + t[6] + t[7]);
}

} // namespace

// utime + stime + cutime + cstime of @pid (fields 14 to 17 of
// /proc/<pid>/stat; the command name in field 2 may hold spaces).
double process_cpu(pid_t pid)
{
    if (pid <= 0) {
        return 0;
    }
    std::ifstream f{"/proc/" + std::to_string(pid) + "/stat"};
    std::string line;
    std::getline(f, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos) {
        return 0;
    }
    std::istringstream rest{line.substr(close + 2)};
    const std::vector<std::string> fields{std::istream_iterator<std::string>{rest}, {}};
    // Field 3 (state) is rest's first: fields 14..17 are at 11..14.
    if (fields.size() < 15) {
        return 0;
    }
    double ticks = 0;
    for (std::size_t i = 11; i <= 14; ++i) {
        ticks += std::stod(fields[i]);
    }
    return ticks_to_seconds(ticks);
}

SelfUsage self_usage()
{
    rusage self{};
    (void)::getrusage(RUSAGE_SELF, &self);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-union-access): glibc's struct rusage puts it in a union
    return {.cpu = cpu_seconds(self), .sleeps = self.ru_nvcsw};
}

CpuSample sample_cpu(const std::vector<pid_t> &daemons)
{
    CpuSample s;
    s.wall = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    s.busy = machine_busy();
    rusage self{};
    rusage children{};
    (void)::getrusage(RUSAGE_SELF, &self);
    (void)::getrusage(RUSAGE_CHILDREN, &children);
    s.ours = cpu_seconds(self) + cpu_seconds(children);
    for (const pid_t pid : daemons) {
        s.ours += process_cpu(pid);
    }
    return s;
}

CpuUse cpu_use(const CpuSample &before, const CpuSample &after)
{
    CpuUse u;
    u.capacity = (after.wall - before.wall) * static_cast<double>(::sysconf(_SC_NPROCESSORS_ONLN));
    u.ours = after.ours - before.ours;
    u.others = std::max(0.0, after.busy - before.busy - u.ours);
    return u;
}

} // namespace bus_bench
