// SPDX-License-Identifier: LGPL-2.1-or-later
//
// UTF-8 validation for D-Bus strings (RFC 3629, plus "no NUL").
#include <afbus/dbus/names.hpp>

#include <cstdint>
#include <cstring>

namespace afbus::dbus {

namespace {

// Length of the sequence led by @lead, 0 if @lead cannot lead one.
constexpr unsigned sequence_length(std::uint8_t lead) noexcept
{
    if (lead < 0x80) {
        return 1;
    }
    if (lead >= 0xc2 && lead <= 0xdf) {
        return 2;
    }
    if (lead >= 0xe0 && lead <= 0xef) {
        return 3;
    }
    if (lead >= 0xf0 && lead <= 0xf4) {
        return 4;
    }
    return 0;
}

bool is_continuation(std::uint8_t b) noexcept
{
    return (b & 0xc0U) == 0x80U;
}

} // namespace

Errc validate_utf8(std::string_view s) noexcept
{
    const auto *p = reinterpret_cast<const std::uint8_t *>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        // ASCII fast path, 8 bytes at a time.
        if (i + 8 <= n) {
            std::uint64_t w = 0;
            std::memcpy(&w, p + i, sizeof(w));
            // No byte has the top bit set and none is zero.
            if ((w & 0x8080808080808080ULL) == 0 && ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        const std::uint8_t lead = p[i];
        if (lead - 1U < 0x7fU) {
            // ASCII but NUL, and the ASCII after it: short strings and the
            // tails of long ones, without the multi-byte checks.
            ++i;
            while (i < n && p[i] - 1U < 0x7fU) {
                ++i;
            }
            continue;
        }
        if (lead == 0) {
            return Errc::bad_utf8;
        }
        const unsigned len = sequence_length(lead);
        if (len == 0 || i + len > n) {
            return Errc::bad_utf8;
        }
        if (len >= 2) {
            const std::uint8_t second = p[i + 1];
            if (!is_continuation(second)) {
                return Errc::bad_utf8;
            }
            // Overlong three- and four-byte forms, surrogates, > U+10FFFF.
            if ((lead == 0xe0 && second < 0xa0) || (lead == 0xed && second > 0x9f) ||
                (lead == 0xf0 && second < 0x90) || (lead == 0xf4 && second > 0x8f)) {
                return Errc::bad_utf8;
            }
            for (unsigned k = 2; k < len; ++k) {
                if (!is_continuation(p[i + k])) {
                    return Errc::bad_utf8;
                }
            }
        }
        i += len;
    }
    return Errc::ok;
}

} // namespace afbus::dbus
