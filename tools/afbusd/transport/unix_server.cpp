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

namespace afbusd::transport {

namespace dbus = afbus::dbus;

UnixServer::UnixServer(EventLoop &loop, bus::LinkEvents &events, Limits limits, std::string guid)
    : loop_{loop}, events_{events}, limits_{limits}, guid_{std::move(guid)}
{
}

UnixServer::~UnixServer()
{
    conns_.clear();
    if (listener_.valid()) {
        loop_.remove(listener_.get());
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
                               "\" (the AF_BUS transport is not implemented yet)"};
    }
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    const bool abstract = target->kind == dbus::ConnectTarget::Kind::unix_abstract;
    const std::size_t offset = abstract ? 1 : 0; // abstract: a leading NUL
    if (target->path.empty() || target->path.size() + offset >= sizeof(sun.sun_path)) {
        return std::unexpected{"socket path empty or too long: " + target->path};
    }
    std::memcpy(&sun.sun_path[offset], target->path.data(), target->path.size());
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + offset + target->path.size() +
                                            (abstract ? 0 : 1));

    listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!listener_.valid()) {
        return std::unexpected{std::string{"socket: "} + std::strerror(errno)};
    }
    if (::bind(listener_.get(), reinterpret_cast<const sockaddr *>(&sun), len) != 0) {
        return std::unexpected{"bind " + target->path + ": " + std::strerror(errno)};
    }
    if (!abstract) {
        unlink_path_ = target->path;
    }
    if (::listen(listener_.get(), SOMAXCONN) != 0) {
        return std::unexpected{std::string{"listen: "} + std::strerror(errno)};
    }
    if (const int e = loop_.add(listener_.get(), EPOLLIN, *this); e != 0) {
        return std::unexpected{std::string{"epoll: "} + std::strerror(-e)};
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
                log(LogLevel::warning, "accept: ", std::strerror(errno));
            }
            return;
        }
        const auto incomplete = static_cast<std::size_t>(std::ranges::count_if(
            conns_, [](const auto &c) { return !c->closed() && !c->authenticated(); }));
        if (conns_.size() >= limits_.max_connections || incomplete >= limits_.max_incomplete_connections) {
            log(LogLevel::warning, "too many connections; refusing one");
            continue;
        }
        auto conn = std::make_unique<UnixConnection>(loop_, events_, std::move(fd), limits_, guid_);
        if (const int e = conn->start(); e != 0) {
            log(LogLevel::warning, "cannot serve a connection: ", std::strerror(-e));
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
