// SPDX-License-Identifier: LGPL-2.1-or-later
//
// D-Bus address strings ("Server Addresses" in the specification).
#include <afbus/dbus/address.hpp>

#include "hex.hpp"

#include <algorithm>
#include <cstdlib>

namespace afbus::dbus {

namespace {

bool is_optionally_escaped(char c) noexcept
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '_' || c == '/' || c == '.' || c == '\\' || c == '*';
}

bool unescape(std::string_view in, std::string &out)
{
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        if (in.size() - i < 3) {
            return false;
        }
        const int byte = detail::hex_byte(in[i + 1], in[i + 2]);
        if (byte < 0) {
            return false;
        }
        out += static_cast<char>(byte);
        i += 2;
    }
    return true;
}

std::expected<Address, Errc> parse_entry(std::string_view entry)
{
    const std::size_t colon = entry.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        return std::unexpected{Errc::bad_address};
    }
    Address a;
    a.transport = entry.substr(0, colon);
    std::string_view rest = entry.substr(colon + 1);
    while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        const std::string_view pair = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        const std::size_t eq = pair.find('=');
        if (eq == std::string_view::npos || eq == 0) {
            return std::unexpected{Errc::bad_address};
        }
        std::string key;
        std::string value;
        if (!unescape(pair.substr(0, eq), key) || !unescape(pair.substr(eq + 1), value)) {
            return std::unexpected{Errc::bad_address};
        }
        if (std::any_of(a.keys.begin(), a.keys.end(), [&](const auto &kv) { return kv.first == key; })) {
            return std::unexpected{Errc::bad_address};
        }
        a.keys.emplace_back(std::move(key), std::move(value));
    }
    return a;
}

const char *lookup(const GetEnv &getenv_fn, const char *name)
{
    return getenv_fn ? getenv_fn(name) : std::getenv(name); // NOLINT(concurrency-mt-unsafe)
}

} // namespace

std::string_view Address::get(std::string_view key) const noexcept
{
    for (const auto &[k, v] : keys) {
        if (k == key) {
            return v;
        }
    }
    return {};
}

std::expected<std::vector<Address>, Errc> parse_address(std::string_view text)
{
    std::vector<Address> out;
    while (!text.empty()) {
        const std::size_t semi = text.find(';');
        const std::string_view entry = text.substr(0, semi);
        text = semi == std::string_view::npos ? std::string_view{} : text.substr(semi + 1);
        if (entry.empty()) {
            continue; // "a;;b" and a trailing ';' are tolerated, as libdbus does
        }
        auto a = parse_entry(entry);
        if (!a) {
            return std::unexpected{a.error()};
        }
        out.push_back(std::move(*a));
    }
    if (out.empty()) {
        return std::unexpected{Errc::bad_address};
    }
    return out;
}

std::expected<ConnectTarget, Errc> connect_target(const Address &a)
{
    const std::string_view path = a.get("path");
    const std::string_view abstract = a.get("abstract");
    if (a.transport == "unix") {
        if (path.empty() == abstract.empty()) {
            return std::unexpected{Errc::bad_address};
        }
        if (!path.empty()) {
            return ConnectTarget{ConnectTarget::Kind::unix_path, std::string{path}};
        }
        return ConnectTarget{ConnectTarget::Kind::unix_abstract, std::string{abstract}};
    }
    if (a.transport == "afbus" && !path.empty()) {
        return ConnectTarget{ConnectTarget::Kind::afbus_path, std::string{path}};
    }
    return std::unexpected{Errc::bad_address};
}

std::string escape_address_value(std::string_view value)
{
    std::string out;
    for (const char c : value) {
        if (is_optionally_escaped(c)) {
            out += c;
        } else {
            out += '%';
            detail::append_hex(out, c);
        }
    }
    return out;
}

std::string system_bus_address(const GetEnv &getenv_fn)
{
    const char *env = lookup(getenv_fn, "DBUS_SYSTEM_BUS_ADDRESS");
    if (env != nullptr && *env != '\0') {
        return env;
    }
    return "unix:path=/run/dbus/system_bus_socket";
}

std::string session_bus_address(const GetEnv &getenv_fn)
{
    const char *env = lookup(getenv_fn, "DBUS_SESSION_BUS_ADDRESS");
    if (env != nullptr && *env != '\0') {
        return env;
    }
    const char *runtime = lookup(getenv_fn, "XDG_RUNTIME_DIR");
    if (runtime != nullptr && *runtime == '/') {
        return "unix:path=" + escape_address_value(std::string{runtime} + "/bus");
    }
    return {};
}

} // namespace afbus::dbus
