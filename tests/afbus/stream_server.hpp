// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A scripted D-Bus server on one end of an AF_UNIX stream socketpair, in a
// thread of its own, for the seam tests: SASL EXTERNAL through lib/dbus's
// SaslServer, then Hello (":1.1"), Echo (replies with its string argument),
// Silent (no reply), Garbage (answers with bytes that are no message),
// Hangup (closes), and anything else gets UnknownMethod. It uses the real
// system calls; only the client goes through the fake seam.
#ifndef TESTS_AFBUS_STREAM_SERVER_HPP
#define TESTS_AFBUS_STREAM_SERVER_HPP

#include <afbus/fd.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace afbus::testing {

class StreamServer {
public:
    struct Options {
        std::uint32_t accept_uid = 0; // the uid SASL EXTERNAL accepts
        bool unix_fds = true;
    };

    // Returns the client's end of the socketpair through client_fd().
    explicit StreamServer(Options options);
    StreamServer(const StreamServer &) = delete;
    StreamServer &operator=(const StreamServer &) = delete;
    StreamServer(StreamServer &&) = delete;
    StreamServer &operator=(StreamServer &&) = delete;
    // Stops the thread (closing the server's end) and joins it.
    ~StreamServer();

    // The client's end; take it once.
    Fd take_client() { return std::move(client_); }
    // Method calls served so far (Hello included).
    [[nodiscard]] int calls() const noexcept { return calls_.load(); }
    // The arguments of the Echo calls answered so far, in order.
    [[nodiscard]] std::vector<std::string> echoed() const
    {
        const std::scoped_lock lock{mutex_};
        return echoed_;
    }

private:
    void run(Options options);

    Fd client_;
    Fd server_;
    std::array<int, 2> stop_pipe_{-1, -1};
    std::atomic<int> calls_{0};
    mutable std::mutex mutex_;
    std::vector<std::string> echoed_; // under mutex_
    std::thread thread_;
};

} // namespace afbus::testing

#endif // TESTS_AFBUS_STREAM_SERVER_HPP
