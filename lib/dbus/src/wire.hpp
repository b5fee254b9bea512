// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Internal: loads and stores of wire integers in either byte order, and
// alignment arithmetic. Offsets are relative to the start of the message;
// the body starts 8-aligned, so body-relative offsets align the same way.
#ifndef AFBUS_DBUS_WIRE_HPP
#define AFBUS_DBUS_WIRE_HPP

#include <afbus/dbus/types.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace afbus::dbus::detail {

constexpr std::size_t align_up(std::size_t n, std::size_t a) noexcept
{
    return (n + a - 1) & ~(a - 1);
}

template <typename T> T byteswap(T v) noexcept
{
    if constexpr (sizeof(T) == 1) {
        return v;
    } else if constexpr (sizeof(T) == 2) {
        return static_cast<T>(__builtin_bswap16(static_cast<std::uint16_t>(v)));
    } else if constexpr (sizeof(T) == 4) {
        return static_cast<T>(__builtin_bswap32(static_cast<std::uint32_t>(v)));
    } else {
        return static_cast<T>(__builtin_bswap64(static_cast<std::uint64_t>(v)));
    }
}

// An unsigned integer of @T's size at @p, in byte order @swap (true: not
// this machine's).
template <typename T> T load(const std::byte *p, bool swap) noexcept
{
    static_assert(std::is_unsigned_v<T>);
    T v{};
    std::memcpy(&v, p, sizeof(T));
    return swap ? byteswap(v) : v;
}

template <typename T> void store(std::byte *p, T v, bool swap) noexcept
{
    static_assert(std::is_unsigned_v<T>);
    if (swap) {
        v = byteswap(v);
    }
    std::memcpy(p, &v, sizeof(T));
}

inline bool is_swapped(ByteOrder order) noexcept
{
    return order != native_order;
}

// True if @n bytes at @p are all zero (padding).
inline bool all_zero(const std::byte *p, std::size_t n) noexcept
{
    for (std::size_t i = 0; i < n; ++i) {
        if (p[i] != std::byte{0}) {
            return false;
        }
    }
    return true;
}

// The fixed-size basic types and their sizes (0: not fixed-size).
constexpr std::size_t fixed_size(char c) noexcept
{
    switch (c) {
    case 'y': return 1;
    case 'n': case 'q': return 2;
    case 'b': case 'i': case 'u': case 'h': return 4;
    case 'x': case 't': case 'd': return 8;
    default: return 0;
    }
}

} // namespace afbus::dbus::detail

#endif // AFBUS_DBUS_WIRE_HPP
