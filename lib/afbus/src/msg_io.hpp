// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Internal: sendmsg()/recvmsg() with SCM_RIGHTS and SCM_CREDENTIALS, for
// both transports (AF_BUS datagrams and AF_UNIX streams). EINTR is retried
// here and nowhere else.
#ifndef AFBUS_SRC_MSG_IO_HPP
#define AFBUS_SRC_MSG_IO_HPP

#include <afbus/fd.hpp>
#include <afbus/socket.hpp>
#include <afbus/syscalls.hpp>

#include <sys/socket.h>

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace afbus::detail {

// sendmsg() of @data with @fds (none: no control message) to @name (may
// be null). Bytes sent or -errno.
ssize_t send_with_fds(const Syscalls &sys, int fd, const sockaddr *name, socklen_t name_len,
                      std::span<const std::byte> data, std::span<const int> fds, int flags) noexcept;

struct Received {
    ssize_t bytes = 0;     // or -errno
    int msg_flags = 0;     // MSG_TRUNC, MSG_CTRUNC...
    socklen_t name_len = 0;
};

// recvmsg() into @buf; fds received are appended to @fds (owned, closed
// through @sys), credentials stored in @creds. @name may be null.
Received receive_with_fds(const Syscalls &sys, int fd, sockaddr *name, socklen_t name_len,
                          std::span<std::byte> buf, std::vector<Fd> &fds,
                          std::optional<Credentials> &creds, int flags) noexcept;

} // namespace afbus::detail

#endif // AFBUS_SRC_MSG_IO_HPP
