// SPDX-License-Identifier: LGPL-2.1-or-later
#include "unix_connection.hpp"

#include "../log.hpp"

#include <afbus/dbus/message.hpp>

#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace afbusd::transport {

namespace {

namespace dbus = afbus::dbus;

// The kernel's limit of fds in one SCM_RIGHTS message (SCM_MAX_FD).
constexpr std::size_t max_fds_per_recvmsg = 253;
// Messages written with one sendmsg.
constexpr std::size_t max_iov = 64;
// Bytes asked of one recvmsg.
constexpr std::size_t read_chunk = std::size_t{64} << 10;
// Received fds not yet claimed by a complete message, in messages' worth.
constexpr std::size_t pending_fds_factor = 4;
// Dispatched bytes kept at the front of the input buffer before it is
// compacted.
constexpr std::size_t compact_threshold = std::size_t{64} << 10;

bus::Credentials peer_credentials(int fd)
{
    bus::Credentials c;
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
        c.uid = cred.uid;
        c.pid = cred.pid;
    }
    std::array<gid_t, 64> groups{};
    socklen_t glen = sizeof(groups);
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &glen) == 0) {
        c.groups.assign(groups.begin(), groups.begin() + glen / sizeof(gid_t));
    }
    return c;
}

} // namespace

UnixConnection::UnixConnection(EventLoop &loop, bus::LinkEvents &events, UniqueFd fd, const Limits &limits,
                               std::string_view guid)
    : loop_{&loop}, events_{&events}, fd_{std::move(fd)}, limits_{&limits}, creds_{peer_credentials(fd_.get())},
      sasl_{dbus::SaslServer::Options{.peer_uid = creds_.uid, .unix_fd_supported = true, .guid = std::string{guid}}}
{
}

UnixConnection::~UnixConnection()
{
    if (flush_deferred_) {
        loop_->cancel(*this);
    }
    shutdown();
}

int UnixConnection::start()
{
    if (creds_.uid == static_cast<uid_t>(-1)) {
        return -EPERM; // no SO_PEERCRED: EXTERNAL cannot work
    }
    return loop_->add(fd_.get(), EPOLLIN, *this);
}

void UnixConnection::check_auth_deadline(std::chrono::steady_clock::time_point now)
{
    if (!authenticated_ && !closed() && now - accepted_ > limits_->auth_timeout) {
        fail("authentication timed out");
    }
}

void UnixConnection::close() noexcept
{
    bus_knows_ = true;
    // What the bus sent it before closing it (an error, NameLost) still
    // goes out, as far as the socket takes it now.
    if (!closed() && !write_failed_) {
        flush();
    }
    shutdown();
}

void UnixConnection::retire()
{
    if (authenticated_ && !bus_knows_) {
        bus_knows_ = true;
        events_->link_closed(peer_);
    }
    shutdown();
}

void UnixConnection::shutdown() noexcept
{
    if (fd_.valid()) {
        loop_->remove(fd_.get());
        fd_.reset();
    }
    out_.clear();
    out_bytes_ = 0;
    fds_in_.clear();
}

void UnixConnection::fail(std::string_view why)
{
    if (closed()) {
        return;
    }
    log(LogLevel::info, "connection ", fd_.get(), " (pid ", creds_.pid, "): ", why, "; disconnecting");
    if (authenticated_ && !bus_knows_) {
        bus_knows_ = true;
        events_->link_closed(peer_);
    }
    shutdown();
}

void UnixConnection::handle(std::uint32_t events)
{
    if (closed()) {
        return;
    }
    if ((events & EPOLLOUT) != 0) {
        flush();
    }
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
        receive();
    }
}

