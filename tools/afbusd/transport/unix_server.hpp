// SPDX-License-Identifier: LGPL-2.1-or-later
//
// UnixServer: the listening AF_UNIX stream socket (unix:path= or
// unix:abstract=) and the connections accepted from it, which it owns and
// frees once closed (from the event loop's idle hook, never while an event
// for them may be pending).
#ifndef AFBUSD_TRANSPORT_UNIX_SERVER_HPP
#define AFBUSD_TRANSPORT_UNIX_SERVER_HPP

#include "../bus/link.hpp"
#include "../unique_fd.hpp"
#include "event_loop.hpp"
#include "limits.hpp"
#include "timer.hpp"
#include "unix_connection.hpp"

#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace afbusd::transport {

class UnixServer final : public Handler {
public:
    UnixServer(EventLoop &loop, bus::LinkEvents &events, Limits limits, std::string guid);
    UnixServer(const UnixServer &) = delete;
    UnixServer &operator=(const UnixServer &) = delete;
    UnixServer(UnixServer &&) = delete;
    UnixServer &operator=(UnixServer &&) = delete;
    ~UnixServer() override;

    // Listens on the D-Bus address @address (the first of a list that is a
    // unix:path= or unix:abstract= entry). Returns the address clients use,
    // with the bus GUID, as dbus-daemon --print-address prints it; or why not.
    std::expected<std::string, std::string> listen(std::string_view address);

    void handle(std::uint32_t events) override;

    // Frees closed connections.
    void reap();

    [[nodiscard]] std::size_t connection_count() const noexcept { return conns_.size(); }

private:
    EventLoop *loop_;
    bus::LinkEvents *events_;
    Limits limits_;
    std::string guid_;
    UniqueFd listener_;
    std::string unlink_path_; // the socket file, removed on shutdown
    std::vector<std::unique_ptr<UnixConnection>> conns_;
    Timer auth_timer_; // closes connections that do not authenticate in time
};

} // namespace afbusd::transport

#endif // AFBUSD_TRANSPORT_UNIX_SERVER_HPP
