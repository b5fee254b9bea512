// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The command line of afbusd.
#ifndef AFBUSD_OPTIONS_HPP
#define AFBUSD_OPTIONS_HPP

#include "log.hpp"
#include "transport/limits.hpp"

#include <expected>
#include <cstdint>
#include <span>
#include <string_view>
#include <string>
#include <vector>

namespace afbusd {

struct Options {
    // --address, at least one, each a D-Bus address (a ';' list picks the
    // first usable entry); at most one afbus:path= among them.
    std::vector<std::string> addresses;
    std::string policy_path; // --policy
    LogLevel log_level = LogLevel::warning;
    bool foreground = false;
    transport::Limits limits; // --max-message-size, --max-queued-bytes
    bool help = false;
};

enum class AddressKind : std::uint8_t { unix_stream, afbus };
// What --address @address serves: its first entry afbusd can listen on.
std::expected<AddressKind, std::string> address_kind(std::string_view address);

// Parses argv[1..]; on error, a message for stderr.
std::expected<Options, std::string> parse_options(std::span<char *const> args);

extern const char *const usage_text;

} // namespace afbusd

#endif // AFBUSD_OPTIONS_HPP
