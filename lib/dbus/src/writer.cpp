// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Writer: marshalling of values into a body, with alignment padding, and
// the body signature built (or checked) as values arrive.
#include <afbus/dbus/names.hpp>
#include <afbus/dbus/writer.hpp>

#include "wire.hpp"

#include <algorithm>
#include <bit>

namespace afbus::dbus {

using detail::align_up;

void Writer::fail(Errc e) noexcept
{
    if (error_ == Errc::ok) {
        error_ = e;
    }
}

namespace {

// Bytes of storage kept past the end of the body: one 8-byte store of zero
// padding (or a value) at the end never needs a bounds check.
constexpr std::size_t storage_slack = 8;

void zero_word(std::byte *p) noexcept
{
    detail::store(p, std::uint64_t{0}, false);
}

} // namespace

std::byte *Writer::grow(std::size_t n) noexcept
{
    if (n > max_message_size - (size_ - body_start_)) {
        fail(Errc::too_large);
        return nullptr;
    }
    if (n + storage_slack > buffer_.size() - size_) [[unlikely]] {
        return grow_storage(n);
    }
    std::byte *p = buffer_.data() + size_;
    size_ += n;
    return p;
}

std::byte *Writer::grow_storage(std::size_t n) noexcept
{
    if (body_start_ == 0) {
        // The first value: the header room goes in front of it. clear()
        // keeps the room, so this happens once per writer.
        body_start_ = header_room_;
        size_ = header_room_;
    }
    // Doubling: a writer reused for similar messages stops growing.
    buffer_.resize(std::max(buffer_.size() * 2, size_ + n + storage_slack));
    std::byte *p = buffer_.data() + size_;
    size_ += n;
    return p;
}

void Writer::pad(std::size_t alignment) noexcept
{
    const std::size_t padded = align_up(size_, alignment);
    if (padded != size_) {
        if (std::byte *p = grow(padded - size_); p != nullptr) {
            zero_word(p); // at most 7 bytes of padding
        }
    }
}

std::span<std::byte> Writer::header_space(std::size_t size) noexcept
{
    if (body_start_ == 0) {
        grow(0);
    }
    if (size > body_start_) {
        // Moves the body once; later bodies get the larger room at once.
        // Powers of two stay multiples of 8, so body offsets keep their
        // alignment.
        const std::size_t room = std::bit_ceil(size);
        const std::size_t more = room - body_start_;
        buffer_.resize(size_);
        buffer_.reserve(size_ + more + storage_slack); // one allocation
        buffer_.insert(buffer_.begin(), more, std::byte{0});
        buffer_.resize(buffer_.size() + storage_slack);
        size_ += more;
        body_start_ = room;
        header_room_ = room;
    }
    return {buffer_.data() + (body_start_ - size), size};
}

bool Writer::add_type(std::string_view type) noexcept
{
    if (error_ != Errc::ok) {
        return false;
    }
    if (checker_ < 0) {
        if (signature_.size() + type.size() > max_signature_length) {
            fail(Errc::bad_signature);
            return false;
        }
        if (type.size() == 1) {
            signature_.push_back(type[0]);
        } else {
            signature_.append(type);
        }
        return true;
    }
    Frame &f = frames_[static_cast<std::size_t>(checker_)];
    const std::string_view expect{expect_pool_.data() + f.expect_offset, f.expect_length};
    if (f.kind == Kind::array && f.cursor == expect.size()) {
        f.cursor = 0; // the next element
    }
    // One code (most values) is one char compare, not a memcmp() call.
    const bool match = type.size() == 1 ? f.cursor < expect.size() && expect[f.cursor] == type[0]
                                        : expect.substr(f.cursor, type.size()) == type;
    if (!match) {
        fail(Errc::type_mismatch);
        return false;
    }
    f.cursor += type.size();
    return true;
}

template <typename T> void Writer::put_fixed(char type, T v) noexcept
{
    if (!add_type({&type, 1})) {
        return;
    }
    // Padding and value in one grow(); the padding (under 8 bytes) in one
    // store, which the slack allows.
    const std::size_t padding = align_up(size_, sizeof(T)) - size_;
    if (std::byte *p = grow(padding + sizeof(T)); p != nullptr) {
        zero_word(p);
        detail::store(p + padding, v, detail::is_swapped(order_));
    }
}

void Writer::put_byte(std::uint8_t v) noexcept { put_fixed('y', v); }
void Writer::put_bool(bool v) noexcept { put_fixed('b', std::uint32_t{v ? 1U : 0U}); }
void Writer::put_int16(std::int16_t v) noexcept { put_fixed('n', static_cast<std::uint16_t>(v)); }
void Writer::put_uint16(std::uint16_t v) noexcept { put_fixed('q', v); }
void Writer::put_int32(std::int32_t v) noexcept { put_fixed('i', static_cast<std::uint32_t>(v)); }
void Writer::put_uint32(std::uint32_t v) noexcept { put_fixed('u', v); }
void Writer::put_int64(std::int64_t v) noexcept { put_fixed('x', static_cast<std::uint64_t>(v)); }
void Writer::put_uint64(std::uint64_t v) noexcept { put_fixed('t', v); }
void Writer::put_double(double v) noexcept { put_fixed('d', std::bit_cast<std::uint64_t>(v)); }
void Writer::put_unix_fd(std::uint32_t index) noexcept { put_fixed('h', index); }

void Writer::put_string_like(char type, std::string_view v) noexcept
{
    Errc valid = Errc::ok;
    switch (type) {
    case 's': valid = validate_utf8(v); break;
    case 'o': valid = validate_object_path(v); break;
    default: valid = validate_signature(v); break;
    }
    if (valid != Errc::ok) {
        fail(valid);
        return;
    }
    if (!add_type({&type, 1})) {
        return;
    }
    std::byte *p = nullptr;
    if (type == 'g') {
        p = grow(1 + v.size() + 1);
        if (p != nullptr) {
            *p++ = static_cast<std::byte>(v.size());
        }
    } else {
        if (v.size() > max_message_size) {
            fail(Errc::too_large);
            return;
        }
        const std::size_t padding = align_up(size_, 4) - size_;
        p = grow(padding + 4 + v.size() + 1);
        if (p != nullptr) {
            zero_word(p); // the padding
            p += padding;
            detail::store(p, static_cast<std::uint32_t>(v.size()), detail::is_swapped(order_));
            p += 4;
        }
    }
    if (p != nullptr) {
        std::memcpy(p, v.data(), v.size());
        p[v.size()] = std::byte{0};
    }
}

void Writer::put_string(std::string_view v) noexcept { put_string_like('s', v); }
void Writer::put_object_path(std::string_view v) noexcept { put_string_like('o', v); }
void Writer::put_signature(std::string_view v) noexcept { put_string_like('g', v); }

void Writer::push(Frame f) noexcept
{
    if (frames_.size() >= max_total_depth) {
        fail(Errc::nested_too_deeply);
        return;
    }
    frames_.push_back(f);
    if (f.kind == Kind::array || f.kind == Kind::variant) {
        checker_ = static_cast<int>(frames_.size() - 1);
    }
}

void Writer::open_typed(Kind kind, std::string_view type) noexcept
{
    const Errc valid = kind == Kind::array ? validate_array_element(type) : validate_single_type(type);
    if (const Errc e = valid; e != Errc::ok) {
        fail(e);
        return;
    }
    const std::string_view code = kind == Kind::array ? "a" : "v";
    if (!add_type(code)) {
        return;
    }
    Frame f{kind, expect_pool_.size(), type.size(), 0, 0, 0, 0};
    if (kind == Kind::array) {
        // The element type is part of the enclosing signature too.
        if (!add_type(type)) {
            return;
        }
        pad(4);
        grow(4); // the length, stored by close()
        // Taken after grow(): the first value of a writer moves size_ past
        // the header room.
        f.length_offset = size_ - 4;
        pad(type_alignment(type[0]));
        f.content_offset = size_;
    } else {
        std::byte *p = grow(1 + type.size() + 1);
        if (p == nullptr) {
            return;
        }
        *p = static_cast<std::byte>(type.size());
        std::memcpy(p + 1, type.data(), type.size());
        p[1 + type.size()] = std::byte{0};
    }
    expect_pool_.append(type);
    push(f);
}

void Writer::open_array(std::string_view element_signature) noexcept
{
    open_typed(Kind::array, element_signature);
}

void Writer::open_variant(std::string_view signature) noexcept
{
    open_typed(Kind::variant, signature);
}

void Writer::open_struct() noexcept
{
    if (!add_type("(")) {
        return;
    }
    pad(8);
    push(Frame{Kind::structure, 0, 0, 0, 0, 0, 0});
}

void Writer::open_dict_entry() noexcept
{
    // Only where an array's element type says so: add_type() checks.
    if (checker_ < 0 || frames_[static_cast<std::size_t>(checker_)].kind != Kind::array) {
        fail(Errc::type_mismatch);
        return;
    }
    if (!add_type("{")) {
        return;
    }
    pad(8);
    push(Frame{Kind::dict_entry, 0, 0, 0, 0, 0, 0});
}

void Writer::close(Kind kind) noexcept
{
    if (error_ != Errc::ok) {
        return;
    }
    if (frames_.empty() || frames_.back().kind != kind) {
        fail(Errc::bad_state);
        return;
    }
    const Frame f = frames_.back();
    if (kind == Kind::array || kind == Kind::variant) {
        // A variant holds exactly one value; an array ends between elements.
        if ((kind == Kind::variant || f.cursor != 0) && f.cursor != f.expect_length) {
            fail(Errc::bad_state);
            return;
        }
        if (kind == Kind::array) {
            const std::size_t length = size_ - f.content_offset;
            if (length > max_array_size) {
                fail(Errc::too_large);
                return;
            }
            detail::store(buffer_.data() + f.length_offset, static_cast<std::uint32_t>(length),
                          detail::is_swapped(order_));
        }
        expect_pool_.resize(f.expect_offset);
    }
    frames_.pop_back();
    checker_ = -1;
    for (std::size_t i = frames_.size(); i-- > 0;) {
        if (frames_[i].kind == Kind::array || frames_[i].kind == Kind::variant) {
            checker_ = static_cast<int>(i);
            break;
        }
    }
    if (kind == Kind::structure) {
        if (checker_ < 0 && signature_.back() == '(') {
            fail(Errc::bad_signature); // empty struct
            return;
        }
        add_type(")");
    } else if (kind == Kind::dict_entry) {
        add_type("}");
    }
}

void Writer::close_array() noexcept { close(Kind::array); }
void Writer::close_struct() noexcept { close(Kind::structure); }
void Writer::close_dict_entry() noexcept { close(Kind::dict_entry); }
void Writer::close_variant() noexcept { close(Kind::variant); }

void Writer::close_container() noexcept
{
    if (frames_.empty()) {
        fail(Errc::bad_state);
        return;
    }
    close(frames_.back().kind);
}

void Writer::put_fixed_array(char type, const void *elements, std::size_t count) noexcept
{
    const std::size_t size = detail::fixed_size(type);
    if (size == 0 || type == 'b') {
        fail(Errc::type_mismatch);
        return;
    }
    if (count > max_array_size / size) {
        fail(Errc::too_large);
        return;
    }
    open_typed(Kind::array, {&type, 1});
    if (error_ != Errc::ok) {
        return;
    }
    // One copy. Where the storage must grow, insert() copies the elements
    // into it as it grows, rather than zero-filling new storage first: a
    // second pass over what may be a large array.
    const std::size_t bytes = count * size;
    if (bytes > max_message_size - (size_ - body_start_)) {
        fail(Errc::too_large);
        return;
    }
    const auto *from = static_cast<const std::byte *>(elements);
    std::byte *p = nullptr;
    if (bytes + storage_slack > buffer_.size() - size_) {
        buffer_.resize(size_);
        buffer_.reserve(std::max(2 * size_, size_ + bytes) + storage_slack); // copies the body so far only
        buffer_.insert(buffer_.end(), from, from + bytes);
        buffer_.resize(buffer_.size() + storage_slack);
        p = buffer_.data() + size_;
        size_ += bytes;
    } else {
        p = grow(bytes);
        if (bytes != 0) {
            std::memcpy(p, from, bytes);
        }
    }
    if (detail::is_swapped(order_) && size > 1) {
        for (std::size_t i = 0; i < count; ++i, p += size) {
            switch (size) {
            case 2: detail::store(p, detail::load<std::uint16_t>(p, false), true); break;
            case 4: detail::store(p, detail::load<std::uint32_t>(p, false), true); break;
            default: detail::store(p, detail::load<std::uint64_t>(p, false), true); break;
            }
        }
    }
    frames_.back().cursor = 1;
    close_array();
}

Errc Writer::finish() const noexcept
{
    if (error_ != Errc::ok) {
        return error_;
    }
    return frames_.empty() ? Errc::ok : Errc::bad_state;
}

void Writer::clear() noexcept
{
    error_ = Errc::ok;
    size_ = body_start_; // keeps the header room and the storage
    signature_.clear();
    frames_.clear();
    expect_pool_.clear();
    checker_ = -1;
}

} // namespace afbus::dbus
