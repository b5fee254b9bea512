// SPDX-License-Identifier: LGPL-2.1-or-later
//
// afbus::dbus::Reader: reads the values of a validated body in place.
//
// Strings, object paths, signatures and fixed-size arrays come back as
// views into the buffer the message was parsed from (zero copy); keep that
// buffer alive while they are used. A Reader is a small value: containers
// are read through child Readers.
//
//     auto body = msg.reader();
//     auto name = body.get_string();              // std::string_view
//     auto dict = body.enter_array();             // a{sv}; body moves past it
//     while (dict && !dict->at_end()) {
//         auto entry = dict->enter_dict_entry();
//         auto key = entry->get_string();
//         auto value = entry->enter_variant();    // value->peek_type() ...
//         entry->leave(*value);
//         dict->leave(*entry);
//     }
//
// Arrays are left at once (the parent is already past them); structs, dict
// entries and variants are left with leave(child), or skipped with skip().
#ifndef AFBUS_DBUS_READER_HPP
#define AFBUS_DBUS_READER_HPP

#include <afbus/dbus/types.hpp>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string_view>

namespace afbus::dbus {

class Reader {
public:
    // An empty reader: at_end() at once.
    Reader() noexcept = default;

    // Validates @body against @signature (as the message parser does) and
    // returns a reader over it. @unix_fds bounds the fd indices ('h').
    [[nodiscard]] static std::expected<Reader, Errc> validated(std::span<const std::byte> body,
                                                               std::string_view signature,
                                                               ByteOrder order,
                                                               std::uint32_t unix_fds = 0) noexcept;

    // The type code of the next value ('a', '(', '{', 'v' or a basic code),
    // or '\0' at the end of the body or container.
    [[nodiscard]] char peek_type() const noexcept;
    [[nodiscard]] bool at_end() const noexcept { return peek_type() == '\0'; }

    // The signature of the next value (one complete type), empty at the end.
    [[nodiscard]] std::string_view peek_signature() const noexcept;

    // Basic values; Errc::type_mismatch if the next value has another type.
    std::expected<std::uint8_t, Errc> get_byte() noexcept;
    std::expected<bool, Errc> get_bool() noexcept;
    std::expected<std::int16_t, Errc> get_int16() noexcept;
    std::expected<std::uint16_t, Errc> get_uint16() noexcept;
    std::expected<std::int32_t, Errc> get_int32() noexcept;
    std::expected<std::uint32_t, Errc> get_uint32() noexcept;
    std::expected<std::int64_t, Errc> get_int64() noexcept;
    std::expected<std::uint64_t, Errc> get_uint64() noexcept;
    std::expected<double, Errc> get_double() noexcept;
    // An index into the message's unix fd array.
    std::expected<std::uint32_t, Errc> get_unix_fd() noexcept;
    std::expected<std::string_view, Errc> get_string() noexcept;
    std::expected<std::string_view, Errc> get_object_path() noexcept;
    std::expected<std::string_view, Errc> get_signature() noexcept;

    // An array of a fixed-size type @type (y n q i u x t d h b) as raw bytes
    // in the message's byte order: zero copy. Check order() before casting.
    std::expected<std::span<const std::byte>, Errc> get_fixed_array(char type) noexcept;

    // Containers: see the file comment.
    std::expected<Reader, Errc> enter_array() noexcept;
    std::expected<Reader, Errc> enter_struct() noexcept;
    std::expected<Reader, Errc> enter_dict_entry() noexcept;
    std::expected<Reader, Errc> enter_variant() noexcept;
    // Continues after the struct, dict entry or variant @child read.
    void leave(const Reader &child) noexcept { pos_ = child.pos_; }

    // Skips the next value, whatever its type.
    Errc skip() noexcept;

    [[nodiscard]] ByteOrder order() const noexcept { return swap_ ? (native_order == ByteOrder::little ? ByteOrder::big : ByteOrder::little) : native_order; }

private:
    friend struct Message; // builds readers over bodies it has validated

    Reader(const std::byte *base, std::size_t pos, std::size_t end, std::string_view sig, bool swap,
           bool repeat) noexcept
        : base_{base}, pos_{pos}, end_{end}, sig_{sig}, swap_{swap}, repeat_{repeat}
    {
    }

    bool next(char type) noexcept;
    template <typename T> std::expected<T, Errc> get_fixed(char type) noexcept;
    std::expected<std::string_view, Errc> get_string_like(char type) noexcept;
    std::expected<Reader, Errc> enter_group(char open) noexcept;

    const std::byte *base_ = nullptr; // the body's first byte (8-aligned offset 0)
    std::size_t pos_ = 0;
    std::size_t end_ = 0;             // end of this container's bytes
    std::string_view sig_;
    std::size_t sig_pos_ = 0;
    bool swap_ = false;
    bool repeat_ = false;             // an array: sig_ is one element's type
};

// Validates a body: every value of @signature present, aligned, padded with
// zeros, within limits, and nothing after the last. @unix_fds bounds 'h'.
Errc validate_body(std::span<const std::byte> body, std::string_view signature, ByteOrder order,
                   std::uint32_t unix_fds) noexcept;

} // namespace afbus::dbus

#endif // AFBUS_DBUS_READER_HPP
