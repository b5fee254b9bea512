// SPDX-License-Identifier: LGPL-2.1-or-later
//
// AF_BUS sockets; see include/afbus/socket.hpp.
#include <afbus/socket.hpp>

#include "msg_io.hpp"

#include <linux/bus.h>
#include <linux/sockios.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

namespace afbus {
namespace {

// Spare receive buffers. Never destroyed: a buffer may come back from a
// message or a thread that outlives static destruction.
struct ReceivePool {
    static constexpr std::size_t max_spare = 4;
    ReceivePool() { spare.reserve(max_spare); } // giving one back never allocates
    std::mutex lock;
    std::vector<ReceiveBuffer::pointer> spare;
};

ReceivePool &receive_pool()
{
    static auto *pool = new ReceivePool; // NOLINT(cppcoreguidelines-owning-memory): never freed, see above
    return *pool;
}

// A spare buffer, or a new one: not zero-filled, its pages are touched by
// the kernel's copy of what is received into it.
ReceiveBuffer take_receive_buffer()
{
    ReceivePool &pool = receive_pool();
    {
        const std::lock_guard guard{pool.lock};
        if (!pool.spare.empty()) {
            const ReceiveBuffer::pointer b = pool.spare.back();
            pool.spare.pop_back();
            return ReceiveBuffer{b};
        }
    }
    return ReceiveBuffer{new ReceiveBuffer::element_type}; // NOLINT(cppcoreguidelines-owning-memory): owned by the ReceiveBuffer
}

static_assert(sizeof(sockaddr_bus) == 128, "struct sockaddr_bus is the size of sockaddr_storage");
static_assert(bus_client_mask == BUS_CLIENT_MASK);
static_assert(max_message_size == BUS_MAX_MSGSIZE);

constexpr socklen_t path_offset = offsetof(sockaddr_bus, sbus_path);

// The sockaddr_bus of @path for bind() and connect(), and its length.
Result<socklen_t> path_address(const BusPath &path, sockaddr_bus &sa)
{
    sa = {};
    sa.sbus_family = AF_BUS;
    const std::string bytes = path.bound_bytes();
    // A file system path needs its NUL inside sbus_path; an abstract one
    // is exactly its bytes.
    const std::size_t room = path.abstract ? sizeof(sa.sbus_path) : sizeof(sa.sbus_path) - 1;
    if (path.name.empty() || bytes.size() > room) {
        return fail(-EINVAL);
    }
    std::memcpy(&sa.sbus_path[0], bytes.data(), bytes.size());
    return static_cast<socklen_t>(path_offset + bytes.size() + (path.abstract ? 0 : 1));
}

sockaddr_bus destination_address(std::uint64_t addr) noexcept
{
    sockaddr_bus sa{};
    sa.sbus_family = AF_BUS;
    sa.sbus_addr.s_addr = addr;
    return sa;
}

Result<size_t> sent(ssize_t ret)
{
    if (ret < 0) {
        return fail(static_cast<int>(ret));
    }
    return static_cast<std::size_t>(ret);
}

Result<Fd> open_socket(const Syscalls &sys, int protocol, bool nonblocking)
{
    const int fd = sys.socket(sys.context, AF_BUS, SOCK_SEQPACKET | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0),
                              protocol);
    if (fd < 0) {
        return fail(fd);
    }
    return Fd{fd, sys};
}

// getsockopt(SOL_BUS, @option) of an int.
Result<int> int_option(const Syscalls &sys, int fd, int option)
{
    int value = 0;
    socklen_t len = sizeof(value);
    const int ret = sys.getsockopt(sys.context, fd, SOL_BUS, option, &value, &len);
    if (ret < 0) {
        return fail(ret);
    }
    return value;
}

Result<bool> flag(const Result<int> &value)
{
    if (!value) {
        return std::unexpected{value.error()};
    }
    return *value != 0;
}

Result<void> set_nonblocking_fd(const Syscalls &sys, int fd, bool on)
{
    const int flags = sys.fcntl_flags(sys.context, fd, 0, 0);
    if (flags < 0) {
        return fail(flags);
    }
    return check(sys.fcntl_flags(sys.context, fd, 1, on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK)));
}

} // namespace

void ReceiveBufferRelease::operator()(std::array<std::byte, max_message_size> *buffer) const noexcept
{
    ReceivePool &pool = receive_pool();
    {
        const std::lock_guard guard{pool.lock};
        if (pool.spare.size() < ReceivePool::max_spare) {
            pool.spare.push_back(buffer); // within the reserved capacity
            return;
        }
    }
    delete buffer; // NOLINT(cppcoreguidelines-owning-memory): the ReceiveBuffer's own deleter
}

