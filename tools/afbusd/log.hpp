// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Logging to stderr with a level threshold (--log-level). Arguments are
// streamed one after the other: log(LogLevel::info, "peer ", id, " gone").
#ifndef AFBUSD_LOG_HPP
#define AFBUSD_LOG_HPP

#include <cstddef>
#include <iterator>
#include <cstdint>
#include <locale>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

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
// String literals as views, not decayed arrays; anything else as it is.
template <class T> decltype(auto) log_piece(const T &v)
{
    if constexpr (std::is_array_v<T>) {
        return std::string_view{std::data(v), std::size(v) - 1};
    } else {
        return (v);
    }
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
