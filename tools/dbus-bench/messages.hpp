// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The three benchmark messages, each marshalled and parsed (every value
// read back) by one implementation. Each function does one full cycle and
// returns a checksum of what it read, so nothing is optimized away.
#ifndef AFBUS_DBUS_BENCH_MESSAGES_HPP
#define AFBUS_DBUS_BENCH_MESSAGES_HPP

#include <cstdint>

namespace dbus_bench {

inline constexpr int property_count = 20;
inline constexpr unsigned blob_size = 64 * 1024;

enum class Shape { small_call, property_dump, blob_64k };

std::uint64_t ours(Shape shape);
std::uint64_t libdbus(Shape shape);
std::uint64_t sdbus(Shape shape);

} // namespace dbus_bench

#endif // AFBUS_DBUS_BENCH_MESSAGES_HPP
