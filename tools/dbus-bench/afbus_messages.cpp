// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The benchmark messages with afbus::dbus.
#include "messages.hpp"

#include <afbus/dbus/message.hpp>

#include <string>
#include <vector>

namespace dbus_bench {

namespace {

using namespace afbus::dbus;

const std::vector<std::string> &keys()
{
    static const std::vector<std::string> k = [] {
        std::vector<std::string> v;
        v.reserve(static_cast<std::size_t>(property_count));
        for (int i = 0; i < property_count; ++i) {
            v.push_back("Property" + std::to_string(i));
        }
        return v;
    }();
    return k;
}

void fill(Writer &w, Shape shape)
{
    switch (shape) {
    case Shape::small_call:
        w.put_string("hello");
        w.put_uint32(42);
        break;
    case Shape::property_dump:
        w.open_array("{sv}");
        for (int i = 0; i < property_count; ++i) {
            w.open_dict_entry();
            w.put_string(keys()[static_cast<std::size_t>(i)]);
            switch (i % 5) {
            case 0: w.open_variant("s"); w.put_string("some string value"); break;
            case 1: w.open_variant("u"); w.put_uint32(static_cast<std::uint32_t>(i)); break;
            case 2: w.open_variant("b"); w.put_bool(true); break;
            case 3: w.open_variant("x"); w.put_int64(-i); break;
            default: w.open_variant("d"); w.put_double(i * 0.5); break;
            }
            w.close_variant();
            w.close_dict_entry();
        }
        w.close_array();
        break;
    case Shape::blob_64k: {
        static const std::vector<std::byte> blob(blob_size, std::byte{0x5a});
        w.put_bytes(blob);
        break;
    }
    }
}

std::uint64_t read_back(Reader r, Shape shape)
{
    std::uint64_t sum = 0;
    switch (shape) {
    case Shape::small_call:
        sum += r.get_string()->size();
        sum += *r.get_uint32();
        break;
    case Shape::property_dump: {
        auto dict = r.enter_array();
        while (!dict->at_end()) {
            auto entry = dict->enter_dict_entry();
            sum += entry->get_string()->size();
            auto v = entry->enter_variant();
            switch (v->peek_type()) {
            case 's': sum += v->get_string()->size(); break;
            case 'u': sum += *v->get_uint32(); break;
            case 'b': sum += *v->get_bool() ? 1 : 0; break;
            case 'x': sum += static_cast<std::uint64_t>(*v->get_int64()); break;
            default: sum += static_cast<std::uint64_t>(*v->get_double()); break;
            }
            entry->leave(*v);
            dict->leave(*entry);
        }
        break;
    }
    case Shape::blob_64k: {
        const auto bytes = r.get_fixed_array('y');
        sum += bytes->size() + std::to_integer<unsigned>(bytes->back());
        break;
    }
    }
    return sum;
}

} // namespace

std::uint64_t ours(Shape shape)
{
    // A connection keeps its writer between messages; the message is built
    // in place, around the body in the writer's buffer.
    thread_local Writer w;
    w.clear();
    fill(w, shape);
    Header h;
    h.type = MessageType::method_call;
    h.serial = 1;
    h.destination = "org.example.Service";
    h.path = "/org/example/Object";
    h.interface = "org.example.Interface";
    h.member = shape == Shape::property_dump ? "GetAll" : "Method";
    const auto bytes = build_message_in_place(h, w);
    if (!bytes) {
        return 0;
    }
    const auto msg = parse_message(*bytes);
    if (!msg) {
        return 0;
    }
    return read_back(msg->reader(), shape) + msg->header.member.size();
}

} // namespace dbus_bench
