// SPDX-License-Identifier: LGPL-2.1-or-later
#include "floor.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <span>
#include <utility>

namespace bus_bench {
namespace {

enum class Kind : std::uint8_t { call = 'C', reply = 'R', stop = 'S', signal = 'T' };

constexpr std::size_t header_size = 8; // kind, 3 bytes padding, seq
constexpr std::size_t max_packet = header_size + std::size_t{128} * 1024;

std::pair<Fd, Fd> seqpacket_pair()
{
    std::array<int, 2> fds{};
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds.data()) != 0) {
        fail_errno("socketpair");
    }
    std::pair<Fd, Fd> pair{Fd{fds[0]}, Fd{fds[1]}};
    bound_socket(fds[0]);
    bound_socket(fds[1]);
    return pair;
}

void send_packet(int fd, std::span<const std::byte> packet)
{
    ssize_t n = 0;
    while ((n = ::send(fd, packet.data(), packet.size(), MSG_NOSIGNAL)) < 0 && errno == EINTR) {
    }
    if (n != static_cast<ssize_t>(packet.size())) {
        fail_errno("send");
    }
}

// One packet into @buf; its size. A truncated packet is an error.
std::size_t receive_packet(int fd, std::vector<std::byte> &buf)
{
    const std::size_t n = read_some(fd, buf.data(), buf.size(), "waiting for a packet", true, MSG_TRUNC);
    if (n == 0) {
        throw Failure{"the peer closed the socket"};
    }
    if (n > buf.size() || n < header_size) {
        throw Failure{"bad packet size " + std::to_string(n)};
    }
    return n;
}

Kind kind_of(const std::vector<std::byte> &buf)
{
    return static_cast<Kind>(buf[0]);
}

void set_header(std::vector<std::byte> &buf, Kind kind, std::uint32_t seq)
{
    buf[0] = static_cast<std::byte>(kind);
    std::memcpy(&buf[4], &seq, sizeof seq);
}

std::uint32_t seq_of(const std::vector<std::byte> &buf)
{
    std::uint32_t seq = 0;
    std::memcpy(&seq, &buf[4], sizeof seq);
    return seq;
}

class FloorEndpoint : public Endpoint {
public:
    // @fds: the one socket of a client, service or subscriber; a direct
    // sender's socket to every subscriber.
    explicit FloorEndpoint(std::vector<int> fds) : fds_{std::move(fds)}, buf_(max_packet) {}

    std::size_t call(std::span<const std::byte> payload) override
    {
        std::vector<std::byte> &out = out_;
        out.resize(header_size + payload.size());
        set_header(out, Kind::call, 0);
        std::memcpy(out.data() + header_size, payload.data(), payload.size());
        send_packet(fds_[0], out);
        const std::size_t n = receive_packet(fds_[0], buf_);
        if (kind_of(buf_) != Kind::reply) {
            throw Failure{"expected a reply"};
        }
        return n - header_size;
    }

    void stop_service() override
    {
        out_.assign(header_size, std::byte{0});
        set_header(out_, Kind::stop, 0);
        send_packet(fds_[0], out_);
        (void)receive_packet(fds_[0], buf_);
    }

    bool serve() override
    {
        const std::size_t n = receive_packet(fds_[0], buf_);
        const bool stop = kind_of(buf_) == Kind::stop;
        buf_[0] = static_cast<std::byte>(stop ? Kind::stop : Kind::reply);
        send_packet(fds_[0], std::span{buf_}.first(n));
        return !stop;
    }

    void emit(std::uint32_t seq) override
    {
        out_.assign(header_size, std::byte{0});
        set_header(out_, Kind::signal, seq);
        for (const int fd : fds_) {
            send_packet(fd, out_);
        }
    }

    std::uint32_t receive() override
    {
        (void)receive_packet(fds_[0], buf_);
        if (kind_of(buf_) != Kind::signal) {
            throw Failure{"expected a signal"};
        }
        return seq_of(buf_);
    }

private:
    std::vector<int> fds_;
    std::vector<std::byte> buf_;
    std::vector<std::byte> out_;
};

