// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The command line of afbusd.
#ifndef AFBUSD_OPTIONS_HPP
#define AFBUSD_OPTIONS_HPP

#include "log.hpp"
#include "transport/limits.hpp"

#include <expected>
#include <span>
#include <string>

namespace afbusd {

struct Options {
    std::string address;     // --address (required)
    std::string policy_path; // --policy
    LogLevel log_level = LogLevel::warning;
    bool foreground = false;
    transport::Limits limits; // --max-message-size, --max-queued-bytes
    bool help = false;
};

// Parses argv[1..]; on error, a message for stderr.
std::expected<Options, std::string> parse_options(std::span<char *const> args);

extern const char *const usage_text;

} // namespace afbusd

#endif // AFBUSD_OPTIONS_HPP
