// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Logging to stderr with a level threshold (--log-level). Arguments are
// streamed one after the other: log(LogLevel::info, "peer ", id, " gone").
#ifndef AFBUSD_LOG_HPP
#define AFBUSD_LOG_HPP

#include <cstddef>
#include <cstdint>
#include <locale>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace afbusd {

enum class LogLevel : std::uint8_t { error, warning, info, debug };

// Messages above @level are not printed. Default: warning.
void set_log_level(LogLevel level) noexcept;
[[nodiscard]] bool log_enabled(LogLevel level) noexcept;
// "error", "warning", "info", "debug".
std::optional<LogLevel> parse_log_level(std::string_view text) noexcept;

void log_line(LogLevel level, std::string_view text);

// The text of errno value @e (strerror() is not thread-safe).
std::string errno_text(int e);

namespace detail {
template <class T> const T &log_piece(const T &v)
{
    return v;
}
// String literals as views, not decayed arrays.
template <std::size_t N> std::string_view log_piece(const char (&s)[N])
{
    return std::string_view{&s[0], N - 1};
}
} // namespace detail

template <class... Args> void log(LogLevel level, const Args &...args)
{
    if (log_enabled(level)) {
        std::ostringstream text;
        text.imbue(std::locale::classic());
        (text << ... << detail::log_piece(args));
        log_line(level, text.str());
    }
}

} // namespace afbusd

#endif // AFBUSD_LOG_HPP
