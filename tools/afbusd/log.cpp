// SPDX-License-Identifier: LGPL-2.1-or-later
#include "log.hpp"

#include <array>
#include <cstdio>
#include <string>
#include <system_error>

namespace afbusd {

namespace {

LogLevel threshold = LogLevel::warning;

constexpr std::array<std::string_view, 4> level_names{"error", "warning", "info", "debug"};

} // namespace

void set_log_level(LogLevel level) noexcept
{
    threshold = level;
}

bool log_enabled(LogLevel level) noexcept
{
    return level <= threshold;
}

std::optional<LogLevel> parse_log_level(std::string_view text) noexcept
{
    for (std::size_t i = 0; i < level_names.size(); ++i) {
        if (text == level_names.at(i)) {
            return static_cast<LogLevel>(i);
        }
    }
    return std::nullopt;
}

void log_line(LogLevel level, std::string_view text)
{
    const std::string line = "afbusd: " + std::string{level_names.at(static_cast<std::size_t>(level))} + ": " +
                             std::string{text} + "\n";
    static_cast<void>(std::fputs(line.c_str(), stderr));
}

std::string errno_text(int e)
{
    return std::generic_category().message(e);
}

} // namespace afbusd