// The relay of a call: forwards both ways until it has passed the
// service's answer to the stop request back.
int relay_call(int client, int service)
{
    std::vector<std::byte> buf(max_packet);
    std::array<pollfd, 2> p{{{client, POLLIN, 0}, {service, POLLIN, 0}}};
    for (;;) {
        if (::poll(p.data(), p.size(), -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail_errno("poll");
        }
        if ((p[0].revents & POLLIN) != 0) {
            const std::size_t n = receive_packet(client, buf);
            send_packet(service, std::span{buf}.first(n));
        }
        if ((p[1].revents & POLLIN) != 0) {
            const std::size_t n = receive_packet(service, buf);
            send_packet(client, std::span{buf}.first(n));
            if (kind_of(buf) == Kind::stop) {
                return 0;
            }
        }
        if (((p[0].revents | p[1].revents) & (POLLHUP | POLLERR)) != 0) {
            throw Failure{"a peer went away"};
        }
    }
}

// The relay of a fan-out: copies each packet from the sender to every
// subscriber, until the stop packet.
int relay_fanout(int sender, const std::vector<int> &subscribers)
{
    std::vector<std::byte> buf(max_packet);
    for (;;) {
        // Unbounded: the sender may think between batches; the stop packet
        // from finish() (or the parent's death) ends it.
        pollfd p{sender, POLLIN, 0};
        if (::poll(&p, 1, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail_errno("poll");
        }
        const std::size_t n = receive_packet(sender, buf);
        if (kind_of(buf) == Kind::stop) {
            return 0;
        }
        for (const int fd : subscribers) {
            send_packet(fd, std::span{buf}.first(n));
        }
    }
}

} // namespace

FloorBus::~FloorBus()
{
    cleanup();
}

void FloorBus::cleanup() noexcept
{
    upstream_.reset(); // the relay sees its peers go, if it is still there
    downstream_.clear();
    senders_.clear();
    if (relay_pid_ > 0) {
        try {
            (void)reap(std::exchange(relay_pid_, 0));
        } catch (const std::exception &) { // NOLINT(bugprone-empty-catch): after a failure, best effort
        }
    }
}

void FloorBus::prepare(Shape shape, unsigned receivers)
{
    cleanup(); // after a scenario that failed, the relay may still be there
    shape_ = shape;
    if (shape == Shape::call) {
        receivers = 1;
    }
    std::vector<Fd> relay_side; // the relay's end of each downstream pair
    for (unsigned i = 0; i < receivers; ++i) {
        auto [near, far] = seqpacket_pair();
        (relay_ ? relay_side : senders_).push_back(std::move(near));
        downstream_.push_back(std::move(far));
    }
    if (!relay_) {
        if (shape == Shape::call) {
            upstream_ = std::move(senders_.front());
            senders_.clear();
        }
        return;
    }
    auto [up, relay_up] = seqpacket_pair();
    upstream_ = std::move(up);
    std::vector<int> out;
    out.reserve(relay_side.size());
    for (const Fd &fd : relay_side) {
        out.push_back(fd.get());
    }
    const int in = relay_up.get();
    relay_pid_ = fork_role(name() + "/relay", [this, in, &out, shape] {
        // Only the relay's own ends stay open in the relay, so that it sees
        // end of file when the others go.
        upstream_.reset();
        downstream_.clear();
        return shape == Shape::call ? relay_call(in, out.front()) : relay_fanout(in, out);
    });
}

std::unique_ptr<Endpoint> FloorBus::open(Role role, unsigned index)
{
    switch (role) {
    case Role::client:
        return std::make_unique<FloorEndpoint>(std::vector<int>{upstream_.get()});
    case Role::sender: {
        if (relay_) {
            return std::make_unique<FloorEndpoint>(std::vector<int>{upstream_.get()});
        }
        std::vector<int> fds;
        fds.reserve(senders_.size());
        for (const Fd &fd : senders_) {
            fds.push_back(fd.get());
        }
        return std::make_unique<FloorEndpoint>(std::move(fds));
    }
    case Role::service:
    case Role::subscriber:
        return std::make_unique<FloorEndpoint>(std::vector<int>{downstream_.at(index).get()});
    }
    throw Failure{"bad role"};
}

void FloorBus::finish()
{
    if (relay_pid_ > 0) {
        const pid_t pid = std::exchange(relay_pid_, 0);
        if (shape_ == Shape::fanout) {
            const std::array<std::byte, header_size> stop{static_cast<std::byte>(Kind::stop)};
            send_packet(upstream_.get(), stop);
        }
        if (reap(pid) != 0) {
            cleanup();
            throw Failure{name() + ": the relay failed"};
        }
    }
    cleanup();
}

} // namespace bus_bench