// Reads up to the read budget, then hands what is complete to SASL or the
// bus. False when the connection is gone.
bool UnixConnection::receive()
{
    std::size_t budget = limits_->read_budget;
    alignas(cmsghdr) std::array<char, CMSG_SPACE(max_fds_per_recvmsg * sizeof(int))> control{};
    while (budget > 0 && !closed()) {
        const std::size_t old = in_.size();
        in_.resize(old + read_chunk);
        iovec iov{in_.data() + old, read_chunk};
        msghdr mh{};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = control.data();
        mh.msg_controllen = control.size();
        const ssize_t n = ::recvmsg(fd_.get(), &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        in_.resize(old + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            break;
        }
        if (n < 0) {
            fail(errno_text(errno));
            return false;
        }
        for (cmsghdr *c = CMSG_FIRSTHDR(&mh); c != nullptr; c = CMSG_NXTHDR(&mh, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (std::size_t i = 0; i < count; ++i) {
                    int received = -1;
                    std::memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                    fds_in_.emplace_back(received);
                }
            }
        }
        if ((mh.msg_flags & MSG_CTRUNC) != 0) {
            fail("control data truncated");
            return false;
        }
        if (n == 0) {
            fail("end of stream");
            return false;
        }
        budget -= std::min(budget, static_cast<std::size_t>(n));
        if (!authenticated_ && !authenticate()) {
            return false;
        }
        // Checked after SASL: a client may send BEGIN and its first
        // messages, fds included, in one write.
        if (!fds_in_.empty() && (!authenticated_ || !unix_fds())) {
            fail("unix fds without NEGOTIATE_UNIX_FD");
            return false;
        }
        if (fds_in_.size() > pending_fds_factor * limits_->max_message_fds) {
            fail("too many unix fds");
            return false;
        }
        if (authenticated_ && !dispatch_messages()) {
            return false;
        }
    }
    return !closed();
}

bool UnixConnection::authenticate()
{
    const std::string_view input{reinterpret_cast<const char *>(in_.data() + in_start_), in_.size() - in_start_};
    const auto used = sasl_.feed(input);
    const std::string_view reply = sasl_.output();
    if (!reply.empty()) {
        // A few short lines: the socket buffer is empty during SASL, so this
        // only falls short for a client that floods us with commands.
        const ssize_t n = ::send(fd_.get(), reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n != static_cast<ssize_t>(reply.size())) {
            fail("cannot send the SASL reply");
            return false;
        }
        sasl_.consume_output(reply.size());
    }
    if (!used || sasl_.state() == dbus::SaslState::failed) {
        fail("authentication failed");
        return false;
    }
    in_start_ += *used;
    if (in_start_ == in_.size()) {
        in_.clear();
        in_start_ = 0;
    }
    if (sasl_.state() == dbus::SaslState::authenticated) {
        authenticated_ = true;
        peer_ = events_->link_opened(*this);
    }
    return true;
}

bool UnixConnection::dispatch_messages()
{
    while (!closed() && in_.size() - in_start_ >= dbus::fixed_header_size) {
        const std::span<const std::byte> avail{in_.data() + in_start_, in_.size() - in_start_};
        const auto size = dbus::message_size(avail);
        if (!size || *size > limits_->max_message_size) {
            fail("oversized or malformed message header");
            return false;
        }
        if (avail.size() < *size) {
            in_.reserve(in_start_ + *size + read_chunk);
            break;
        }
        const auto msg = dbus::parse_message(avail.first(*size));
        if (!msg) {
            fail(std::string{"invalid message: "} + dbus::make_error_code(msg.error()).message());
            return false;
        }
        if (msg->header.unix_fds > limits_->max_message_fds) {
            fail("too many unix fds in one message");
            return false;
        }
        if (msg->header.unix_fds > fds_in_.size()) {
            fail("message announces more unix fds than were sent");
            return false;
        }
        std::vector<UniqueFd> fds;
        fds.reserve(msg->header.unix_fds);
        for (std::uint32_t i = 0; i < msg->header.unix_fds; ++i) {
            fds.push_back(std::move(fds_in_.front()));
            fds_in_.pop_front();
        }
        in_start_ += *size;
        events_->link_message(peer_, *msg, std::move(fds));
    }
    if (in_start_ == in_.size()) {
        in_.clear();
        in_start_ = 0;
    } else if (in_start_ > compact_threshold) {
        in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(in_start_));
        in_start_ = 0;
    }
    return !closed();
}

