// SPDX-License-Identifier: LGPL-2.1-or-later
#include "options.hpp"

#include <afbus/dbus/address.hpp>
#include <afbus/dbus/types.hpp>

#include <algorithm>

#include <charconv>
#include <string_view>

namespace afbusd {

const char *const usage_text =
    "usage: afbusd --address ADDR [--address ADDR...] [--policy FILE] [--log-level LVL] [--foreground]\n"
    "              [--max-message-size BYTES] [--max-queued-bytes BYTES] [--auth-timeout MS]\n"
    "  --address ADDR        D-Bus address to listen on: unix:path=FILE, unix:abstract=NAME, or\n"
    "                        afbus:path=FILE to be the master of an AF_BUS bus; repeat it to\n"
    "                        serve one bus on several (at most one afbus:)\n"
    "  --policy FILE         who may own and send to which names (default: allow all)\n"
    "  --log-level LVL       error, warning (default), info or debug, on stderr\n"
    "  --foreground          stay in the foreground (default: detach once listening)\n"
    "  --max-message-size N  largest message a client may send (default and maximum 128 MiB)\n"
    "  --max-queued-bytes N  bytes queued for a client that does not read before it is\n"
    "                        disconnected (default 64 MiB)\n"
    "  --auth-timeout MS     time a client has to authenticate (default 30000)\n"
    "When ready, afbusd prints the addresses clients connect to (with guid=, separated\n"
    "by ';') on stdout.\n";

std::expected<AddressKind, std::string> address_kind(std::string_view address)
{
    const auto list = afbus::dbus::parse_address(address);
    if (!list) {
        return std::unexpected{"--address: cannot parse \"" + std::string{address} + "\""};
    }
    for (const afbus::dbus::Address &a : *list) {
        if (const auto t = afbus::dbus::connect_target(a)) {
            return t->kind == afbus::dbus::ConnectTarget::Kind::afbus_path ? AddressKind::afbus : AddressKind::unix_stream;
        }
    }
    return std::unexpected{"--address: no unix:path=, unix:abstract= or afbus:path= entry in \"" +
                           std::string{address} + "\""};
}

namespace {

std::expected<std::size_t, std::string> parse_size(std::string_view option, std::string_view text)
{
    std::size_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v == 0) {
        return std::unexpected{std::string{option} + ": not a positive number: " + std::string{text}};
    }
    return v;
}

} // namespace

std::expected<Options, std::string> parse_options(std::span<char *const> args)
{
    Options o;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view arg = args[i];
        std::string_view value;
        bool has_value = false;
        if (const std::size_t eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            has_value = true;
        }
        const auto take = [&]() -> std::expected<std::string_view, std::string> {
            if (has_value) {
                return value;
            }
            if (i + 1 >= args.size()) {
                return std::unexpected{std::string{arg} + " needs a value"};
            }
            return std::string_view{args[++i]};
        };
        if (arg == "--help" || arg == "-h") {
            o.help = true;
        } else if (arg == "--foreground" || arg == "--nofork") {
            o.foreground = true;
        } else if (arg == "--address" || arg == "--policy" || arg == "--log-level" ||
                   arg == "--max-message-size" || arg == "--max-queued-bytes" || arg == "--auth-timeout") {
            const auto v = take();
            if (!v) {
                return std::unexpected{v.error()};
            }
            if (arg == "--address") {
                // What an address is is checked when afbusd listens on it
                // (exit 1); two buses in one afbusd is a usage error.
                const auto is_afbus = [](std::string_view a) { return address_kind(a) == AddressKind::afbus; };
                if (is_afbus(*v) && std::ranges::any_of(o.addresses, is_afbus)) {
                    return std::unexpected{"--address: at most one afbus: address (one AF_BUS bus per afbusd)"};
                }
                o.addresses.emplace_back(*v);
            } else if (arg == "--policy") {
                o.policy_path = *v;
            } else if (arg == "--log-level") {
                const auto level = parse_log_level(*v);
                if (!level) {
                    return std::unexpected{"--log-level: error, warning, info or debug"};
                }
                o.log_level = *level;
            } else {
                const auto n = parse_size(arg, *v);
                if (!n) {
                    return std::unexpected{n.error()};
                }
                if (arg == "--auth-timeout") {
                    o.limits.auth_timeout = std::chrono::milliseconds{*n};
                } else if (arg == "--max-queued-bytes") {
                    o.limits.max_queued_bytes = *n;
                } else if (*n > afbus::dbus::max_message_size) {
                    return std::unexpected{"--max-message-size: at most 134217728"};
                } else {
                    o.limits.max_message_size = *n;
                }
            }
        } else {
            return std::unexpected{"unknown argument: " + std::string{arg}};
        }
    }
    if (o.addresses.empty() && !o.help) {
        return std::unexpected{"--address is required"};
    }
    return o;
}

} // namespace afbusd
