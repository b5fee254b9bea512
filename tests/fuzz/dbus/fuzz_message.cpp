// SPDX-License-Identifier: LGPL-2.1-or-later
//
// libFuzzer target: the message parser. Whatever parses must also read
// back completely, re-marshal to a message that parses (the same bytes
// with build_message() and build_message_in_place()), and match rules
// must be able to extract its arguments.
#include "fuzz_target.hpp"

#include <afbus/dbus/match.hpp>
#include <afbus/dbus/message.hpp>

#include <algorithm>
#include <cstdlib>

namespace {

using namespace afbus::dbus;

// A read from a validated body: failing would be a parser bug.
template <typename T> T must(std::expected<T, Errc> v)
{
    if (!v) {
        std::abort();
    }
    return *v;
}

// Reads every value; a validated body must never fail to read.
// NOLINTNEXTLINE(misc-no-recursion): one level per container of a validated body, so at most the nesting limit (64)
void read_all(Reader &r, Writer &copy)
{
    while (!r.at_end()) {
        switch (const char t = r.peek_type()) {
        case 'a': {
            auto child = r.enter_array();
            if (!child) {
                std::abort();
            }
            copy.open_array(child->peek_signature().empty() ? std::string_view{"y"} : child->peek_signature());
            read_all(*child, copy);
            copy.close_array();
            break;
        }
        case '(': case '{': case 'v': {
            auto child = t == 'v' ? r.enter_variant() : t == '(' ? r.enter_struct() : r.enter_dict_entry();
            if (!child) {
                std::abort();
            }
            if (t == 'v') {
                copy.open_variant(child->peek_signature());
            } else if (t == '(') {
                copy.open_struct();
            } else {
                copy.open_dict_entry();
            }
            read_all(*child, copy);
            r.leave(*child);
            if (t == 'v') {
                copy.close_variant();
            } else if (t == '(') {
                copy.close_struct();
            } else {
                copy.close_dict_entry();
            }
            break;
        }
        case 's': copy.put_string(must(r.get_string())); break;
        case 'o': copy.put_object_path(must(r.get_object_path())); break;
        case 'g': copy.put_signature(must(r.get_signature())); break;
        case 'y': copy.put_byte(must(r.get_byte())); break;
        case 'b': copy.put_bool(must(r.get_bool())); break;
        case 'n': copy.put_int16(must(r.get_int16())); break;
        case 'q': copy.put_uint16(must(r.get_uint16())); break;
        case 'i': copy.put_int32(must(r.get_int32())); break;
        case 'u': copy.put_uint32(must(r.get_uint32())); break;
        case 'h': copy.put_unix_fd(must(r.get_unix_fd())); break;
        case 'x': copy.put_int64(must(r.get_int64())); break;
        case 't': copy.put_uint64(must(r.get_uint64())); break;
        case 'd': copy.put_double(must(r.get_double())); break;
        default: std::abort();
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::span<const std::byte> bytes{reinterpret_cast<const std::byte *>(data), size};
    (void)message_size(bytes);
    const auto msg = parse_message(bytes);
    if (!msg) {
        return 0;
    }
    (void)extract_match_args(*msg);
    // An empty array's element type cannot be known from a Reader over no
    // elements, so the copy's signature may differ there; values still must
    // re-marshal into a valid message whenever the copy succeeds.
    Writer copy{msg->order};
    Reader body = msg->reader();
    read_all(body, copy);
    if (copy.finish() == Errc::ok && copy.signature() == msg->header.signature) {
        const auto rebuilt = build_message(msg->header, copy);
        if (!rebuilt || !parse_message(*rebuilt)) {
            std::abort();
        }
        // The one-copy build must give the same bytes.
        const auto in_place = build_message_in_place(msg->header, copy);
        if (!in_place || !std::ranges::equal(*in_place, *rebuilt)) {
            std::abort();
        }
    }
    return 0;
}
