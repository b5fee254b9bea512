// SPDX-License-Identifier: LGPL-2.1-or-later
//
// SaslClient: AUTH EXTERNAL, optional NEGOTIATE_UNIX_FD, BEGIN.
#include <afbus/dbus/sasl.hpp>

#include <string>

namespace afbus::dbus {

SaslClient::SaslClient(Options options) : options_{options}
{
    // The credentials byte: on AF_UNIX the kernel attaches SCM_CREDENTIALS
    // to it for servers that ask; it is always NUL.
    output_.push_back('\0');
    std::string auth = "AUTH EXTERNAL";
    if (options_.initial_response) {
        auth += ' ';
        auth += sasl_hex_encode(std::to_string(options_.uid));
    }
    send_line(auth);
}

void SaslClient::send_line(std::string_view line)
{
    output_.append(line).append("\r\n");
}

void SaslClient::consume_output(std::size_t n) noexcept
{
    sent_ = std::min(sent_ + n, output_.size());
    if (sent_ == output_.size()) {
        output_.clear();
        sent_ = 0;
    }
}

Errc SaslClient::on_line(std::string_view line)
{
    const std::size_t space = line.find(' ');
    const std::string_view command = line.substr(0, space);
    const std::string_view args = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);

    if (step_ == Step::wait_ok) {
        if (command == "OK") {
            guid_ = args;
            if (options_.negotiate_unix_fd) {
                send_line("NEGOTIATE_UNIX_FD");
                step_ = Step::wait_agree;
                return Errc::ok;
            }
            send_line("BEGIN");
            finish(SaslState::authenticated);
            return Errc::ok;
        }
        if (command == "DATA") {
            // The server asks for the identity we did not send with AUTH.
            send_line("DATA " + sasl_hex_encode(std::to_string(options_.uid)));
            return Errc::ok;
        }
        if (command == "ERROR") {
            // Per the specification, CANCEL after an ERROR in this state;
            // the server answers REJECTED, which ends the exchange below.
            send_line("CANCEL");
            return Errc::ok;
        }
        // REJECTED (EXTERNAL is all we have) or anything unexpected.
        finish(SaslState::failed);
        return Errc::ok;
    }
    // wait_agree: ERROR means the server cannot pass fds; carry on without.
    if (command == "AGREE_UNIX_FD" || command == "ERROR") {
        unix_fd_ = command == "AGREE_UNIX_FD";
        send_line("BEGIN");
        finish(SaslState::authenticated);
        return Errc::ok;
    }
    finish(SaslState::failed);
    return Errc::ok;
}

std::expected<std::size_t, Errc> SaslClient::feed(std::string_view input)
{
    return lines_.read(
        input, 0, [this] { return state_ == SaslState::running; },
        [this](std::string_view line) { return on_line(line); },
        [this] { finish(SaslState::failed); });
}

} // namespace afbus::dbus
