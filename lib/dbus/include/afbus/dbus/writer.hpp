// SPDX-License-Identifier: LGPL-2.1-or-later
//
// afbus::dbus::Writer: marshals values into a message body.
//
// Values are appended in order; the body's signature is built from them.
// Inside an array or a variant, whose contents' type was given when it was
// opened, each value is checked against that type instead. Errors are
// sticky: the first one is kept, later calls do nothing, and error() (or
// building the message) reports it. Nothing throws (allocation failure
// aborts, as the library is built without exceptions).
//
// The buffer keeps room in front of the body for a message header, so that
// build_message_in_place() (message.hpp) can write the header there and
// the body is never copied into a second buffer.
//
//     Writer w;
//     w.put_string("org.example.Name");
//     w.open_array("{sv}");
//     w.open_dict_entry(); w.put_string("Answer");
//     w.open_variant("u"); w.put_uint32(42); w.close_variant();
//     w.close_dict_entry();
//     w.close_array();
//     // w.signature() == "sa{sv}"
#ifndef AFBUS_DBUS_WRITER_HPP
#define AFBUS_DBUS_WRITER_HPP

#include <afbus/dbus/types.hpp>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace afbus::dbus {

struct Header; // message.hpp

class Writer {
public:
    // A writer producing a body in @order.
    explicit Writer(ByteOrder order = native_order) noexcept : order_{order} {}

    // Basic types. Strings are checked (UTF-8, no NUL; path and signature
    // grammar) and a bad one sets the error.
    void put_byte(std::uint8_t v) noexcept;
    void put_bool(bool v) noexcept;
    void put_int16(std::int16_t v) noexcept;
    void put_uint16(std::uint16_t v) noexcept;
    void put_int32(std::int32_t v) noexcept;
    void put_uint32(std::uint32_t v) noexcept;
    void put_int64(std::int64_t v) noexcept;
    void put_uint64(std::uint64_t v) noexcept;
    void put_double(double v) noexcept;
    // A unix fd, as its index into the message's fd array.
    void put_unix_fd(std::uint32_t index) noexcept;
    void put_string(std::string_view v) noexcept;
    void put_object_path(std::string_view v) noexcept;
    void put_signature(std::string_view v) noexcept;

    // A whole array of a fixed-size type (y n q i u x t d h; not b) in one
    // copy: @type is the element code, @elements its values in this
    // machine's representation, @count how many.
    void put_fixed_array(char type, const void *elements, std::size_t count) noexcept;

    // "ay" from a byte span.
    void put_bytes(std::span<const std::byte> v) noexcept { put_fixed_array('y', v.data(), v.size()); }

    // Containers. open_array() takes the element signature (one complete
    // type, "{kv}" for dicts); open_variant() the contained value's.
    void open_array(std::string_view element_signature) noexcept;
    void close_array() noexcept;
    void open_struct() noexcept;
    void close_struct() noexcept;
    void open_dict_entry() noexcept;
    void close_dict_entry() noexcept;
    void open_variant(std::string_view signature) noexcept;
    void close_variant() noexcept;
    // Closes the innermost open container, whatever its kind (for callers
    // that do not track it, such as the C API); Errc::bad_state if none.
    void close_container() noexcept;

    // The first error, Errc::ok if none. Unclosed containers are reported by
    // finish().
    [[nodiscard]] Errc error() const noexcept { return error_; }

    // Errc::ok if the body is complete (every container closed), else why not.
    [[nodiscard]] Errc finish() const noexcept;

    // The body's signature so far.
    [[nodiscard]] std::string_view signature() const noexcept { return signature_; }

    // The marshalled bytes so far.
    [[nodiscard]] std::span<const std::byte> data() const noexcept
    {
        return {buffer_.data() + body_start_, size_ - body_start_};
    }

    [[nodiscard]] ByteOrder order() const noexcept { return order_; }

    // Empties the writer for reuse, keeping its allocations.
    void clear() noexcept;

    // clear(), and write in @order from now on.
    void reset(ByteOrder order) noexcept
    {
        clear();
        order_ = order;
    }

    // Reserves room for @bytes of body.
    void reserve(std::size_t bytes) { buffer_.reserve(header_room_ + bytes); }

    // The room for a header kept in front of the body when the first value
    // is written: enough for most method calls and signals. A larger header
    // makes build_message_in_place() move the body once and keep the larger
    // room from then on.
    static constexpr std::size_t default_header_room = 256;

private:
    friend std::expected<std::span<std::byte>, Errc> build_message_in_place(const Header &h, Writer &body) noexcept;

    enum class Kind : std::uint8_t { array, structure, dict_entry, variant };

    struct Frame {
        Kind kind;
        std::size_t expect_offset;  // array element / variant type, in expect_pool_
        std::size_t expect_length;
        std::size_t cursor;         // position in that type
        std::size_t length_offset;  // array: where its length goes
        std::size_t content_offset; // array: first element
        std::size_t dict_values;    // dict entry: values written so far
    };

    void fail(Errc e) noexcept;
    bool add_type(std::string_view type) noexcept;
    void open_typed(Kind kind, std::string_view type) noexcept;
    void close(Kind kind) noexcept;
    void pad(std::size_t alignment) noexcept;
    std::byte *grow(std::size_t n) noexcept;
    std::byte *grow_storage(std::size_t n) noexcept;
    template <typename T> void put_fixed(char type, T v) noexcept;
    void put_string_like(char type, std::string_view v) noexcept;
    void push(Frame f) noexcept;
    std::span<std::byte> header_space(std::size_t size) noexcept;

    ByteOrder order_;
    Errc error_ = Errc::ok;
    // Storage, reused: the header room (header_room_ bytes once anything
    // was written, kept by clear()), the body from body_start_ to size_,
    // then at least storage_slack bytes that any store may spill into. What
    // is past size_ is stale, so every byte written, padding too, is stored.
    std::vector<std::byte> buffer_;
    std::size_t body_start_ = 0;
    std::size_t size_ = 0;
    std::size_t header_room_ = default_header_room; // a multiple of 8
    std::string signature_;
    std::vector<Frame> frames_;
    // The types of the open arrays and variants, back to back.
    std::string expect_pool_;
    // Index of the innermost array or variant frame, -1 if none: the values
    // written are checked against its type rather than added to signature_.
    int checker_ = -1;
};

} // namespace afbus::dbus

#endif // AFBUS_DBUS_WRITER_HPP
