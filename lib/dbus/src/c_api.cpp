// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The C API (<afbus/dbus/dbus.h>) over the C++ one: writers, building,
// parsing, name validation. Readers are in c_reader.cpp.
#include <afbus/dbus/dbus.h>

#include <afbus/dbus/message.hpp>
#include <afbus/dbus/names.hpp>
#include <afbus/dbus/writer.hpp>

#include "c_api.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>

using afbus::dbus::Errc;

struct afbus_dbus_writer {
    afbus::dbus::Writer writer;
    std::string signature; // NUL-terminated copy for afbus_dbus_writer_signature()
};

namespace {

// The C API's errors for builder misuse are -EINVAL, as documented.
int writer_status(const afbus::dbus::Writer &w) noexcept
{
    return afbus::dbus::to_errno(w.error());
}

const char *field(std::string_view v) noexcept
{
    return v.empty() ? nullptr : v.data(); // views into the message: NUL-terminated
}

std::string_view view(const char *s) noexcept
{
    return s != nullptr ? std::string_view{s} : std::string_view{};
}

} // namespace

int afbus_dbus_writer_new(char byte_order, afbus_dbus_writer **out) noexcept
{
    *out = nullptr;
    if (byte_order != AFBUS_DBUS_LITTLE_ENDIAN && byte_order != AFBUS_DBUS_BIG_ENDIAN) {
        return -EINVAL;
    }
    *out = new (std::nothrow) afbus_dbus_writer{afbus::dbus::Writer{static_cast<afbus::dbus::ByteOrder>(byte_order)}, {}};
    return *out != nullptr ? 0 : -ENOMEM;
}

void afbus_dbus_writer_free(afbus_dbus_writer *w) noexcept
{
    delete w;
}

int afbus_dbus_writer_append(afbus_dbus_writer *w, char type, const void *value) noexcept
{
    afbus::dbus::Writer &wr = w->writer;
    const auto *p = static_cast<const unsigned char *>(value);
    const auto get = [p]<typename T>(T) {
        T v{};
        std::memcpy(&v, p, sizeof(T));
        return v;
    };
    switch (type) {
    case 'y': wr.put_byte(get(std::uint8_t{})); break;
    case 'b': wr.put_bool(get(int{}) != 0); break;
    case 'n': wr.put_int16(get(std::int16_t{})); break;
    case 'q': wr.put_uint16(get(std::uint16_t{})); break;
    case 'i': wr.put_int32(get(std::int32_t{})); break;
    case 'u': wr.put_uint32(get(std::uint32_t{})); break;
    case 'h': wr.put_unix_fd(get(std::uint32_t{})); break;
    case 'x': wr.put_int64(get(std::int64_t{})); break;
    case 't': wr.put_uint64(get(std::uint64_t{})); break;
    case 'd': wr.put_double(get(double{})); break;
    case 's': wr.put_string(view(get(static_cast<const char *>(nullptr)))); break;
    case 'o': wr.put_object_path(view(get(static_cast<const char *>(nullptr)))); break;
    case 'g': wr.put_signature(view(get(static_cast<const char *>(nullptr)))); break;
    default: return -EINVAL;
    }
    return writer_status(wr);
}

int afbus_dbus_writer_append_fixed_array(afbus_dbus_writer *w, char type, const void *elements,
                                         size_t count) noexcept
{
    w->writer.put_fixed_array(type, elements, count);
    return writer_status(w->writer);
}

int afbus_dbus_writer_open(afbus_dbus_writer *w, char container, const char *signature) noexcept
{
    afbus::dbus::Writer &wr = w->writer;
    switch (container) {
    case 'a': wr.open_array(view(signature)); break;
    case 'v': wr.open_variant(view(signature)); break;
    case 'r': wr.open_struct(); break;
    case 'e': wr.open_dict_entry(); break;
    default: return -EINVAL;
    }
    return writer_status(wr);
}

int afbus_dbus_writer_close(afbus_dbus_writer *w) noexcept
{
    w->writer.close_container();
    return writer_status(w->writer);
}

