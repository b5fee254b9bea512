// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The benchmark messages with sd-bus, without a working connection. sd-bus
// refuses to create messages on a bus that is not started (-ENOTCONN, also
// for a NULL bus), so the bus is started on one end of a socketpair whose
// other end never answers: sd_bus_start() only queues the AUTH line.
// Messages are created on it, sealed (which serializes them, as sending
// would), then rewound and read back.
#include "messages.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <vector>

namespace dbus_bench {

namespace {

sd_bus *dummy_bus()
{
    static sd_bus *bus = [] {
        sd_bus *b = nullptr;
        std::array<int, 2> sv = {-1, -1};
        if (sd_bus_new(&b) < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv.data()) < 0 ||
            sd_bus_set_fd(b, sv[0], sv[0]) < 0 || sd_bus_start(b) < 0) {
            (void)std::fputs("dbus-bench: cannot set up the sd-bus dummy bus\n", stderr);
            std::abort();
        }
        return b; // sv[1] stays open and silent for the whole run
    }();
    return bus;
}

void fill(sd_bus_message *m, Shape shape)
{
    static const std::vector<std::string> keys = [] {
        std::vector<std::string> v;
        v.reserve(static_cast<std::size_t>(property_count));
        for (int i = 0; i < property_count; ++i) {
            v.push_back("Property" + std::to_string(i));
        }
        return v;
    }();
    switch (shape) {
    case Shape::small_call:
        sd_bus_message_append(m, "su", "hello", 42U);
        break;
    case Shape::property_dump:
        sd_bus_message_open_container(m, 'a', "{sv}");
        for (int i = 0; i < property_count; ++i) {
            sd_bus_message_open_container(m, 'e', "sv");
            sd_bus_message_append_basic(m, 's', keys[static_cast<std::size_t>(i)].c_str());
            switch (i % 5) {
            case 0: sd_bus_message_append(m, "v", "s", "some string value"); break;
            case 1: sd_bus_message_append(m, "v", "u", static_cast<std::uint32_t>(i)); break;
            case 2: sd_bus_message_append(m, "v", "b", 1); break;
            case 3: sd_bus_message_append(m, "v", "x", static_cast<std::int64_t>(-i)); break;
            default: sd_bus_message_append(m, "v", "d", i * 0.5); break;
            }
            sd_bus_message_close_container(m);
        }
        sd_bus_message_close_container(m);
        break;
    case Shape::blob_64k: {
        static const std::vector<unsigned char> blob(blob_size, 0x5a);
        sd_bus_message_append_array(m, 'y', blob.data(), blob.size());
        break;
    }
    }
}

std::uint64_t read_back(sd_bus_message *m, Shape shape)
{
    std::uint64_t sum = 0;
    switch (shape) {
    case Shape::small_call: {
        const char *s = nullptr;
        std::uint32_t u = 0;
        sd_bus_message_read(m, "su", &s, &u);
        sum += std::strlen(s) + u;
        break;
    }
    case Shape::property_dump:
        sd_bus_message_enter_container(m, 'a', "{sv}");
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
            const char *key = nullptr;
            char type = 0;
            const char *contents = nullptr;
            sd_bus_message_read_basic(m, 's', static_cast<void *>(&key));
            sum += std::strlen(key);
            sd_bus_message_peek_type(m, &type, &contents);
            sd_bus_message_enter_container(m, 'v', contents);
            // sd_bus_message_read_basic() stores through a void * whatever
            // the type code says; a union is the C API's own idiom for that.
            // NOLINTBEGIN(cppcoreguidelines-pro-type-union-access): written by sd-bus per contents[0], read per contents[0]
            union {
                const char *s;
                std::uint32_t u;
                int b;
                std::int64_t x;
                double d;
            } v{};
            sd_bus_message_read_basic(m, contents[0], &v);
            switch (contents[0]) {
            case 's': sum += std::strlen(v.s); break;
            case 'u': sum += v.u; break;
            case 'b': sum += static_cast<std::uint64_t>(v.b); break;
            case 'x': sum += static_cast<std::uint64_t>(v.x); break;
            default: sum += static_cast<std::uint64_t>(v.d); break;
            }
            // NOLINTEND(cppcoreguidelines-pro-type-union-access)
            sd_bus_message_exit_container(m);
            sd_bus_message_exit_container(m);
        }
        sd_bus_message_exit_container(m);
        break;
    case Shape::blob_64k: {
        const void *p = nullptr;
        std::size_t n = 0;
        sd_bus_message_read_array(m, 'y', &p, &n);
        sum += n + static_cast<const unsigned char *>(p)[n - 1];
        break;
    }
    }
    return sum;
}

} // namespace

std::uint64_t sdbus(Shape shape)
{
    sd_bus_message *m = nullptr;
    if (sd_bus_message_new_method_call(dummy_bus(), &m, "org.example.Service", "/org/example/Object",
                                       "org.example.Interface",
                                       shape == Shape::property_dump ? "GetAll" : "Method") < 0) {
        return 0;
    }
    fill(m, shape);
    std::uint64_t sum = 0;
    if (sd_bus_message_seal(m, 1, 0) >= 0 && sd_bus_message_rewind(m, 1) >= 0) {
        sum = read_back(m, shape) + std::strlen(sd_bus_message_get_member(m));
    }
    sd_bus_message_unref(m);
    return sum;
}

} // namespace dbus_bench
