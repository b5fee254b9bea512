// SPDX-License-Identifier: LGPL-2.1-or-later
//
// D-Bus addresses: "transport:key=value,key=value;transport:..." with
// percent-escaped values, and the session and system bus defaults.
#ifndef AFBUS_DBUS_ADDRESS_HPP
#define AFBUS_DBUS_ADDRESS_HPP

#include <afbus/dbus/types.hpp>

#include <expected>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace afbus::dbus {

// One entry of an address list, values unescaped.
struct Address {
    std::string transport;                                 // "unix", "afbus", ...
    std::vector<std::pair<std::string, std::string>> keys; // in the order given

    // The value of @key, empty if absent.
    [[nodiscard]] std::string_view get(std::string_view key) const noexcept;

    bool operator==(const Address &) const = default;
};

// Where to connect for the transports this project supports.
struct ConnectTarget {
    enum class Kind : std::uint8_t { unix_path, unix_abstract, afbus_path };
    Kind kind = Kind::unix_path;
    std::string path; // file system path, or abstract name without the NUL
};

// Parses a ';'-separated list. Errc::bad_address on an entry without ':',
// a key without '=', an empty or repeated key, or a bad %XX escape.
std::expected<std::vector<Address>, Errc> parse_address(std::string_view text);

// The connectable form of @a: unix:path=, unix:abstract=, afbus:path=.
// Errc::bad_address for other transports and for ambiguous entries (unix
// with both path and abstract, or neither).
std::expected<ConnectTarget, Errc> connect_target(const Address &a);

// Escapes @value for an address: [-0-9A-Za-z_/.\*] stay, the rest is %XX.
std::string escape_address_value(std::string_view value);

// Looks up an environment variable; nullptr when unset. The default is
// ::getenv (secure_getenv is the caller's choice for setuid programs).
using GetEnv = std::function<const char *(const char *)>;

// DBUS_SYSTEM_BUS_ADDRESS, else unix:path=/run/dbus/system_bus_socket.
std::string system_bus_address(const GetEnv &getenv_fn = {});

// DBUS_SESSION_BUS_ADDRESS, else unix:path=$XDG_RUNTIME_DIR/bus when
// XDG_RUNTIME_DIR is set (as libdbus and sd-bus do), else empty (no
// session bus; X11 autolaunch is not supported).
std::string session_bus_address(const GetEnv &getenv_fn = {});

} // namespace afbus::dbus

#endif // AFBUS_DBUS_ADDRESS_HPP