const char *afbus_dbus_writer_signature(afbus_dbus_writer *w) noexcept
{
    w->signature.assign(w->writer.signature());
    return w->signature.c_str();
}

void afbus_dbus_writer_reset(afbus_dbus_writer *w) noexcept
{
    w->writer.clear();
}

int afbus_dbus_message_build(const afbus_dbus_header *header, const afbus_dbus_writer *body, void **out,
                             size_t *length) noexcept
{
    *out = nullptr;
    *length = 0;
    afbus::dbus::Header h;
    h.type = static_cast<afbus::dbus::MessageType>(header->type);
    h.flags = header->flags;
    h.serial = header->serial;
    h.path = view(header->path);
    h.interface = view(header->interface);
    h.member = view(header->member);
    h.error_name = view(header->error_name);
    h.destination = view(header->destination);
    h.sender = view(header->sender);
    h.reply_serial = header->reply_serial;
    h.unix_fds = header->unix_fds;
    std::vector<std::byte> bytes;
    if (const Errc e = afbus::dbus::build_message(bytes, h, body->writer); e != Errc::ok) {
        return e == Errc::missing_header_field || e == Errc::bad_serial || e == Errc::bad_message_type
                       ? -EINVAL
                       : afbus::dbus::to_errno(e);
    }
    void *copy = std::malloc(bytes.size()); // NOLINT(cppcoreguidelines-no-malloc): the caller free()s it
    if (copy == nullptr) {
        return -ENOMEM;
    }
    std::memcpy(copy, bytes.data(), bytes.size());
    *out = copy;
    *length = bytes.size();
    return 0;
}

long afbus_dbus_message_size(const void *data, size_t length) noexcept
{
    const auto size = afbus::dbus::message_size({static_cast<const std::byte *>(data), length});
    if (!size) {
        return afbus::dbus::to_errno(size.error());
    }
    return static_cast<long>(*size);
}

int afbus_dbus_message_parse(const void *data, size_t length, afbus_dbus_message **out) noexcept
{
    *out = nullptr;
    auto m = afbus::dbus::parse_message({static_cast<const std::byte *>(data), length});
    if (!m) {
        return afbus::dbus::to_errno(m.error());
    }
    *out = new (std::nothrow) afbus_dbus_message{*m};
    return *out != nullptr ? 0 : -ENOMEM;
}

void afbus_dbus_message_free(afbus_dbus_message *m) noexcept
{
    delete m;
}

void afbus_dbus_message_get_header(const afbus_dbus_message *m, afbus_dbus_header *out) noexcept
{
    const afbus::dbus::Header &h = m->message.header;
    out->type = static_cast<std::uint8_t>(h.type);
    out->flags = h.flags;
    out->serial = h.serial;
    out->path = field(h.path);
    out->interface = field(h.interface);
    out->member = field(h.member);
    out->error_name = field(h.error_name);
    out->destination = field(h.destination);
    out->sender = field(h.sender);
    out->reply_serial = h.reply_serial;
    out->unix_fds = h.unix_fds;
}

const char *afbus_dbus_message_signature(const afbus_dbus_message *m) noexcept
{
    const std::string_view sig = m->message.header.signature;
    return sig.empty() ? "" : sig.data();
}

char afbus_dbus_message_byte_order(const afbus_dbus_message *m) noexcept
{
    return static_cast<char>(m->message.order);
}

int afbus_dbus_validate_name(char kind, const char *name) noexcept
{
    using namespace afbus::dbus;
    const std::string_view n = view(name);
    Errc e = Errc::ok;
    switch (kind) {
    case 'o': e = validate_object_path(n); break;
    case 'i': e = validate_interface(n); break;
    case 'm': e = validate_member(n); break;
    case 'e': e = validate_error_name(n); break;
    case 'b': e = validate_bus_name(n); break;
    case 'g': e = validate_signature(n); break;
    default: return -EINVAL;
    }
    return e == Errc::ok ? 0 : -EBADMSG;
}
