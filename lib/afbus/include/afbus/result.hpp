// SPDX-License-Identifier: LGPL-2.1-or-later
//
// How libafbus reports failure: std::expected with a std::error_code in the
// system category (an errno value), never an exception and never errno.
#ifndef AFBUS_RESULT_HPP
#define AFBUS_RESULT_HPP

#include <expected>
#include <system_error>

namespace afbus {

template <typename T>
using Result = std::expected<T, std::error_code>;

// The error code of a negative errno value as the seam returns it.
inline std::error_code errno_code(int negative_errno) noexcept
{
    return {-negative_errno, std::system_category()};
}

// std::unexpected of a negative errno value.
inline std::unexpected<std::error_code> fail(int negative_errno) noexcept
{
    return std::unexpected{errno_code(negative_errno)};
}

// A Result<void> from a seam return value (0 or -errno).
inline Result<void> check(int ret) noexcept
{
    if (ret < 0) {
        return fail(ret);
    }
    return {};
}

} // namespace afbus

#endif // AFBUS_RESULT_HPP
