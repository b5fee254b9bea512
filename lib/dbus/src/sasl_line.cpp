// SPDX-License-Identifier: LGPL-2.1-or-later
//
// What the SASL client and server share: line splitting and hex data.
#include <afbus/dbus/sasl.hpp>

namespace afbus::dbus {

Errc SaslLines::feed(std::string_view input, std::size_t &used)
{
    used = 0;
    while (used < input.size() && !complete_) {
        const char c = input[used++];
        buffer_ += c;
        if (buffer_.size() > max_sasl_line) {
            return Errc::too_large;
        }
        if (c == '\n' && buffer_.size() >= 2 && buffer_[buffer_.size() - 2] == '\r') {
            complete_ = true;
        }
    }
    return Errc::ok;
}

std::string_view SaslLines::line() const noexcept
{
    std::string_view l = buffer_;
    l.remove_suffix(complete_ ? 2 : l.size());
    return l;
}

void SaslLines::next() noexcept
{
    buffer_.clear();
    complete_ = false;
}

std::string sasl_hex_encode(std::string_view raw)
{
    static constexpr std::string_view digits = "0123456789abcdef";
    std::string out;
    out.reserve(raw.size() * 2);
    for (const char c : raw) {
        const auto b = static_cast<unsigned char>(c);
        out += digits[b >> 4U];
        out += digits[b & 0xfU];
    }
    return out;
}

namespace {

int hex_value(char c) noexcept
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

} // namespace

bool sasl_hex_decode(std::string_view hex, std::string &out)
{
    out.clear();
    if (hex.size() % 2 != 0) {
        return false;
    }
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int hi = hex_value(hex[i]);
        const int lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        out += static_cast<char>((hi << 4) | lo);
    }
    return true;
}

} // namespace afbus::dbus
