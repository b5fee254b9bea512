// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Errc as a std::error_category, and its mapping to errno for the C API.
#include <afbus/dbus/types.hpp>

#include <cerrno>
#include <string>

namespace afbus::dbus {

namespace {

class Category final : public std::error_category {
public:
    [[nodiscard]] const char *name() const noexcept override { return "afbus-dbus"; }

    [[nodiscard]] std::string message(int ev) const override
    {
        switch (static_cast<Errc>(ev)) {
        case Errc::ok: return "success";
        case Errc::truncated: return "message truncated";
        case Errc::too_large: return "message or array too large";
        case Errc::bad_byte_order: return "invalid byte order";
        case Errc::bad_version: return "unsupported protocol version";
        case Errc::bad_message_type: return "invalid message type";
        case Errc::bad_serial: return "zero serial";
        case Errc::bad_padding: return "non-zero alignment padding";
        case Errc::bad_boolean: return "boolean neither 0 nor 1";
        case Errc::bad_utf8: return "string not valid UTF-8 or contains NUL";
        case Errc::bad_string: return "string not NUL-terminated";
        case Errc::bad_signature: return "invalid type signature";
        case Errc::nested_too_deeply: return "containers nested too deeply";
        case Errc::bad_object_path: return "invalid object path";
        case Errc::bad_interface: return "invalid interface name";
        case Errc::bad_member: return "invalid member name";
        case Errc::bad_error_name: return "invalid error name";
        case Errc::bad_bus_name: return "invalid bus name";
        case Errc::bad_header_field: return "invalid header field";
        case Errc::missing_header_field: return "missing required header field";
        case Errc::body_mismatch: return "body does not match its signature";
        case Errc::bad_array_length: return "invalid array length";
        case Errc::bad_unix_fd: return "unix fd index out of range";
        case Errc::local_reserved: return "org.freedesktop.DBus.Local used on the wire";
        case Errc::type_mismatch: return "value type does not match the signature";
        case Errc::bad_state: return "invalid call sequence";
        case Errc::bad_match_rule: return "invalid match rule";
        case Errc::bad_address: return "invalid D-Bus address";
        case Errc::no_memory: return "out of memory";
        }
        return "unknown error";
    }
};

const Category category_instance;

} // namespace

const std::error_category &error_category() noexcept
{
    return category_instance;
}

std::error_code make_error_code(Errc e) noexcept
{
    return {static_cast<int>(e), category_instance};
}

int to_errno(Errc e) noexcept
{
    switch (e) {
    case Errc::ok: return 0;
    case Errc::truncated: return -ENODATA;
    case Errc::too_large: return -EMSGSIZE;
    case Errc::type_mismatch:
    case Errc::bad_state: return -EINVAL;
    case Errc::no_memory: return -ENOMEM;
    case Errc::bad_version: return -EPROTONOSUPPORT;
    default: return -EBADMSG;
    }
}

} // namespace afbus::dbus
