// SPDX-License-Identifier: LGPL-2.1-or-later
//
// dbus-bench: marshal + parse, afbus::dbus vs libdbus-1 vs sd-bus.
//
// One iteration builds the message (header and body), serializes it, then
// parses it and reads every value back:
//  - afbus::dbus: Writer + build_message() into a reused buffer, then
//    parse_message() (full validation) and a Reader;
//  - libdbus-1: dbus_message_new_*, iterators, dbus_message_marshal(), then
//    dbus_message_demarshal() (full validation) and iterators;
//  - sd-bus: sd_bus_message_new_method_call() on a bus object that is
//    never started (sd_bus_new()), sd_bus_message_seal(), then
//    sd_bus_message_rewind() and reads. sd-bus has no public "parse these
//    bytes" entry point, so its parse half reads its own sealed message
//    back without re-validating the wire bytes: this favours sd-bus.
//
// Usage: dbus-bench [Google Benchmark flags]; prints the usual output then
// a table with the ratios.
#include "messages.hpp"
#include "ratio_table.hpp"

#include <benchmark/benchmark.h>

namespace {

using dbus_bench::Shape;

template <std::uint64_t (*Impl)(Shape)> void run(benchmark::State &state, Shape shape)
{
    for (auto _ : state) {
        benchmark::DoNotOptimize(Impl(shape));
    }
}

void register_all()
{
    const struct {
        const char *name;
        Shape shape;
    } shapes[] = {
        {"small_call", Shape::small_call},
        {"a{sv}x20", Shape::property_dump},
        {"ay_64KiB", Shape::blob_64k},
    };
    for (const auto &s : shapes) {
        const std::string base = s.name;
        benchmark::RegisterBenchmark((base + "/afbus").c_str(), run<dbus_bench::ours>, s.shape);
        benchmark::RegisterBenchmark((base + "/libdbus").c_str(), run<dbus_bench::libdbus>, s.shape);
        benchmark::RegisterBenchmark((base + "/sdbus").c_str(), run<dbus_bench::sdbus>, s.shape);
    }
}

} // namespace

int main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    register_all();
    dbus_bench::RatioTable table;
    benchmark::RunSpecifiedBenchmarks(&table);
    table.PrintTable();
    benchmark::Shutdown();
    return 0;
}
