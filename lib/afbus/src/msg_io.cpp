// SPDX-License-Identifier: LGPL-2.1-or-later
#include "msg_io.hpp"

#include <array>
#include <cerrno>
#include <cstring>

namespace afbus::detail {
namespace {

// Room for the most fds the kernel passes in one message, and credentials.
constexpr std::size_t control_size =
    CMSG_SPACE(sizeof(int) * max_fds_per_message) + CMSG_SPACE(sizeof(ucred));

struct alignas(cmsghdr) ControlBuffer {
    std::array<std::byte, control_size> bytes{};
};

} // namespace

ssize_t send_with_fds(const Syscalls &sys, int fd, const sockaddr *name, socklen_t name_len,
                      std::span<const std::byte> data, std::span<const int> fds, int flags) noexcept
{
    if (fds.size() > max_fds_per_message) {
        return -EINVAL;
    }
    iovec iov{.iov_base = const_cast<std::byte *>(data.data()), .iov_len = data.size()};
    msghdr msg{};
    msg.msg_name = const_cast<sockaddr *>(name);
    msg.msg_namelen = name != nullptr ? name_len : 0;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    ControlBuffer control;
    if (!fds.empty()) {
        const std::size_t payload = sizeof(int) * fds.size();
        msg.msg_control = control.bytes.data();
        msg.msg_controllen = CMSG_SPACE(payload);
        cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(payload);
        std::memcpy(CMSG_DATA(c), fds.data(), payload);
    }
    ssize_t ret = 0;
    do {
        ret = sys.sendmsg(sys.context, fd, &msg, flags);
    } while (ret == -EINTR);
    return ret;
}

Received receive_with_fds(const Syscalls &sys, int fd, sockaddr *name, socklen_t name_len,
                          std::span<std::byte> buf, std::vector<Fd> &fds,
                          std::optional<Credentials> &creds, int flags) noexcept
{
    iovec iov{.iov_base = buf.data(), .iov_len = buf.size()};
    msghdr msg{};
    ControlBuffer control;
    Received r;
    do {
        msg = {};
        msg.msg_name = name;
        msg.msg_namelen = name != nullptr ? name_len : 0;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        if ((flags & MSG_PEEK) == 0) { // a peek would install copies of the fds
            msg.msg_control = control.bytes.data();
            msg.msg_controllen = control.bytes.size();
        }
        r.bytes = sys.recvmsg(sys.context, fd, &msg, flags);
    } while (r.bytes == -EINTR);
    if (r.bytes < 0) {
        return r;
    }
    r.msg_flags = msg.msg_flags;
    r.name_len = msg.msg_namelen;
    for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET) {
            continue;
        }
        const std::size_t payload = c->cmsg_len - CMSG_LEN(0);
        if (c->cmsg_type == SCM_RIGHTS) {
            for (std::size_t i = 0; i + sizeof(int) <= payload; i += sizeof(int)) {
                int passed = -1;
                std::memcpy(&passed, CMSG_DATA(c) + i, sizeof(int));
                fds.emplace_back(passed, sys);
            }
        } else if (c->cmsg_type == SCM_CREDENTIALS && payload >= sizeof(ucred)) {
            ucred uc{};
            std::memcpy(&uc, CMSG_DATA(c), sizeof(uc));
            creds = Credentials{.pid = uc.pid, .uid = uc.uid, .gid = uc.gid};
        }
    }
    return r;
}

} // namespace afbus::detail
