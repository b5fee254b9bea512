// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Logging to stderr with a level threshold (--log-level). Arguments are
// streamed one after the other: log(LogLevel::info, "peer ", id, " gone").
#ifndef AFBUSD_LOG_HPP
#define AFBUSD_LOG_HPP

#include <cstdint>
#include <optional>
#include <sstream>
#include <string_view>

namespace afbusd {

enum class LogLevel : std::uint8_t { error, warning, info, debug };

// Messages above @level are not printed. Default: warning.
void set_log_level(LogLevel level) noexcept;
[[nodiscard]] bool log_enabled(LogLevel level) noexcept;
// "error", "warning", "info", "debug".
std::optional<LogLevel> parse_log_level(std::string_view text) noexcept;

void log_line(LogLevel level, std::string_view text);

template <class... Args> void log(LogLevel level, const Args &...args)
{
    if (log_enabled(level)) {
        std::ostringstream text;
        (text << ... << args);
        log_line(level, text.str());
    }
}

} // namespace afbusd

#endif // AFBUSD_LOG_HPP
