// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The benchmark messages with libdbus-1.
#include "messages.hpp"

#include <array>
#include <cstring>
#include <dbus/dbus.h>
#include <string>
#include <vector>

namespace dbus_bench {

namespace {

void append_basic(DBusMessageIter *it, int type, const void *v)
{
    dbus_message_iter_append_basic(it, type, v);
}

void fill(DBusMessage *m, Shape shape)
{
    static const std::vector<std::string> keys = [] {
        std::vector<std::string> v;
        v.reserve(static_cast<std::size_t>(property_count));
        for (int i = 0; i < property_count; ++i) {
            v.push_back("Property" + std::to_string(i));
        }
        return v;
    }();
    DBusMessageIter it;
    dbus_message_iter_init_append(m, &it);
    switch (shape) {
    case Shape::small_call: {
        const char *s = "hello";
        const dbus_uint32_t u = 42;
        append_basic(&it, DBUS_TYPE_STRING, static_cast<const void *>(&s));
        append_basic(&it, DBUS_TYPE_UINT32, &u);
        break;
    }
    case Shape::property_dump: {
        DBusMessageIter array;
        dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &array);
        for (int i = 0; i < property_count; ++i) {
            DBusMessageIter entry;
            DBusMessageIter variant;
            dbus_message_iter_open_container(&array, DBUS_TYPE_DICT_ENTRY, nullptr, &entry);
            const char *key = keys[static_cast<std::size_t>(i)].c_str();
            append_basic(&entry, DBUS_TYPE_STRING, static_cast<const void *>(&key));
            const char *s = "some string value";
            const auto u = static_cast<dbus_uint32_t>(i);
            const dbus_bool_t b = TRUE;
            const dbus_int64_t x = -i;
            const double d = i * 0.5;
            static constexpr std::array<const char *, 5> sigs = {"s", "u", "b", "x", "d"};
            dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, sigs.at(static_cast<std::size_t>(i % 5)), &variant);
            switch (i % 5) {
            case 0: append_basic(&variant, DBUS_TYPE_STRING, static_cast<const void *>(&s)); break;
            case 1: append_basic(&variant, DBUS_TYPE_UINT32, &u); break;
            case 2: append_basic(&variant, DBUS_TYPE_BOOLEAN, &b); break;
            case 3: append_basic(&variant, DBUS_TYPE_INT64, &x); break;
            default: append_basic(&variant, DBUS_TYPE_DOUBLE, &d); break;
            }
            dbus_message_iter_close_container(&entry, &variant);
            dbus_message_iter_close_container(&array, &entry);
        }
        dbus_message_iter_close_container(&it, &array);
        break;
    }
    case Shape::blob_64k: {
        static const std::vector<unsigned char> blob(blob_size, 0x5a);
        DBusMessageIter array;
        const unsigned char *p = blob.data();
        dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "y", &array);
        dbus_message_iter_append_fixed_array(&array, DBUS_TYPE_BYTE, static_cast<const void *>(&p),
                                             static_cast<int>(blob.size()));
        dbus_message_iter_close_container(&it, &array);
        break;
    }
    }
}

std::uint64_t read_back(DBusMessage *m, Shape shape)
{
    std::uint64_t sum = 0;
    DBusMessageIter it;
    dbus_message_iter_init(m, &it);
    DBusBasicValue v;
    std::memset(&v, 0, sizeof(v));
    switch (shape) {
    case Shape::small_call:
        dbus_message_iter_get_basic(&it, &v);
        sum += std::strlen(v.str);
        dbus_message_iter_next(&it);
        dbus_message_iter_get_basic(&it, &v);
        sum += v.u32;
        break;
    case Shape::property_dump: {
        DBusMessageIter array;
        dbus_message_iter_recurse(&it, &array);
        while (dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_DICT_ENTRY) {
            DBusMessageIter entry;
            DBusMessageIter variant;
            dbus_message_iter_recurse(&array, &entry);
            dbus_message_iter_get_basic(&entry, &v);
            sum += std::strlen(v.str);
            dbus_message_iter_next(&entry);
            dbus_message_iter_recurse(&entry, &variant);
            const int t = dbus_message_iter_get_arg_type(&variant);
            dbus_message_iter_get_basic(&variant, &v);
            switch (t) {
            case DBUS_TYPE_STRING: sum += std::strlen(v.str); break;
            case DBUS_TYPE_UINT32: sum += v.u32; break;
            case DBUS_TYPE_BOOLEAN: sum += v.bool_val; break;
            case DBUS_TYPE_INT64: sum += static_cast<std::uint64_t>(v.i64); break;
            default: sum += static_cast<std::uint64_t>(v.dbl); break;
            }
            dbus_message_iter_next(&array);
        }
        break;
    }
    case Shape::blob_64k: {
        DBusMessageIter array;
        const unsigned char *p = nullptr;
        int n = 0;
        dbus_message_iter_recurse(&it, &array);
        dbus_message_iter_get_fixed_array(&array, static_cast<void *>(&p), &n);
        sum += static_cast<std::uint64_t>(n) + p[n - 1];
        break;
    }
    }
    return sum;
}

} // namespace

std::uint64_t libdbus(Shape shape)
{
    DBusMessage *m = dbus_message_new_method_call("org.example.Service", "/org/example/Object",
                                                  "org.example.Interface",
                                                  shape == Shape::property_dump ? "GetAll" : "Method");
    dbus_message_set_serial(m, 1);
    fill(m, shape);
    char *wire = nullptr;
    int len = 0;
    dbus_message_marshal(m, &wire, &len);
    dbus_message_unref(m);
    DBusMessage *back = dbus_message_demarshal(wire, len, nullptr);
    dbus_free(wire);
    if (back == nullptr) {
        return 0;
    }
    const std::uint64_t sum = read_back(back, shape) + std::strlen(dbus_message_get_member(back));
    dbus_message_unref(back);
    return sum;
}

} // namespace dbus_bench
