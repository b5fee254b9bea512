// SPDX-License-Identifier: LGPL-2.1-or-later
//
// SASL for D-Bus: the EXTERNAL mechanism, client and server, as pure state
// machines. They never touch a socket: the caller feeds the bytes it
// received and sends the bytes the machine produced, so the same code
// serves blocking sockets, io_uring event loops and tests.
//
//     SaslClient c{{.uid = getuid(), .negotiate_unix_fd = true}};
//     send(c.output()); c.consume_output(c.output().size());
//     while (c.state() == SaslState::running) {
//         n = recv(buf);
//         auto used = c.feed({buf, n});      // bytes used; the rest (after
//         send(c.output()); ...              // BEGIN) are D-Bus messages
//     }
//
// The client sends the NUL byte and "AUTH EXTERNAL <hex uid>", then, after
// OK, NEGOTIATE_UNIX_FD if asked, then BEGIN. The server expects the NUL
// byte, accepts EXTERNAL when the claimed uid (or none) is the peer's
// credential, answers NEGOTIATE_UNIX_FD, and is done at BEGIN.
#ifndef AFBUS_DBUS_SASL_HPP
#define AFBUS_DBUS_SASL_HPP

#include <afbus/dbus/types.hpp>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace afbus::dbus {

// Longest line either side accepts, CRLF included. A decision where the
// specification is silent: 16 KiB, far above any EXTERNAL exchange.
inline constexpr std::size_t max_sasl_line = 16384;
// Failed AUTH attempts after which the server gives up.
inline constexpr unsigned max_sasl_rejections = 8;

enum class SaslState : std::uint8_t {
    running,       // more lines to exchange
    authenticated, // done: send output(), then D-Bus messages follow
    failed,        // give up: send output(), then close the connection
};

// Splits a byte stream into CRLF-terminated lines, bounded by max_sasl_line.
class SaslLines {
public:
    // Appends bytes from @input until a line is complete; @used receives
    // how many were taken. Returns the line (without CRLF) when complete,
    // an empty optional-like state otherwise: check complete().
    Errc feed(std::string_view input, std::size_t &used);
    [[nodiscard]] bool complete() const noexcept { return complete_; }
    // The complete line, without CRLF; valid until the next feed().
    [[nodiscard]] std::string_view line() const noexcept;
    void next() noexcept;

    // The reading loop both state machines share: from @total on, takes
    // @input a line at a time and hands each to @on_line while @running()
    // holds, so reading stops right after the line that ends the exchange
    // and the bytes that follow stay for the D-Bus stream. A line over
    // max_sasl_line calls @on_overflow and fails with Errc::too_large; an
    // error from @on_line is returned as it is. Otherwise the result is how
    // many bytes of @input were used in all.
    template <class Running, class OnLine, class OnOverflow>
    std::expected<std::size_t, Errc> read(std::string_view input, std::size_t total,
                                          Running running, OnLine on_line,
                                          OnOverflow on_overflow)
    {
        while (running() && total < input.size()) {
            std::size_t used = 0;
            if (const Errc e = feed(input.substr(total), used); e != Errc::ok) {
                on_overflow();
                return std::unexpected{e};
            }
            total += used;
            if (!complete_) {
                break;
            }
            const Errc e = on_line(line());
            next();
            if (e != Errc::ok) {
                return std::unexpected{e};
            }
        }
        return total;
    }

private:
    std::string buffer_;
    bool complete_ = false;
};

class SaslClient {
public:
    struct Options {
        std::uint32_t uid = 0;
        bool negotiate_unix_fd = false;
        // Send the uid with AUTH (the usual form), or wait for the server's
        // DATA challenge and send it then.
        bool initial_response = true;
    };

    explicit SaslClient(Options options);

    // Feeds received bytes. Returns how many were used: after the last line
    // of the exchange it stops, and what follows belongs to the D-Bus stream.
    std::expected<std::size_t, Errc> feed(std::string_view input);

    // Bytes to send to the server, in order.
    [[nodiscard]] std::string_view output() const noexcept { return std::string_view{output_}.substr(sent_); }
    void consume_output(std::size_t n) noexcept;

    [[nodiscard]] SaslState state() const noexcept { return state_; }
    // After success: whether the server agreed to pass unix fds.
    [[nodiscard]] bool unix_fd_agreed() const noexcept { return unix_fd_; }
    // After OK: the server's GUID (32 hex digits).
    [[nodiscard]] std::string_view server_guid() const noexcept { return guid_; }

private:
    enum class Step : std::uint8_t { wait_ok, wait_agree, done };

    Errc on_line(std::string_view line);
    void send_line(std::string_view line);
    void finish(SaslState s) noexcept { state_ = s; step_ = Step::done; }

    Options options_;
    SaslLines lines_;
    std::string output_;
    std::size_t sent_ = 0;
    std::string guid_;
    SaslState state_ = SaslState::running;
    Step step_ = Step::wait_ok;
    bool unix_fd_ = false;
};

class SaslServer {
public:
    struct Options {
        std::uint32_t peer_uid = 0;     // from SO_PEERCRED
        bool unix_fd_supported = false; // the transport passes fds
        std::string guid;               // 32 hex digits, sent with OK
    };

    explicit SaslServer(Options options);

    // Feeds received bytes; as SaslClient::feed(). After BEGIN it stops.
    std::expected<std::size_t, Errc> feed(std::string_view input);

    [[nodiscard]] std::string_view output() const noexcept { return std::string_view{output_}.substr(sent_); }
    void consume_output(std::size_t n) noexcept;

    [[nodiscard]] SaslState state() const noexcept { return state_; }
    [[nodiscard]] bool unix_fd_agreed() const noexcept { return unix_fd_; }

private:
    enum class Step : std::uint8_t { wait_nul, wait_auth, wait_data, wait_begin, done };

    Errc on_line(std::string_view line);
    void on_auth(std::string_view args);
    void check_identity(std::string_view hex_identity);
    void reject();
    void send_line(std::string_view line);
    void finish(SaslState s) noexcept { state_ = s; step_ = Step::done; }

    Options options_;
    SaslLines lines_;
    std::string output_;
    std::size_t sent_ = 0;
    SaslState state_ = SaslState::running;
    Step step_ = Step::wait_nul;
    unsigned rejections_ = 0;
    bool unix_fd_ = false;
};

// Hex encoding of SASL data ("1000" -> "31303030") and its inverse (false
// on odd length or non-hex digits).
std::string sasl_hex_encode(std::string_view raw);
bool sasl_hex_decode(std::string_view hex, std::string &out);

} // namespace afbus::dbus

#endif // AFBUS_DBUS_SASL_HPP
