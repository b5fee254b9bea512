// SPDX-License-Identifier: LGPL-2.1-or-later
#include "service.hpp"

#include "wire_util.hpp"

#include <unistd.h>

#include <chrono>

using namespace std::chrono_literals;

namespace afbus::testing {

Service::Service(std::unique_ptr<Connection> conn) : conn_{std::move(conn)}
{
    conn_->set_method_handler([this](IncomingMessage &msg) { handle(msg); });
}

Service::~Service()
{
    stop();
}

void Service::run_in_thread()
{
    thread_ = std::thread{[this] {
        while (!stop_.load() && conn_->connected()) {
            (void)conn_->wait_and_dispatch(20ms);
        }
    }};
}

void Service::stop()
{
    stop_ = true;
    if (thread_.joinable()) {
        thread_.join();
    }
}

void Service::handle(IncomingMessage &msg)
{
    ++calls_;
    const std::string_view member = msg.header().member;
    if (member == "Echo") {
        ++echo_calls_;
        (void)conn_->reply(msg, string_body(first_string(msg.message())));
    } else if (member == "Fail") {
        (void)conn_->reply_error(msg, "org.afbus.Error.Failed", "failed on purpose");
    } else if (member == "Silent") {
        // no reply
    } else if (member == "WriteFd") {
        auto r = msg.reader();
        auto index = r.get_unix_fd();
        const int fd = index ? msg.take_fd(*index) : -1;
        if (fd < 0) {
            (void)conn_->reply_error(msg, "org.afbus.Error.NoFd", "no fd");
            return;
        }
        const bool ok = ::write(fd, "written", 7) == 7;
        ::close(fd);
        (void)conn_->reply(msg, string_body(ok ? "ok" : "write failed"));
    } else if (member == "Emit") {
        const std::string arg = first_string(msg.message());
        const dbus::Header h{.type = dbus::MessageType::signal,
                       .serial = 1,
                       .path = "/org/afbus/Test",
                       .interface = "org.afbus.Test",
                       .member = "Ping"};
        (void)conn_->send(h, string_body(arg));
        (void)conn_->reply(msg, dbus::Writer{});
    } else {
        (void)conn_->reply_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "unknown");
    }
}

} // namespace afbus::testing
