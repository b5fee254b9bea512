// SPDX-License-Identifier: LGPL-2.1-or-later
//
// dbus-bench: marshal + parse, afbus::dbus vs libdbus-1 vs sd-bus.
//
// One iteration builds the message (header and body), serializes it, then
// parses it and reads every value back:
//  - afbus::dbus: Writer + build_message_in_place() (the header written in
//    front of the body, in the writer's reused buffer), then
//    parse_message() (full validation) and a Reader;
//  - libdbus-1: dbus_message_new_*, iterators, dbus_message_marshal(), then
//    dbus_message_demarshal() (full validation) and iterators;
//  - sd-bus: sd_bus_message_new_method_call() on a bus started on one end
//    of a socketpair that never answers (sdbus_messages.cpp),
//    sd_bus_message_seal(), then
//    sd_bus_message_rewind() and reads. sd-bus has no public "parse these
//    bytes" entry point, so its parse half reads its own sealed message
//    back without re-validating the wire bytes: this favours sd-bus.
//
// For the 64 KiB array there is a fourth column, "copy": one memcpy of the
// payload into a reused buffer, where afbus::dbus puts it. Any
// implementation that builds the message in one piece of memory copies the
// payload at least once, so sd-bus's time over this one is the most any of
// them could gain on sd-bus in that row.
//
// Usage: dbus-bench [Google Benchmark flags]; prints the usual output then
// a table with the ratios. Exits 1 if a cell of the table is missing (a
// cycle failed, or --benchmark_filter left a benchmark out).
#include "messages.hpp"
#include "ratio_table.hpp"

#include <array>
#include <benchmark/benchmark.h>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

using dbus_bench::Shape;

// The shape comes in as the benchmark's argument, so names read
// "<message>/<implementation>/<shape number>" (what RatioTable expects).
// A cycle that fails returns 0: the benchmark stops with an error, which
// leaves its cell of the table empty and makes the run fail.
template <std::uint64_t (*Impl)(Shape)> void run(benchmark::State &state)
{
    const auto shape = static_cast<Shape>(state.range(0));
    for (auto _ : state) {
        const std::uint64_t sum = Impl(shape);
        if (sum == 0) {
            state.SkipWithError("a marshal + parse cycle failed");
            break;
        }
        benchmark::DoNotOptimize(sum);
    }
}

// The "copy" reference: the 64 KiB payload copied once, at the offset the
// body's array data has in a Writer (after its header room and the array's
// length), then its last byte read back as the implementations do.
std::uint64_t payload_copy(Shape shape)
{
    (void)shape; // registered for Shape::blob_64k only
    constexpr std::size_t offset = 256 + 4;
    static const std::vector<std::byte> blob(dbus_bench::blob_size, std::byte{0x5a});
    thread_local std::vector<std::byte> buf(offset + dbus_bench::blob_size);
    benchmark::DoNotOptimize(buf.data());
    std::memcpy(buf.data() + offset, blob.data(), blob.size());
    benchmark::ClobberMemory();
    return blob.size() + std::to_integer<unsigned>(buf.back());
}

// Google Benchmark's registry owns what RegisterBenchmarkInternal() is
// given, as its BENCHMARK() macros rely on; clang-analyzer cannot see that
// (the function lives in the library) and calls the allocation a leak.
// Allocating here, rather than in benchmark::RegisterBenchmark(), keeps that
// finding where a NOLINT with the reason can be written.
void add(const std::string &name, benchmark::internal::Function *fn, Shape shape)
{
    // NOLINTNEXTLINE(clang-analyzer-cplusplus.NewDeleteLeaks): the registry owns it until the process exits
    benchmark::internal::RegisterBenchmarkInternal(new benchmark::internal::FunctionBenchmark(name.c_str(), fn))
            ->Arg(static_cast<std::int64_t>(shape));
}

void register_all()
{
    struct NamedShape {
        const char *name;
        Shape shape;
    };
    static constexpr std::array<NamedShape, 3> shapes = {{
        {"small_call", Shape::small_call},
        {"a{sv}x20", Shape::property_dump},
        {"ay_64KiB", Shape::blob_64k},
    }};
    for (const auto &s : shapes) {
        const std::string base = s.name;
        add(base + "/afbus", run<dbus_bench::ours>, s.shape);
        add(base + "/libdbus", run<dbus_bench::libdbus>, s.shape);
        add(base + "/sdbus", run<dbus_bench::sdbus>, s.shape);
    }
    add("ay_64KiB/copy", run<payload_copy>, Shape::blob_64k);
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
    const bool complete = table.PrintTable();
    benchmark::Shutdown();
    if (!complete) {
        (void)std::fputs("dbus-bench: a benchmark failed or did not run; its cell is empty\n", stderr);
        return 1;
    }
    return 0;
}
