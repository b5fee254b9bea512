// SPDX-License-Identifier: LGPL-2.1-or-later
//
// SaslServer: the server side of EXTERNAL, as dbus-daemon answers it.
#include <afbus/dbus/sasl.hpp>

#include <charconv>
#include <string>

namespace afbus::dbus {

SaslServer::SaslServer(Options options) : options_{std::move(options)} {}

void SaslServer::send_line(std::string_view line)
{
    output_.append(line).append("\r\n");
}

void SaslServer::consume_output(std::size_t n) noexcept
{
    sent_ = std::min(sent_ + n, output_.size());
    if (sent_ == output_.size()) {
        output_.clear();
        sent_ = 0;
    }
}

void SaslServer::reject()
{
    send_line("REJECTED EXTERNAL");
    step_ = Step::wait_auth;
    if (++rejections_ >= max_sasl_rejections) {
        finish(SaslState::failed);
    }
}

// @hex_identity: the hex-encoded decimal uid the client claims, or empty
// (then the peer's credentials are the identity).
void SaslServer::check_identity(std::string_view hex_identity)
{
    std::string claimed;
    if (!sasl_hex_decode(hex_identity, claimed)) {
        reject();
        return;
    }
    if (!claimed.empty()) {
        std::uint32_t uid = 0;
        const auto [end, ec] = std::from_chars(claimed.data(), claimed.data() + claimed.size(), uid);
        if (ec != std::errc{} || end != claimed.data() + claimed.size() || uid != options_.peer_uid) {
            reject();
            return;
        }
    }
    send_line("OK " + options_.guid);
    step_ = Step::wait_begin;
}

void SaslServer::on_auth(std::string_view args)
{
    const std::size_t space = args.find(' ');
    const std::string_view mechanism = args.substr(0, space);
    if (mechanism != "EXTERNAL") {
        reject(); // also "AUTH" alone: the answer lists the mechanisms
        return;
    }
    if (space == std::string_view::npos) {
        send_line("DATA");
        step_ = Step::wait_data;
        return;
    }
    check_identity(args.substr(space + 1));
}

Errc SaslServer::on_line(std::string_view line)
{
    const std::size_t space = line.find(' ');
    const std::string_view command = line.substr(0, space);
    const std::string_view args = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);

    if (command == "AUTH" && step_ == Step::wait_auth) {
        on_auth(args);
    } else if (command == "DATA" && step_ == Step::wait_data) {
        check_identity(args);
    } else if (command == "CANCEL" || command == "ERROR") {
        if (step_ == Step::wait_begin) {
            // After OK, the client may still cancel: start over.
            unix_fd_ = false;
        }
        reject();
    } else if (command == "NEGOTIATE_UNIX_FD" && step_ == Step::wait_begin) {
        unix_fd_ = options_.unix_fd_supported;
        send_line(unix_fd_ ? "AGREE_UNIX_FD" : "ERROR \"fd passing not supported\"");
    } else if (command == "BEGIN" && step_ == Step::wait_begin) {
        finish(SaslState::authenticated);
    } else if (command == "BEGIN") {
        // BEGIN before authentication: dbus-daemon drops the client.
        finish(SaslState::failed);
    } else {
        send_line("ERROR \"unknown or unexpected command\"");
    }
    return Errc::ok;
}

std::expected<std::size_t, Errc> SaslServer::feed(std::string_view input)
{
    std::size_t total = 0;
    if (step_ == Step::wait_nul && !input.empty()) {
        if (input[0] != '\0') {
            finish(SaslState::failed);
            return std::unexpected{Errc::bad_state};
        }
        step_ = Step::wait_auth;
        total = 1;
    }
    return lines_.read(
        input, total, [this] { return state_ == SaslState::running; },
        [this](std::string_view line) { return on_line(line); },
        [this] { finish(SaslState::failed); });
}

} // namespace afbus::dbus
