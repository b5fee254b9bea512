// SPDX-License-Identifier: LGPL-2.1-or-later
//
// AF_BUS sockets (include/uapi/linux/bus.h, Documentation/networking/af_bus.rst)
// as RAII objects:
//   BusSocket   a connected socket: a peer's own, or the master's handle
//               for one peer. Sends to an address, receives one message
//               with its true sender address, SCM_RIGHTS fds and
//               SCM_CREDENTIALS; reads every BUS_GET_* option.
//   PeerHandle  the master's accepted socket for a peer: join it, give it
//               and take away addresses, eavesdropping.
//   BusMaster   the listening socket that creates a bus: bind, listen,
//               accept, and the options for peers connecting later.
// Nothing throws; failures are std::error_code (errno values).
#ifndef AFBUS_SOCKET_HPP
#define AFBUS_SOCKET_HPP

#include <afbus/fd.hpp>
#include <afbus/result.hpp>
#include <afbus/syscalls.hpp>

#include <sys/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace afbus {

// Addresses: the top 16 bits the prefix, the low 48 the client part.
inline constexpr unsigned bus_client_bits = 48;
inline constexpr std::uint64_t bus_client_mask = (std::uint64_t{1} << bus_client_bits) - 1;
inline constexpr std::uint64_t bus_master_address = 0;
inline constexpr int bus_proto_none = 0;
inline constexpr int bus_proto_dbus = 1;

constexpr std::uint64_t bus_address(std::uint16_t prefix, std::uint64_t client) noexcept
{
    return (std::uint64_t{prefix} << bus_client_bits) | (client & bus_client_mask);
}
constexpr std::uint16_t bus_prefix(std::uint64_t addr) noexcept
{
    return static_cast<std::uint16_t>(addr >> bus_client_bits);
}
constexpr std::uint64_t bus_client(std::uint64_t addr) noexcept
{
    return addr & bus_client_mask;
}
constexpr std::uint64_t bus_multicast(std::uint16_t prefix) noexcept
{
    return bus_address(prefix, bus_client_mask);
}
constexpr bool bus_is_multicast(std::uint64_t addr) noexcept
{
    return bus_client(addr) == bus_client_mask;
}

// A bus path: a file system path, or an abstract name (sent with a leading
// NUL byte, given here without it).
struct BusPath {
    std::string name;
    bool abstract = false;

    // The bytes of sbus_path as bound: with the leading NUL when abstract.
    // nfdbus names a bus by exactly these (NFDBUS_ATTR_BUS_PATH).
    [[nodiscard]] std::string bound_bytes() const;
};

struct Credentials {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
};

// Largest number of fds in one message (the kernel's SCM_MAX_FD).
inline constexpr std::size_t max_fds_per_message = 253;

// The largest message AF_BUS carries (the uAPI's BUS_MAX_MSGSIZE).
inline constexpr std::size_t max_message_size = std::size_t{512} * 1024;

// Gives a receive buffer back to the process-wide pool (socket.cpp).
struct ReceiveBufferRelease {
    void operator()(std::array<std::byte, max_message_size> *buffer) const noexcept;
};

// A buffer of max_message_size bytes that one large message was received
// into and that the message keeps, instead of being copied out of it. A
// freed buffer goes back to a small process-wide pool (at most four are
// kept), so receiving large messages neither copies nor allocates once the
// pool is warm; it may be freed on any thread.
using ReceiveBuffer = std::unique_ptr<std::array<std::byte, max_message_size>, ReceiveBufferRelease>;

// Received messages up to this size are copied out of the receive buffer
// (cheaper than tying up a buffer of max_message_size while they wait to be
// handled); larger ones keep it when asked to (BusSocket::receive()).
inline constexpr std::size_t receive_copy_max = std::size_t{16} * 1024;

// The bytes of one received message: in @data; or, if it was received
// with keep_large and is larger than receive_copy_max, in the first
// @kept_size bytes of @kept (@data is then empty). bytes() is the message
// either way.
struct ReceivedBytes {
    std::vector<std::byte> data;
    ReceiveBuffer kept;
    std::size_t kept_size = 0;

    [[nodiscard]] std::span<const std::byte> bytes() const noexcept
    {
        return kept ? std::span<const std::byte>{kept->data(), kept_size} : std::span<const std::byte>{data};
    }
};

// One received message.
struct Datagram : ReceivedBytes {
    std::uint64_t sender = 0;               // the true sending address
    std::vector<Fd> fds;                    // SCM_RIGHTS, in order
    std::optional<Credentials> credentials; // SCM_CREDENTIALS, with SO_PASSCRED
};

class BusSocket {
public:
    BusSocket() noexcept = default;
    BusSocket(Fd fd, const Syscalls &sys) noexcept : fd_{std::move(fd)}, sys_{&sys} {}

    // A peer: socket(AF_BUS, SOCK_SEQPACKET, @protocol) connected to @path.
    static Result<BusSocket> connect(const BusPath &path, int protocol = bus_proto_dbus,
                                     bool nonblocking = false, const Syscalls &sys = real_syscalls());

    [[nodiscard]] int fd() const noexcept { return fd_.get(); }
    [[nodiscard]] bool valid() const noexcept { return fd_.valid(); }
    [[nodiscard]] const Syscalls &syscalls() const noexcept { return *sys_; }
    // Gives up the descriptor.
    Fd release() noexcept { return std::move(fd_); }

