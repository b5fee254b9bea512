// SPDX-License-Identifier: LGPL-2.1-or-later
//
// UnixConnection: one client on the AF_UNIX stream socket. It runs SASL
// EXTERNAL (lib/dbus SaslServer, uid from SO_PEERCRED) and
// NEGOTIATE_UNIX_FD, then frames the byte stream into messages, receives
// and sends fds with SCM_RIGHTS, and keeps a bounded outgoing queue. The
// first message a batch of events routes to it is written at once (no
// delay for a lone message); what follows in the same batch is written at
// its end (EventLoop::defer()), in one sendmsg(). It knows nothing of names
// or routing: it is the bus's Link.
#ifndef AFBUSD_TRANSPORT_UNIX_CONNECTION_HPP
#define AFBUSD_TRANSPORT_UNIX_CONNECTION_HPP

#include "../bus/link.hpp"
#include "../unique_fd.hpp"
#include "event_loop.hpp"
#include "limits.hpp"

#include <afbus/dbus/sasl.hpp>

#include <sys/uio.h>

#include <chrono>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace afbusd::transport {

class UnixConnection final : public Handler, public Deferred, public bus::Link {
public:
    UnixConnection(EventLoop &loop, bus::LinkEvents &events, UniqueFd fd, const Limits &limits,
                   std::string_view guid);
    UnixConnection(const UnixConnection &) = delete;
    UnixConnection &operator=(const UnixConnection &) = delete;
    UnixConnection(UnixConnection &&) = delete;
    UnixConnection &operator=(UnixConnection &&) = delete;
    ~UnixConnection() override;

    // Reads the peer's credentials and starts watching the socket; -errno.
    [[nodiscard]] int start();

    // Before the connection is freed: if it closed without the bus knowing
    // (a socket error outside a read), tell the bus now.
    void retire();

    [[nodiscard]] bool closed() const noexcept { return !fd_.valid(); }
    [[nodiscard]] bool authenticated() const noexcept { return authenticated_; }
    // Closes the connection if it is still authenticating after the
    // limit's auth_timeout at @now.
    void check_auth_deadline(std::chrono::steady_clock::time_point now);

    bool send(bus::OutMessage m) override;
    [[nodiscard]] bool unix_fds() const noexcept override { return sasl_.unix_fd_agreed(); }
    [[nodiscard]] const bus::Credentials &credentials() const noexcept override { return creds_; }
    void close() noexcept override;

    void handle(std::uint32_t events) override;
    // Writes what send() queued during the batch of events.
    void run_deferred() override;

private:
    struct Pending {
        bus::OutMessage msg;
        std::size_t offset = 0; // bytes already written
    };

    bool receive();
    bool authenticate();
    bool dispatch_messages();
    void flush();
    void watch_output(bool on);
    // The peer broke the protocol or the socket failed: tell the bus, close.
    void fail(std::string_view why);
    void shutdown() noexcept;
    std::size_t gather(std::vector<iovec> &iov) const;
    void advance(std::size_t written);

    EventLoop *loop_;
    bus::LinkEvents *events_;
    UniqueFd fd_;
    const Limits *limits_;
    bus::Credentials creds_; // before sasl_, which is built from it
    afbus::dbus::SaslServer sasl_;
    bus::PeerId peer_ = 0;
    std::chrono::steady_clock::time_point accepted_ = std::chrono::steady_clock::now();
    bool authenticated_ = false;
    bool watching_output_ = false;
    bool write_failed_ = false; // the peer stopped reading for good
    bool flush_deferred_ = false; // run_deferred() is due at the end of the batch
    std::uint64_t written_in_batch_ = ~std::uint64_t{0}; // the batch that wrote at once
    bool bus_knows_ = false; // the bus closed the link or was told it closed

    std::vector<std::byte> in_;  // received, not yet dispatched: in_[in_start_..]
    std::size_t in_start_ = 0;
    std::deque<UniqueFd> fds_in_; // received fds not yet given to a message
    std::deque<Pending> out_;
    std::size_t out_bytes_ = 0;
};

} // namespace afbusd::transport

#endif // AFBUSD_TRANSPORT_UNIX_CONNECTION_HPP
