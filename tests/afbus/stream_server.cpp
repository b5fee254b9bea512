// SPDX-License-Identifier: LGPL-2.1-or-later
#include "stream_server.hpp"

#include "wire_util.hpp"

#include <afbus/dbus/sasl.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace afbus::testing {
namespace {

constexpr std::string_view guid = "00112233445566778899aabbccddeeff";

bool write_all(int fd, std::span<const std::byte> bytes)
{
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n <= 0) {
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

} // namespace

StreamServer::StreamServer(Options options)
{
    std::array<int, 2> sv{-1, -1};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv.data()) != 0 ||
        ::pipe2(stop_pipe_.data(), O_CLOEXEC) != 0) {
        std::abort();
    }
    client_ = Fd{sv[0]};
    server_ = Fd{sv[1]};
    thread_ = std::thread{[this, options] { run(options); }};
}

StreamServer::~StreamServer()
{
    (void)::write(stop_pipe_[1], "x", 1);
    thread_.join();
    ::close(stop_pipe_[0]);
    ::close(stop_pipe_[1]);
}

void StreamServer::run(Options options)
{
    dbus::SaslServer sasl{{.peer_uid = options.accept_uid, .unix_fd_supported = options.unix_fds,
                           .guid = std::string{guid}}};
    std::vector<std::byte> rx;
    std::vector<std::byte> buf(65536);
    bool authenticated = false;
    std::uint32_t serial = 1;
    for (;;) {
        std::array<pollfd, 2> p{{{.fd = server_.get(), .events = POLLIN, .revents = 0},
                                 {.fd = stop_pipe_[0], .events = POLLIN, .revents = 0}}};
        if (::poll(p.data(), p.size(), -1) < 0 || p[1].revents != 0) {
            return;
        }
        const ssize_t n = ::recv(server_.get(), buf.data(), buf.size(), 0);
        if (n <= 0) {
            return;
        }
        std::size_t used = 0;
        if (!authenticated) {
            auto r = sasl.feed({reinterpret_cast<const char *>(buf.data()), static_cast<std::size_t>(n)});
            const std::string_view out = sasl.output();
            (void)write_all(server_.get(), {reinterpret_cast<const std::byte *>(out.data()), out.size()});
            sasl.consume_output(out.size());
            if (!r || sasl.state() == dbus::SaslState::failed) {
                server_.reset();
                return;
            }
            authenticated = sasl.state() == dbus::SaslState::authenticated;
            used = *r;
        }
        rx.insert(rx.end(), buf.begin() + static_cast<std::ptrdiff_t>(used), buf.begin() + n);
        while (rx.size() >= dbus::fixed_header_size) {
            auto size = dbus::message_size(std::span<const std::byte>{rx}.first(dbus::fixed_header_size));
            if (!size || rx.size() < *size) {
                break;
            }
            const std::vector<std::byte> bytes(rx.begin(), rx.begin() + static_cast<std::ptrdiff_t>(*size));
            rx.erase(rx.begin(), rx.begin() + static_cast<std::ptrdiff_t>(*size));
            auto msg = dbus::parse_message(bytes);
            if (!msg || msg->header.type != dbus::MessageType::method_call) {
                continue;
            }
            ++calls_;
            const std::string_view member = msg->header.member;
            std::vector<std::byte> reply;
            if (member == "Hello") {
                reply = build_reply(*msg, string_body(":1.1"), "org.freedesktop.DBus", ++serial);
            } else if (member == "Echo") {
                const std::string text{first_string(*msg)};
                {
                    const std::scoped_lock lock{mutex_};
                    echoed_.push_back(text);
                }
                reply = build_reply(*msg, string_body(text), {}, ++serial);
            } else if (member == "Silent") {
                continue;
            } else if (member == "Garbage") {
                const std::string junk = "this is not a D-Bus message at all";
                (void)write_all(server_.get(), {reinterpret_cast<const std::byte *>(junk.data()), junk.size()});
                continue;
            } else if (member == "Hangup") {
                server_.reset();
                return;
            } else {
                reply = build_error(*msg, "org.freedesktop.DBus.Error.UnknownMethod", "no such method", {}, ++serial);
            }
            if (!write_all(server_.get(), reply)) {
                return;
            }
        }
    }
}

} // namespace afbus::testing