std::string BusPath::bound_bytes() const
{
    if (abstract) {
        std::string bytes(1, '\0');
        bytes += name;
        return bytes;
    }
    return name;
}

Result<BusSocket> BusSocket::connect(const BusPath &path, int protocol, bool nonblocking, const Syscalls &sys)
{
    sockaddr_bus sa{};
    auto len = path_address(path, sa);
    if (!len) {
        return std::unexpected{len.error()};
    }
    auto fd = open_socket(sys, protocol, nonblocking);
    if (!fd) {
        return std::unexpected{fd.error()};
    }
    int ret = 0;
    do {
        ret = sys.connect(sys.context, fd->get(), reinterpret_cast<const sockaddr *>(&sa), *len);
    } while (ret == -EINTR);
    if (ret < 0) {
        return fail(ret);
    }
    return BusSocket{std::move(*fd), sys};
}

Result<std::size_t> BusSocket::send(std::uint64_t destination, std::span<const std::byte> data,
                                    std::span<const int> fds, int flags) const
{
    const sockaddr_bus sa = destination_address(destination);
    return sent(detail::send_with_fds(*sys_, fd(), reinterpret_cast<const sockaddr *>(&sa), path_offset, data, fds,
                                      flags));
}

Result<std::size_t> BusSocket::send_default(std::span<const std::byte> data, std::span<const int> fds,
                                            int flags) const
{
    return sent(detail::send_with_fds(*sys_, fd(), nullptr, 0, data, fds, flags));
}

Result<Datagram> BusSocket::receive(int flags, bool keep_large) const
{
    // Peeking at the length first would cost a second system call per
    // message; a buffer that fits any message costs address space only.
    thread_local ReceiveBuffer buf;
    if (!buf) {
        buf = take_receive_buffer();
    }
    Datagram d;
    sockaddr_bus sa{};
    const auto r = detail::receive_with_fds(*sys_, fd(), reinterpret_cast<sockaddr *>(&sa), sizeof(sa),
                                            *buf, d.fds, d.credentials, flags);
    if (r.bytes < 0) {
        return fail(static_cast<int>(r.bytes));
    }
    if (r.bytes == 0 && r.name_len == 0) {
        return fail(-ECONNRESET); // end of stream: the bus or the peer is gone
    }
    if ((r.msg_flags & MSG_TRUNC) != 0) {
        return fail(-EMSGSIZE); // larger than BUS_MAX_MSGSIZE: not this kernel's AF_BUS
    }
    if ((r.msg_flags & MSG_CTRUNC) != 0) {
        return fail(-ENOBUFS); // more fds than SCM_MAX_FD: cannot happen
    }
    const auto size = static_cast<std::size_t>(r.bytes);
    if (keep_large && size > receive_copy_max) {
        d.kept = std::move(buf);
        d.kept_size = size;
    } else {
        d.data.assign(buf->begin(), buf->begin() + static_cast<std::ptrdiff_t>(size));
    }
    d.sender = sa.sbus_addr.s_addr;
    return d;
}

Result<std::uint64_t> BusSocket::address() const
{
    sockaddr_bus sa{};
    socklen_t len = sizeof(sa);
    const int ret = sys_->getsockname(sys_->context, fd(), reinterpret_cast<sockaddr *>(&sa), &len);
    if (ret < 0) {
        return fail(ret);
    }
    return sa.sbus_addr.s_addr;
}

Result<std::vector<std::uint64_t>> BusSocket::addresses() const
{
    std::vector<bus_addr> addrs(8);
    for (;;) {
        auto len = static_cast<socklen_t>(addrs.size() * sizeof(bus_addr));
        const int ret = sys_->getsockopt(sys_->context, fd(), SOL_BUS, BUS_GET_ADDRS, addrs.data(), &len);
        if (ret == -ERANGE && len > addrs.size() * sizeof(bus_addr)) {
            addrs.resize(len / sizeof(bus_addr));
            continue;
        }
        if (ret < 0) {
            return fail(ret);
        }
        std::vector<std::uint64_t> out(len / sizeof(bus_addr));
        std::transform(addrs.begin(), addrs.begin() + static_cast<std::ptrdiff_t>(out.size()), out.begin(),
                       [](const bus_addr &a) { return static_cast<std::uint64_t>(a.s_addr); });
        return out;
    }
}

Result<int> BusSocket::get_int(int option) const
{
    return int_option(*sys_, fd(), option);
}

Result<void> BusSocket::set_option(int option, const void *value, std::size_t size) const
{
    return check(sys_->setsockopt(sys_->context, fd(), SOL_BUS, option, value, static_cast<socklen_t>(size)));
}

Result<bool> BusSocket::joined() const
{
    return flag(get_int(BUS_GET_JOINED));
}

