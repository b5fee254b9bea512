// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Reader: typed, bounds-checked reads from a body that validate_body()
// accepted, returning views into it.
#include <afbus/dbus/names.hpp>
#include <afbus/dbus/reader.hpp>

#include "wire.hpp"

#include <bit>

namespace afbus::dbus {

using detail::align_up;

namespace {

// expected<From> as expected<To> through @f (g++ 12 lacks transform()).
template <typename To, typename From, typename F>
std::expected<To, Errc> convert(std::expected<From, Errc> v, F f) noexcept
{
    if (!v) {
        return std::unexpected{v.error()};
    }
    return f(*v);
}

template <typename T> Errc status(const std::expected<T, Errc> &v) noexcept
{
    return v ? Errc::ok : v.error();
}

} // namespace

std::expected<Reader, Errc> Reader::validated(std::span<const std::byte> body, std::string_view signature,
                                              ByteOrder order, std::uint32_t unix_fds) noexcept
{
    if (const Errc e = validate_body(body, signature, order, unix_fds); e != Errc::ok) {
        return std::unexpected{e};
    }
    return Reader{body.data(), 0, body.size(), signature, detail::is_swapped(order), false};
}

char Reader::peek_type() const noexcept
{
    if (repeat_) {
        if (pos_ >= end_ && (sig_pos_ == 0 || sig_pos_ >= sig_.size())) {
            return '\0';
        }
        return sig_[sig_pos_ >= sig_.size() ? 0 : sig_pos_];
    }
    return sig_pos_ < sig_.size() ? sig_[sig_pos_] : '\0';
}

std::string_view Reader::peek_signature() const noexcept
{
    if (peek_type() == '\0') {
        return {};
    }
    const std::size_t at = repeat_ && sig_pos_ >= sig_.size() ? 0 : sig_pos_;
    const std::string_view rest = sig_.substr(at);
    return rest.substr(0, complete_type_length(rest));
}

// Moves to the next value if it has type @type.
bool Reader::next(char type) noexcept
{
    if (repeat_ && sig_pos_ >= sig_.size() && pos_ < end_) {
        sig_pos_ = 0; // the next array element
    }
    return sig_pos_ < sig_.size() && sig_[sig_pos_] == type;
}

template <typename T> std::expected<T, Errc> Reader::get_fixed(char type) noexcept
{
    if (!next(type)) {
        return std::unexpected{Errc::type_mismatch};
    }
    const std::size_t at = align_up(pos_, sizeof(T));
    if (at + sizeof(T) > end_) {
        return std::unexpected{Errc::truncated};
    }
    pos_ = at + sizeof(T);
    ++sig_pos_;
    return detail::load<T>(base_ + at, swap_);
}

std::expected<std::uint8_t, Errc> Reader::get_byte() noexcept { return get_fixed<std::uint8_t>('y'); }

std::expected<bool, Errc> Reader::get_bool() noexcept
{
    return convert<bool>(get_fixed<std::uint32_t>('b'), [](std::uint32_t v) { return v != 0; });
}

std::expected<std::int16_t, Errc> Reader::get_int16() noexcept
{
    return convert<std::int16_t>(get_fixed<std::uint16_t>('n'), [](std::uint16_t v) { return static_cast<std::int16_t>(v); });
}

std::expected<std::uint16_t, Errc> Reader::get_uint16() noexcept { return get_fixed<std::uint16_t>('q'); }

std::expected<std::int32_t, Errc> Reader::get_int32() noexcept
{
    return convert<std::int32_t>(get_fixed<std::uint32_t>('i'), [](std::uint32_t v) { return static_cast<std::int32_t>(v); });
}

std::expected<std::uint32_t, Errc> Reader::get_uint32() noexcept { return get_fixed<std::uint32_t>('u'); }

std::expected<std::int64_t, Errc> Reader::get_int64() noexcept
{
    return convert<std::int64_t>(get_fixed<std::uint64_t>('x'), [](std::uint64_t v) { return static_cast<std::int64_t>(v); });
}

std::expected<std::uint64_t, Errc> Reader::get_uint64() noexcept { return get_fixed<std::uint64_t>('t'); }

std::expected<double, Errc> Reader::get_double() noexcept
{
    return convert<double>(get_fixed<std::uint64_t>('d'), [](std::uint64_t v) { return std::bit_cast<double>(v); });
}

std::expected<std::uint32_t, Errc> Reader::get_unix_fd() noexcept { return get_fixed<std::uint32_t>('h'); }

std::expected<std::string_view, Errc> Reader::get_string_like(char type) noexcept
{
    if (!next(type)) {
        return std::unexpected{Errc::type_mismatch};
    }
    std::size_t at = pos_;
    std::size_t length = 0;
    if (type == 'g') {
        if (at + 1 > end_) {
            return std::unexpected{Errc::truncated};
        }
        length = std::to_integer<std::size_t>(base_[at]);
        at += 1;
    } else {
        at = align_up(at, 4);
        if (at + 4 > end_) {
            return std::unexpected{Errc::truncated};
        }
        length = detail::load<std::uint32_t>(base_ + at, swap_);
        at += 4;
    }
    if (length >= end_ - at) { // the NUL must fit too
        return std::unexpected{Errc::truncated};
    }
    pos_ = at + length + 1;
    ++sig_pos_;
    return std::string_view{reinterpret_cast<const char *>(base_ + at), length};
}

std::expected<std::string_view, Errc> Reader::get_string() noexcept { return get_string_like('s'); }
std::expected<std::string_view, Errc> Reader::get_object_path() noexcept { return get_string_like('o'); }
std::expected<std::string_view, Errc> Reader::get_signature() noexcept { return get_string_like('g'); }

std::expected<Reader, Errc> Reader::enter_array() noexcept
{
    if (!next('a')) {
        return std::unexpected{Errc::type_mismatch};
    }
    const std::string_view element = sig_.substr(sig_pos_ + 1, complete_type_length(sig_.substr(sig_pos_ + 1)));
    std::size_t at = align_up(pos_, 4);
    if (at + 4 > end_) {
        return std::unexpected{Errc::truncated};
    }
    const std::size_t length = detail::load<std::uint32_t>(base_ + at, swap_);
    at = align_up(at + 4, type_alignment(element[0]));
    if (at > end_ || length > end_ - at) {
        return std::unexpected{Errc::truncated};
    }
    pos_ = at + length;
    sig_pos_ += 1 + element.size();
    return Reader{base_, at, at + length, element, swap_, true};
}

std::expected<std::span<const std::byte>, Errc> Reader::get_fixed_array(char type) noexcept
{
    if (detail::fixed_size(type) == 0) {
        return std::unexpected{Errc::type_mismatch};
    }
    if (peek_signature().size() != 2 || peek_signature()[1] != type) {
        return std::unexpected{Errc::type_mismatch};
    }
    auto array = enter_array();
    if (!array) {
        return std::unexpected{array.error()};
    }
    return std::span<const std::byte>{base_ + array->pos_, array->end_ - array->pos_};
}

std::expected<Reader, Errc> Reader::enter_group(char open) noexcept
{
    if (!next(open)) {
        return std::unexpected{Errc::type_mismatch};
    }
    const std::size_t length = complete_type_length(sig_.substr(sig_pos_));
    const std::string_view inner = sig_.substr(sig_pos_ + 1, length - 2);
    const std::size_t at = align_up(pos_, 8);
    if (at > end_) {
        return std::unexpected{Errc::truncated};
    }
    sig_pos_ += length;
    return Reader{base_, at, end_, inner, swap_, false};
}

std::expected<Reader, Errc> Reader::enter_struct() noexcept { return enter_group('('); }
std::expected<Reader, Errc> Reader::enter_dict_entry() noexcept { return enter_group('{'); }

std::expected<Reader, Errc> Reader::enter_variant() noexcept
{
    if (!next('v')) {
        return std::unexpected{Errc::type_mismatch};
    }
    if (pos_ + 1 > end_) {
        return std::unexpected{Errc::truncated};
    }
    const auto length = std::to_integer<std::size_t>(base_[pos_]);
    if (length + 2 > end_ - pos_ || length == 0) {
        return std::unexpected{Errc::truncated};
    }
    const std::string_view inner{reinterpret_cast<const char *>(base_ + pos_ + 1), length};
    ++sig_pos_;
    return Reader{base_, pos_ + 1 + length + 1, end_, inner, swap_, false};
}

// NOLINTNEXTLINE(misc-no-recursion): bounded by the 64-level nesting the validator enforced
Errc Reader::skip() noexcept
{
    const char type = peek_type();
    switch (type) {
    case '\0':
        return Errc::bad_state;
    case 'a':
        return status(enter_array());
    case '(':
    case '{':
    case 'v': {
        auto child = type == 'v' ? enter_variant() : enter_group(type);
        if (!child) {
            return child.error();
        }
        while (!child->at_end()) {
            if (const Errc e = child->skip(); e != Errc::ok) {
                return e;
            }
        }
        leave(*child);
        return Errc::ok;
    }
    case 's': case 'o': case 'g':
        return status(get_string_like(type));
    default: {
        const std::size_t size = detail::fixed_size(type);
        std::expected<std::uint64_t, Errc> r = std::unexpected{Errc::type_mismatch};
        switch (size) {
        case 1: r = get_fixed<std::uint8_t>(type); break;
        case 2: r = get_fixed<std::uint16_t>(type); break;
        case 4: r = get_fixed<std::uint32_t>(type); break;
        default: r = get_fixed<std::uint64_t>(type); break;
        }
        return status(r);
    }
    }
}

} // namespace afbus::dbus
