// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Reading /proc and /sys through the seam: fixed buffers, no allocation, no
// exceptions.
#ifndef CMA_SRC_TEXT_HPP
#define CMA_SRC_TEXT_HPP

#include "syscalls.hpp"

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string_view>

namespace cma::detail {

// A /proc path: /proc/<pid>/<leaf>, or /proc/self/<leaf> for pid 0.
using PathBuffer = std::array<char, 64>;

inline PathBuffer proc_path(pid_t pid, const char *leaf) noexcept
{
    PathBuffer path{};
    if (pid == 0) {
        (void)std::snprintf(path.data(), path.size(), "/proc/self/%s", leaf);
    } else {
        (void)std::snprintf(path.data(), path.size(), "/proc/%d/%s", static_cast<int>(pid), leaf);
    }
    return path;
}

// /proc/self/fdinfo/<fd>.
inline PathBuffer fdinfo_path(int fd) noexcept
{
    PathBuffer path{};
    (void)std::snprintf(path.data(), path.size(), "/proc/self/fdinfo/%d", fd);
    return path;
}

// The contents of a small file, or the negative errno value of reading it.
class SmallFile {
public:
    SmallFile(const Syscalls &sys, const char *path) noexcept
    {
        const ssize_t ret = sys.read_file(sys.context, path, buf_.data(), buf_.size());
        if (ret < 0) {
            error_ = static_cast<int>(ret);
        } else {
            size_ = static_cast<std::size_t>(ret);
        }
    }

    [[nodiscard]] int error() const noexcept { return error_; }
    [[nodiscard]] std::string_view text() const noexcept { return {buf_.data(), size_}; }

private:
    std::array<char, 4096> buf_{};
    std::size_t size_ = 0;
    int error_ = 0;
};

// The value of the "Key:" line of a /proc status-style text, without the
// surrounding blanks; nullopt if there is no such line.
inline std::optional<std::string_view> field(std::string_view text, std::string_view key) noexcept
{
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        // Not substr(), whose range check would call into libstdc++.so.
        std::string_view line{text.data() + pos, end - pos};
        if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ':') {
            line.remove_prefix(key.size() + 1);
            const std::size_t first = line.find_first_not_of(" \t");
            if (first != std::string_view::npos) {
                line.remove_prefix(first);
                return line;
            }
            return std::string_view{};
        }
        pos = end + 1;
    }
    return std::nullopt;
}

// The @index-th (from 0) blank-separated number of @value, in @base.
template <typename T>
std::optional<T> number(std::string_view value, std::size_t index = 0, int base = 10) noexcept
{
    for (std::size_t i = 0;; ++i) {
        const std::size_t first = value.find_first_not_of(" \t\n");
        if (first == std::string_view::npos) {
            return std::nullopt;
        }
        value.remove_prefix(first);
        T result{};
        const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), result, base);
        if (ec != std::errc{}) {
            return std::nullopt;
        }
        if (i == index) {
            return result;
        }
        value.remove_prefix(static_cast<std::size_t>(ptr - value.data()));
    }
}

// number() of the "Key:" line of @file.
template <typename T>
std::optional<T> field_number(const SmallFile &file, std::string_view key, std::size_t index = 0,
                              int base = 10) noexcept
{
    if (file.error() < 0) {
        return std::nullopt;
    }
    const std::optional<std::string_view> value = field(file.text(), key);
    return value ? number<T>(*value, index, base) : std::nullopt;
}

} // namespace cma::detail

#endif // CMA_SRC_TEXT_HPP