    // Sends @data to @destination (a peer's address, a multicast address,
    // or bus_master_address) with @fds as SCM_RIGHTS. @flags: MSG_DONTWAIT
    // etc. Returns the bytes sent (all of them: the socket is a datagram
    // socket). EINTR is retried.
    [[nodiscard]] Result<std::size_t> send(std::uint64_t destination, std::span<const std::byte> data,
                             std::span<const int> fds = {}, int flags = 0) const;
    // Sends without a destination: from a peer to the master, from a
    // master's handle to its peer.
    [[nodiscard]] Result<std::size_t> send_default(std::span<const std::byte> data, std::span<const int> fds = {},
                                     int flags = 0) const;

    // Receives one whole message, whatever its size, with its sender, fds
    // and credentials, in one recvmsg(): into a per-thread ReceiveBuffer
    // (only the pages the largest messages touched are ever resident),
    // then copied to the Datagram's data; with @keep_large, a message
    // larger than receive_copy_max keeps the buffer instead (Datagram::kept)
    // and the thread takes another from the pool for its next receive.
    // EAGAIN when non-blocking and nothing is queued; an empty datagram
    // with sender 0 and no data at end of stream is reported as ECONNRESET.
    [[nodiscard]] Result<Datagram> receive(int flags = 0, bool keep_large = false) const;

    // getsockname(): this socket's prefix-0 address (a peer's own; on a
    // handle, bus_master_address).
    [[nodiscard]] Result<std::uint64_t> address() const;
    // BUS_GET_ADDRS: every address the peer holds, its prefix-0 one first.
    [[nodiscard]] Result<std::vector<std::uint64_t>> addresses() const;
    [[nodiscard]] Result<bool> joined() const;
    [[nodiscard]] Result<bool> eavesdropping() const;
    [[nodiscard]] Result<int> queue_length() const;
    [[nodiscard]] Result<int> max_queue_length() const;
    [[nodiscard]] Result<int> send_buffer() const;
    // SIOCINQ: the size of the next message, 0 if none.
    [[nodiscard]] Result<int> next_message_size() const;

    // SO_PASSCRED: receive SCM_CREDENTIALS with every message.
    [[nodiscard]] Result<void> set_pass_credentials(bool on) const;
    // SO_PEERCRED: who connected (on a handle: the peer; on a peer: the master).
    [[nodiscard]] Result<Credentials> peer_credentials() const;
    [[nodiscard]] Result<void> set_nonblocking(bool on) const;

protected:
    [[nodiscard]] Result<int> get_int(int option) const;
    [[nodiscard]] Result<void> set_option(int option, const void *value, std::size_t size) const;

    Fd fd_;
    const Syscalls *sys_ = &real_syscalls();
};

// The master's handle for one peer (from BusMaster::accept()).
class PeerHandle : public BusSocket {
public:
    PeerHandle() noexcept = default;
    PeerHandle(Fd fd, const Syscalls &sys) noexcept : BusSocket{std::move(fd), sys} {}

    // BUS_JOIN_BUS: the peer may talk to other peers (EALREADY if it may).
    [[nodiscard]] Result<void> join() const;
    // BUS_ADD_ADDR / BUS_DEL_ADDR (EADDRINUSE / EADDRNOTAVAIL).
    [[nodiscard]] Result<void> add_address(std::uint64_t addr) const;
    [[nodiscard]] Result<void> del_address(std::uint64_t addr) const;
    // BUS_SET_EAVESDROP / BUS_UNSET_EAVESDROP.
    [[nodiscard]] Result<void> set_eavesdrop(bool on) const;
    // The peer's prefix-0 address (BUS_GET_ADDRS' first entry).
    [[nodiscard]] Result<std::uint64_t> peer_address() const;
};

class BusMaster {
public:
    BusMaster() noexcept = default;

    // socket(AF_BUS, SOCK_SEQPACKET, @protocol), bind(@path), listen().
    static Result<BusMaster> create(const BusPath &path, int protocol = bus_proto_dbus,
                                    const Syscalls &sys = real_syscalls());

    [[nodiscard]] int fd() const noexcept { return fd_.get(); }
    [[nodiscard]] const BusPath &path() const noexcept { return path_; }
    [[nodiscard]] int protocol() const noexcept { return protocol_; }

    // accept(): the handle of the next peer (EAGAIN when non-blocking and
    // none is waiting).
    [[nodiscard]] Result<PeerHandle> accept(bool nonblocking = false) const;

    // For peers that connect later: BUS_SET_SENDBUF, BUS_SET_MAXQLEN, and
    // their BUS_GET_* counterparts.
    [[nodiscard]] Result<void> set_send_buffer(int bytes) const;
    [[nodiscard]] Result<void> set_max_queue_length(int messages) const;
    [[nodiscard]] Result<int> send_buffer() const;
    [[nodiscard]] Result<int> max_queue_length() const;
    [[nodiscard]] Result<void> set_nonblocking(bool on) const;

private:
    Fd fd_;
    const Syscalls *sys_ = &real_syscalls();
    BusPath path_;
    int protocol_ = bus_proto_dbus;
};

} // namespace afbus

#endif // AFBUS_SOCKET_HPP
