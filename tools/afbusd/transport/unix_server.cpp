// SPDX-License-Identifier: LGPL-2.1-or-later
#include "unix_server.hpp"

#include "../log.hpp"

#include <afbus/dbus/address.hpp>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <span>

namespace afbusd::transport {

namespace dbus = afbus::dbus;

UnixServer::UnixServer(EventLoop &loop, bus::LinkEvents &events, Limits limits, std::string guid)
    : loop_{&loop}, events_{&events}, limits_{limits}, guid_{std::move(guid)},
      auth_timer_{loop, [this] {
                      const auto now = std::chrono::steady_clock::now();
                      for (const auto &c : conns_) {
                          c->check_auth_deadline(now);
                      }
                  }}
{
}

UnixServer::~UnixServer()
{
    conns_.clear();
    if (listener_.valid()) {
        loop_->remove(listener_.get());
    }
    if (!unlink_path_.empty()) {
        ::unlink(unlink_path_.c_str());
    }
}

std::expected<std::string, std::string> UnixServer::listen(std::string_view address)
{
    const auto list = dbus::parse_address(address);
    if (!list || list->empty()) {
        return std::unexpected{"cannot parse address \"" + std::string{address} + "\""};
    }
    std::expected<dbus::ConnectTarget, dbus::Errc> target = std::unexpected{dbus::Errc::bad_address};
    for (const dbus::Address &a : *list) {
        target = dbus::connect_target(a);
        if (target && target->kind != dbus::ConnectTarget::Kind::afbus_path) {
            break;
        }
    }
    if (!target || target->kind == dbus::ConnectTarget::Kind::afbus_path) {
        return std::unexpected{"no unix:path= or unix:abstract= entry in \"" + std::string{address} +
                               "\" (afbus: addresses are served by the AF_BUS master)"};
    }
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    const bool abstract = target->kind == dbus::ConnectTarget::Kind::unix_abstract;
    const std::size_t offset = abstract ? 1 : 0; // abstract: a leading NUL
    if (target->path.empty() || target->path.size() + offset >= sizeof(sun.sun_path)) {
        return std::unexpected{"socket path empty or too long: " + target->path};
    }
    std::ranges::copy(target->path, std::span{sun.sun_path}.subspan(offset).begin());
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + offset + target->path.size() +
                                            (abstract ? 0 : 1));

    listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!listener_.valid()) {
        return std::unexpected{std::string{"socket: "} + errno_text(errno)};
    }
    if (::bind(listener_.get(), reinterpret_cast<const sockaddr *>(&sun), len) != 0) {
        return std::unexpected{"bind " + target->path + ": " + errno_text(errno)};
    }
    if (!abstract) {
        unlink_path_ = target->path;
    }
    if (::listen(listener_.get(), SOMAXCONN) != 0) {
        return std::unexpected{std::string{"listen: "} + errno_text(errno)};
    }
    if (const int e = loop_->add(listener_.get(), EPOLLIN, *this); e != 0) {
        return std::unexpected{std::string{"epoll: "} + errno_text(-e)};
    }
    // Checked a few times per timeout, so a silent client goes within
    // about 1.25 timeouts.
    if (const int e = auth_timer_.start(std::max(limits_.auth_timeout / 4, std::chrono::milliseconds{10})); e != 0) {
        return std::unexpected{std::string{"timerfd: "} + errno_text(-e)};
    }
    return std::string{abstract ? "unix:abstract=" : "unix:path="} + dbus::escape_address_value(target->path) +
           ",guid=" + guid_;
}

void UnixServer::handle(std::uint32_t /*events*/)
{
    for (;;) {
        UniqueFd fd{::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK)};
        if (!fd.valid()) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            if (errno != EAGAIN) {
                log(LogLevel::warning, "accept: ", errno_text(errno));
            }
            return;
        }
        const auto incomplete = static_cast<std::size_t>(std::ranges::count_if(
            conns_, [](const auto &c) { return !c->closed() && !c->authenticated(); }));
        if (conns_.size() >= limits_.max_connections || incomplete >= limits_.max_incomplete_connections) {
            log(LogLevel::warning, "too many connections; refusing one");
            continue;
        }
        auto conn = std::make_unique<UnixConnection>(*loop_, *events_, std::move(fd), limits_, guid_);
        if (const int e = conn->start(); e != 0) {
            log(LogLevel::warning, "cannot serve a connection: ", errno_text(-e));
            continue;
        }
        conns_.push_back(std::move(conn));
    }
}

void UnixServer::reap()
{
    for (const auto &c : conns_) {
        if (c->closed()) {
            c->retire();
        }
    }
    std::erase_if(conns_, [](const auto &c) { return c->closed(); });
}

} // namespace afbusd::transport