bool UnixConnection::send(bus::OutMessage m)
{
    if (closed()) {
        return false;
    }
    if (write_failed_) {
        return true;
    }
    const std::size_t size = m.bytes->size();
    if (!out_.empty() && out_bytes_ + size > limits_->max_queued_bytes) {
        log(LogLevel::warning, "connection ", fd_.get(), " (pid ", creds_.pid,
            ") does not read: outgoing queue over ", limits_->max_queued_bytes, " bytes");
        return false;
    }
    out_bytes_ += size;
    out_.push_back(Pending{std::move(m), 0});
    // A queue that was empty is not waiting for EPOLLOUT. The batch's first
    // message goes now; later ones wait for the end of the batch and go
    // together, so that a burst wakes the client about twice per batch,
    // not once per message.
    if (out_.size() == 1 && !flush_deferred_) {
        if (written_in_batch_ != loop_->batch()) {
            written_in_batch_ = loop_->batch();
            flush();
        } else {
            flush_deferred_ = true;
            loop_->defer(*this);
        }
    }
    return true;
}

void UnixConnection::run_deferred()
{
    flush_deferred_ = false;
    if (!closed() && !write_failed_) {
        flush();
    }
}

// The front message from where it stopped, then following messages that
// carry no fds (fds travel with a message's first byte).
std::size_t UnixConnection::gather(std::vector<iovec> &iov) const
{
    iov.clear();
    for (const Pending &p : out_) {
        if (iov.size() == max_iov || (!iov.empty() && !p.msg.fds.empty())) {
            break;
        }
        iov.push_back(iovec{const_cast<std::byte *>(p.msg.bytes->data() + p.offset), p.msg.bytes->size() - p.offset});
    }
    return iov.size();
}

void UnixConnection::advance(std::size_t written)
{
    while (written > 0) {
        Pending &p = out_.front();
        p.msg.fds.clear(); // sent with the first byte
        const std::size_t left = p.msg.bytes->size() - p.offset;
        if (written < left) {
            p.offset += written;
            return;
        }
        written -= left;
        out_bytes_ -= p.msg.bytes->size();
        out_.pop_front();
    }
}

void UnixConnection::flush()
{
    std::vector<iovec> iov;
    alignas(cmsghdr) std::array<char, CMSG_SPACE(max_fds_per_recvmsg * sizeof(int))> control{};
    while (!out_.empty()) {
        msghdr mh{};
        mh.msg_iov = iov.data();
        mh.msg_iovlen = gather(iov);
        mh.msg_iov = iov.data();
        const Pending &front = out_.front();
        if (front.offset == 0 && !front.msg.fds.empty()) {
            const std::size_t count = front.msg.fds.size();
            mh.msg_control = control.data();
            mh.msg_controllen = CMSG_SPACE(count * sizeof(int));
            cmsghdr *c = CMSG_FIRSTHDR(&mh);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(count * sizeof(int));
            for (std::size_t i = 0; i < count; ++i) {
                const int fd = front.msg.fds.at(i).get();
                std::memcpy(CMSG_DATA(c) + i * sizeof(int), &fd, sizeof(int));
            }
        }
        const ssize_t n = ::sendmsg(fd_.get(), &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            watch_output(true);
            return;
        }
        if (n <= 0) {
            // The peer closed (EPIPE) or reset: what it sent before is still
            // to be read and routed (a client may send a signal and exit
            // before reading our last messages to it), so the bus is not
            // told now: the read side ends with EOF and link_closed().
            // Until then, messages to it are discarded.
            log(LogLevel::debug, "connection ", fd_.get(), ": send failed: ", errno_text(errno));
            write_failed_ = true;
            out_.clear();
            out_bytes_ = 0;
            watch_output(false);
            return;
        }
        advance(static_cast<std::size_t>(n));
    }
    watch_output(false);
}

void UnixConnection::watch_output(bool on)
{
    if (on == watching_output_ || closed()) {
        return;
    }
    watching_output_ = on;
    if (loop_->modify(fd_.get(), on ? EPOLLIN | EPOLLOUT : EPOLLIN, *this) != 0) {
        // Not fail(): this runs inside the bus's deliveries. The bus hears
        // of it from the next send() or from UnixServer::reap().
        log(LogLevel::warning, "epoll_ctl failed; closing a connection");
        shutdown();
    }
}

} // namespace afbusd::transport
