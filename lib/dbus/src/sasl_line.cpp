// SPDX-License-Identifier: LGPL-2.1-or-later
//
// What the SASL client and server share: line splitting and hex data.
#include <afbus/dbus/sasl.hpp>

#include "hex.hpp"

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
    std::string out;
    out.reserve(raw.size() * 2);
    for (const char c : raw) {
        detail::append_hex(out, c);
    }
    return out;
}

bool sasl_hex_decode(std::string_view hex, std::string &out)
{
    out.clear();
    if (hex.size() % 2 != 0) {
        return false;
    }
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int byte = detail::hex_byte(hex[i], hex[i + 1]);
        if (byte < 0) {
            return false;
        }
        out += static_cast<char>(byte);
    }
    return true;
}

} // namespace afbus::dbus
