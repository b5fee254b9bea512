// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A Google Benchmark reporter that also collects every result and, at the
// end, prints one table: per message, each implementation's time and how
// many times slower than afbus::dbus it is, and where there is a "copy"
// reference, its time and sd-bus's over it.
#ifndef AFBUS_DBUS_BENCH_RATIO_TABLE_HPP
#define AFBUS_DBUS_BENCH_RATIO_TABLE_HPP

#include <benchmark/benchmark.h>
#include <map>
#include <string>
#include <vector>

namespace dbus_bench {

class RatioTable : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run> &runs) override;
    // Prints the table; benchmark names must be "<message>/<implementation>".
    // False if a message lacks a time for afbus, libdbus or sdbus.
    [[nodiscard]] bool PrintTable() const;

private:
    std::map<std::string, std::map<std::string, double>> ns_; // message -> impl -> ns
};

} // namespace dbus_bench

#endif // AFBUS_DBUS_BENCH_RATIO_TABLE_HPP
