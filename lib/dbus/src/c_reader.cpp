// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The C API's body reader: a stack of C++ Readers, one per open container.
#include <afbus/dbus/dbus.h>

#include <afbus/dbus/reader.hpp>

#include "c_api.hpp"

#include <cerrno>
#include <cstring>
#include <new>
#include <vector>

using afbus::dbus::Errc;
using afbus::dbus::Reader;

struct afbus_dbus_reader {
    struct Level {
        Reader reader;
        bool array; // arrays are left by the parent at once; others via leave()
    };
    std::vector<Level> stack;
};

namespace {

template <typename T> int store(std::expected<T, Errc> v, void *out) noexcept
{
    if (!v) {
        return -EINVAL;
    }
    std::memcpy(out, &*v, sizeof(T));
    return 0;
}

int store_text(std::expected<std::string_view, Errc> v, void *out) noexcept
{
    if (!v) {
        return -EINVAL;
    }
    const char *p = v->data(); // NUL-terminated in the message
    std::memcpy(out, &p, sizeof(p));
    return 0;
}

} // namespace

int afbus_dbus_reader_new(const afbus_dbus_message *m, afbus_dbus_reader **out) noexcept
{
    *out = new (std::nothrow) afbus_dbus_reader{};
    if (*out == nullptr) {
        return -ENOMEM;
    }
    (*out)->stack.push_back({m->message.reader(), false});
    return 0;
}

void afbus_dbus_reader_free(afbus_dbus_reader *r) noexcept
{
    delete r;
}

char afbus_dbus_reader_type(const afbus_dbus_reader *r) noexcept
{
    const char t = r->stack.back().reader.peek_type();
    return t == '(' ? 'r' : t == '{' ? 'e' : t;
}

int afbus_dbus_reader_read(afbus_dbus_reader *r, char type, void *value) noexcept
{
    Reader &rd = r->stack.back().reader;
    switch (type) {
    case 'y': return store(rd.get_byte(), value);
    case 'b': {
        const auto b = rd.get_bool();
        return store(b ? std::expected<int, Errc>{*b ? 1 : 0} : std::unexpected{b.error()}, value);
    }
    case 'n': return store(rd.get_int16(), value);
    case 'q': return store(rd.get_uint16(), value);
    case 'i': return store(rd.get_int32(), value);
    case 'u': return store(rd.get_uint32(), value);
    case 'h': return store(rd.get_unix_fd(), value);
    case 'x': return store(rd.get_int64(), value);
    case 't': return store(rd.get_uint64(), value);
    case 'd': return store(rd.get_double(), value);
    case 's': return store_text(rd.get_string(), value);
    case 'o': return store_text(rd.get_object_path(), value);
    case 'g': return store_text(rd.get_signature(), value);
    default: return -EINVAL;
    }
}

int afbus_dbus_reader_enter(afbus_dbus_reader *r) noexcept
{
    Reader &rd = r->stack.back().reader;
    std::expected<Reader, Errc> child = std::unexpected{Errc::type_mismatch};
    const char t = rd.peek_type();
    switch (t) {
    case 'a': child = rd.enter_array(); break;
    case '(': child = rd.enter_struct(); break;
    case '{': child = rd.enter_dict_entry(); break;
    case 'v': child = rd.enter_variant(); break;
    default: break;
    }
    if (!child) {
        return -EINVAL;
    }
    r->stack.push_back({*child, t == 'a'});
    return 0;
}

int afbus_dbus_reader_leave(afbus_dbus_reader *r) noexcept
{
    if (r->stack.size() < 2) {
        return -EINVAL;
    }
    afbus_dbus_reader::Level child = r->stack.back();
    r->stack.pop_back();
    while (!child.array && !child.reader.at_end()) {
        if (child.reader.skip() != Errc::ok) {
            return -EINVAL;
        }
    }
    if (!child.array) {
        r->stack.back().reader.leave(child.reader);
    }
    return 0;
}

int afbus_dbus_reader_skip(afbus_dbus_reader *r) noexcept
{
    return r->stack.back().reader.skip() == Errc::ok ? 0 : -EINVAL;
}
