// SPDX-License-Identifier: LGPL-2.1-or-later
//
// dbus-bench-count: a fixed number of marshal+parse cycles of one message
// with one implementation, for instruction counting, which stays
// repeatable on a loaded machine where wall-clock ratios do not:
//
//     valgrind --tool=callgrind --toggle-collect='dbus_bench::cycle*'
//              dbus-bench-count afbus small_call 1000
//
// then divide the Ir total by the count. The first cycle (static set-up)
// is run before counting starts, outside cycle().
#include "messages.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

namespace dbus_bench {

std::uint64_t cycle(std::uint64_t (*impl)(Shape), Shape shape, long count);

// Not inlined, so that callgrind can collect exactly the cycles.
__attribute__((noinline)) std::uint64_t cycle(std::uint64_t (*impl)(Shape), Shape shape, long count)
{
    std::uint64_t sum = 0;
    for (long i = 0; i < count; ++i) {
        sum += impl(shape);
    }
    return sum;
}

} // namespace dbus_bench

int main(int argc, char **argv)
{
    using dbus_bench::Shape;
    const std::span<char *> args{argv, static_cast<std::size_t>(argc)};
    if (args.size() != 4) {
        (void)std::fputs("usage: dbus-bench-count afbus|libdbus|sdbus small_call|a{sv}x20|ay_64KiB COUNT\n", stderr);
        return 2;
    }
    const std::string_view impl_name = args[1];
    const std::string_view shape_name = args[2];
    std::uint64_t (*impl)(Shape) = impl_name == "afbus"     ? dbus_bench::ours
                                   : impl_name == "libdbus" ? dbus_bench::libdbus
                                   : impl_name == "sdbus"   ? dbus_bench::sdbus
                                                            : nullptr;
    const Shape shape = shape_name == "small_call" ? Shape::small_call
                        : shape_name == "a{sv}x20" ? Shape::property_dump
                                                   : Shape::blob_64k;
    const long count = std::strtol(args[3], nullptr, 10);
    if (impl == nullptr || (shape == Shape::blob_64k && shape_name != "ay_64KiB") || count <= 0) {
        (void)std::fputs("dbus-bench-count: bad arguments\n", stderr);
        return 2;
    }
    const std::uint64_t warm = impl(shape); // static set-up, not counted
    const std::uint64_t sum = dbus_bench::cycle(impl, shape, count);
    if (warm == 0 || sum != warm * static_cast<std::uint64_t>(count)) {
        (void)std::fputs("dbus-bench-count: a cycle failed\n", stderr);
        return 1;
    }
    (void)std::printf("%ld cycles, checksum %llu\n", count, static_cast<unsigned long long>(sum));
    return 0;
}