Result<bool> BusSocket::eavesdropping() const
{
    return flag(get_int(BUS_GET_EAVESDROP));
}

Result<int> BusSocket::queue_length() const
{
    return get_int(BUS_GET_QLEN);
}

Result<int> BusSocket::max_queue_length() const
{
    return get_int(BUS_GET_MAXQLEN);
}

Result<int> BusSocket::send_buffer() const
{
    return get_int(BUS_GET_SENDBUF);
}

Result<int> BusSocket::next_message_size() const
{
    int value = 0;
    const int ret = sys_->ioctl_int(sys_->context, fd(), SIOCINQ, &value);
    if (ret < 0) {
        return fail(ret);
    }
    return value;
}

Result<void> BusSocket::set_pass_credentials(bool on) const
{
    const int value = on ? 1 : 0;
    return check(sys_->setsockopt(sys_->context, fd(), SOL_SOCKET, SO_PASSCRED, &value, sizeof(value)));
}

Result<Credentials> BusSocket::peer_credentials() const
{
    ucred uc{};
    socklen_t len = sizeof(uc);
    const int ret = sys_->getsockopt(sys_->context, fd(), SOL_SOCKET, SO_PEERCRED, &uc, &len);
    if (ret < 0) {
        return fail(ret);
    }
    return Credentials{.pid = uc.pid, .uid = uc.uid, .gid = uc.gid};
}

Result<void> BusSocket::set_nonblocking(bool on) const
{
    return set_nonblocking_fd(*sys_, fd(), on);
}

Result<void> PeerHandle::join() const
{
    return set_option(BUS_JOIN_BUS, nullptr, 0);
}

Result<void> PeerHandle::add_address(std::uint64_t addr) const
{
    const bus_addr a{.s_addr = addr};
    return set_option(BUS_ADD_ADDR, &a, sizeof(a));
}

Result<void> PeerHandle::del_address(std::uint64_t addr) const
{
    const bus_addr a{.s_addr = addr};
    return set_option(BUS_DEL_ADDR, &a, sizeof(a));
}

Result<void> PeerHandle::set_eavesdrop(bool on) const
{
    return set_option(on ? BUS_SET_EAVESDROP : BUS_UNSET_EAVESDROP, nullptr, 0);
}

Result<std::uint64_t> PeerHandle::peer_address() const
{
    auto all = addresses();
    if (!all) {
        return std::unexpected{all.error()};
    }
    if (all->empty()) {
        return fail(-EPROTO);
    }
    return all->front();
}

Result<BusMaster> BusMaster::create(const BusPath &path, int protocol, const Syscalls &sys)
{
    sockaddr_bus sa{};
    auto len = path_address(path, sa);
    if (!len) {
        return std::unexpected{len.error()};
    }
    auto fd = open_socket(sys, protocol, false);
    if (!fd) {
        return std::unexpected{fd.error()};
    }
    if (const int ret = sys.bind(sys.context, fd->get(), reinterpret_cast<const sockaddr *>(&sa), *len); ret < 0) {
        return fail(ret);
    }
    if (const int ret = sys.listen(sys.context, fd->get(), SOMAXCONN); ret < 0) {
        return fail(ret);
    }
    BusMaster m;
    m.fd_ = std::move(*fd);
    m.sys_ = &sys;
    m.path_ = path;
    m.protocol_ = protocol;
    return m;
}

Result<PeerHandle> BusMaster::accept(bool nonblocking) const
{
    int ret = 0;
    do {
        ret = sys_->accept(sys_->context, fd(), nonblocking ? SOCK_NONBLOCK : 0);
    } while (ret == -EINTR);
    if (ret < 0) {
        return fail(ret);
    }
    return PeerHandle{Fd{ret, *sys_}, *sys_};
}

Result<void> BusMaster::set_send_buffer(int bytes) const
{
    return check(sys_->setsockopt(sys_->context, fd(), SOL_BUS, BUS_SET_SENDBUF, &bytes, sizeof(bytes)));
}

Result<void> BusMaster::set_max_queue_length(int messages) const
{
    return check(sys_->setsockopt(sys_->context, fd(), SOL_BUS, BUS_SET_MAXQLEN, &messages, sizeof(messages)));
}

Result<int> BusMaster::send_buffer() const
{
    return int_option(*sys_, fd(), BUS_GET_SENDBUF);
}

Result<int> BusMaster::max_queue_length() const
{
    return int_option(*sys_, fd(), BUS_GET_MAXQLEN);
}

Result<void> BusMaster::set_nonblocking(bool on) const
{
    return set_nonblocking_fd(*sys_, fd(), on);
}

} // namespace afbus
