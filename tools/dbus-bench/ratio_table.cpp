// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ratio_table.hpp"

#include <cstdio>

namespace dbus_bench {

void RatioTable::ReportRuns(const std::vector<Run> &runs)
{
    ConsoleReporter::ReportRuns(runs);
    for (const Run &r : runs) {
        // One figure per benchmark: the run, or with --benchmark_repetitions
        // the median (reported after the repetitions, so it wins).
        const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
        if ((r.run_type != Run::RT_Iteration && !median) || r.error_occurred) {
            continue;
        }
        const std::string name = r.run_name.str();
        const std::size_t slash = name.find('/');
        if (slash == std::string::npos) {
            continue;
        }
        const std::string impl = name.substr(slash + 1, name.find('/', slash + 1) - slash - 1);
        // Time per iteration in ns, whatever unit the run was reported in.
        ns_[name.substr(0, slash)][impl] = r.GetAdjustedCPUTime() * 1e9 / benchmark::GetTimeUnitMultiplier(r.time_unit);
    }
}

bool RatioTable::PrintTable() const
{
    bool complete = !ns_.empty();
    std::printf("\n%-16s %14s %14s %14s %12s %12s %12s %12s\n", "message", "afbus (ns)", "libdbus (ns)",
                "sd-bus (ns)", "libdbus/afb", "sd-bus/afb", "copy (ns)", "sd-bus/copy");
    for (const auto &entry : ns_) {
        // Named references, not a structured binding: clang-analyzer 16
        // loses track of bindings captured by a lambda.
        const std::string &message = entry.first;
        const auto &impls = entry.second;
        const auto get = [&impls](const char *k) {
            const auto it = impls.find(k);
            return it == impls.end() ? 0.0 : it->second;
        };
        const double ours = get("afbus");
        const double ld = get("libdbus");
        const double sd = get("sdbus");
        const double copy = get("copy");
        complete = complete && ours > 0 && ld > 0 && sd > 0;
        std::printf("%-16s %14.0f %14.0f %14.0f %11.2fx %11.2fx", message.c_str(), ours, ld, sd,
                    ours > 0 ? ld / ours : 0.0, ours > 0 ? sd / ours : 0.0);
        if (copy > 0) {
            std::printf(" %12.0f %11.2fx\n", copy, sd / copy);
        } else {
            std::printf(" %12s %12s\n", "-", "-");
        }
    }
    return complete;
}

} // namespace dbus_bench
