// SPDX-License-Identifier: LGPL-2.1-or-later
#include "connection.hpp"

#include <afbus/dbus/address.hpp>
#include <afbus/dbus/sasl.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <span>

namespace bus_bench {
namespace {

using afbus::dbus::Errc;

std::string errc_text(Errc e)
{
    return afbus::dbus::make_error_code(e).message();
}

Fd connect_unix(const afbus::dbus::ConnectTarget &target)
{
    const UnixAddress a{target.path, target.kind == afbus::dbus::ConnectTarget::Kind::unix_abstract};
    Fd fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    if (!fd.valid()) {
        fail_errno("socket");
    }
    if (::connect(fd.get(), a.sockaddr(), a.length) != 0) {
        fail_errno("connect to " + target.path);
    }
    return fd;
}

} // namespace

UnixAddress::UnixAddress(std::string_view path, bool abstract)
{
    address.sun_family = AF_UNIX;
    // An abstract name starts with a NUL and is not terminated; a path is.
    const std::size_t offset = abstract ? 1 : 0;
    if (path.size() + 1 > sizeof address.sun_path) {
        throw Failure{"socket path too long: " + std::string{path}};
    }
    std::memcpy(std::span{address.sun_path}.subspan(offset).data(), path.data(), path.size());
    length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
}

Connection Connection::open(std::string_view address)
{
    auto entries = afbus::dbus::parse_address(address);
    if (!entries) {
        throw Failure{"bad D-Bus address '" + std::string{address} + "': " + errc_text(entries.error())};
    }
    for (const auto &entry : *entries) {
        auto target = afbus::dbus::connect_target(entry);
        if (target && target->kind != afbus::dbus::ConnectTarget::Kind::afbus_path) {
            return Connection{connect_unix(*target), false};
        }
    }
    throw Failure{"no unix:path= or unix:abstract= entry in '" + std::string{address} + "'"};
}

Connection::Connection(Fd fd, bool negotiate_unix_fd) : fd_{std::move(fd)}, in_(std::size_t{64} * 1024)
{
    bound_socket(fd_.get());
    authenticate(negotiate_unix_fd);
}

void Connection::authenticate(bool negotiate_unix_fd)
{
    afbus::dbus::SaslClient sasl{{.uid = ::getuid(), .negotiate_unix_fd = negotiate_unix_fd}};
    for (;;) {
        const std::string_view out = sasl.output();
        write_all(fd_.get(), out.data(), out.size());
        sasl.consume_output(out.size());
        if (sasl.state() != afbus::dbus::SaslState::running) {
            break;
        }
        const std::size_t n = read_some(fd_.get(), in_.data(), in_.size(), "authentication");
        if (n == 0) {
            throw Failure{"authentication: connection closed"};
        }
        const std::string_view got{reinterpret_cast<const char *>(in_.data()), n};
        auto used = sasl.feed(got);
        if (!used) {
            throw Failure{"authentication: " + errc_text(used.error())};
        }
        // What follows BEGIN belongs to the message stream (a server may
        // send nothing before our first message, but be ready for it).
        in_begin_ = *used;
        in_end_ = n;
    }
    if (sasl.state() != afbus::dbus::SaslState::authenticated) {
        throw Failure{"authentication: rejected (EXTERNAL)"};
    }
    if (negotiate_unix_fd && !sasl.unix_fd_agreed()) {
        throw Failure{"authentication: the server refused unix fd passing"};
    }
}

std::string Connection::hello()
{
    const afbus::dbus::Message reply = call_driver("Hello", afbus::dbus::Writer{});
    return std::string{first_string(reply)};
}

afbus::dbus::Message Connection::call_driver(std::string_view member, const afbus::dbus::Writer &body)
{
    afbus::dbus::Header h;
    h.type = afbus::dbus::MessageType::method_call;
    h.path = "/org/freedesktop/DBus";
    h.interface = "org.freedesktop.DBus";
    h.destination = "org.freedesktop.DBus";
    h.member = member;
    return call(h, body);
}

std::uint32_t Connection::send(afbus::dbus::Header h, const afbus::dbus::Writer &body, int unix_fd)
{
    h.serial = ++serial_;
    if (serial_ == 0xffffffffU) {
        serial_ = 0;
    }
    h.unix_fds = unix_fd >= 0 ? 1 : 0;
    if (const Errc e = afbus::dbus::build_message(out_, h, body); e != Errc::ok) {
        throw Failure{"building " + std::string{h.member} + ": " + errc_text(e)};
    }
    std::size_t sent = 0;
    if (unix_fd >= 0) {
        // The fd travels with the message's first byte.
        alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int))> control{};
        iovec iov{out_.data(), out_.size()};
        msghdr mh{};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = control.data();
        mh.msg_controllen = control.size();
        cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &unix_fd, sizeof unix_fd);
        ssize_t n = 0;
        while ((n = ::sendmsg(fd_.get(), &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
        }
        if (n < 0) {
            fail_errno("sendmsg");
        }
        sent = static_cast<std::size_t>(n);
    }
    write_all(fd_.get(), out_.data() + sent, out_.size() - sent);
    return h.serial;
}

void Connection::fill(std::size_t need)
{
    if (in_end_ - in_begin_ >= need) {
        return;
    }
    // Move what is left to the front (the previous message's views are dead
    // by now), then grow to hold the whole message.
    std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
    if (in_.size() < need) {
        in_.resize(need);
    }
    while (in_end_ < need) {
        const std::size_t n = read_some(fd_.get(), in_.data() + in_end_, in_.size() - in_end_, "waiting for a message");
        if (n == 0) {
            throw Failure{"the bus closed the connection"};
        }
        in_end_ += n;
    }
}

afbus::dbus::Message Connection::receive()
{
    fill(afbus::dbus::fixed_header_size);
    const auto size = afbus::dbus::message_size({in_.data() + in_begin_, afbus::dbus::fixed_header_size});
    if (!size) {
        throw Failure{"bad message from the bus: " + errc_text(size.error())};
    }
    fill(*size);
    auto msg = afbus::dbus::parse_message({in_.data() + in_begin_, *size});
    if (!msg) {
        throw Failure{"bad message from the bus: " + errc_text(msg.error())};
    }
    in_begin_ += *size;
    return *msg;
}

bool Connection::wait_message()
{
    if (in_end_ > in_begin_) {
        return true;
    }
    wait_readable(fd_.get(), "waiting for a message", false);
    char c = 0;
    ssize_t n = 0;
    while ((n = ::recv(fd_.get(), &c, 1, MSG_PEEK)) < 0 && errno == EINTR) {
    }
    return n > 0;
}

afbus::dbus::Message Connection::call(const afbus::dbus::Header &h, const afbus::dbus::Writer &body, int unix_fd)
{
    const std::uint32_t serial = send(h, body, unix_fd);
    for (;;) {
        afbus::dbus::Message msg = receive();
        if (msg.header.reply_serial != serial) {
            continue; // a signal (NameAcquired...) or someone else's business
        }
        if (msg.header.type == afbus::dbus::MessageType::error) {
            throw Failure{std::string{h.member} + " failed: " + std::string{msg.header.error_name} + ": " +
                          std::string{first_string(msg)}};
        }
        return msg;
    }
}

std::string_view first_string(const afbus::dbus::Message &msg)
{
    auto r = msg.reader();
    auto s = r.get_string();
    return s ? *s : std::string_view{};
}

} // namespace bus_bench
