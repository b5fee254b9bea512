// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dbus_daemon.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>

namespace afbus::testing {
namespace {

constexpr int start_timeout_ms = 10000;
constexpr std::string_view listen_placeholder = "{listen}";

} // namespace

DbusDaemon::DbusDaemon()
{
    std::string tmpl = (std::filesystem::temp_directory_path() / "afbus-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
        error_ = "mkdtemp failed";
        return;
    }
    dir_ = tmpl;
    const std::string config = dir_ + "/session.conf";
    {
        // The one allow-all configuration (tests/data/dbus-daemon.conf),
        // with its {listen} placeholder replaced by our socket.
        std::ifstream in{AFBUS_DBUS_DAEMON_CONFIG};
        std::string text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
        const auto at = text.find(listen_placeholder);
        if (at == std::string::npos) {
            error_ = std::string{"no "} + std::string{listen_placeholder} + " in " + AFBUS_DBUS_DAEMON_CONFIG;
            return;
        }
        text.replace(at, listen_placeholder.size(), "unix:path=" + dir_ + "/bus");
        std::ofstream f{config};
        f << text;
        if (!f.flush()) {
            error_ = "cannot write " + config;
            return;
        }
    }
    std::array<int, 2> out{-1, -1};
    if (::pipe2(out.data(), O_CLOEXEC) != 0) {
        error_ = "pipe2 failed";
        return;
    }
    const std::string config_arg = "--config-file=" + config;
    std::array<char *, 6> argv{const_cast<char *>("dbus-daemon"), const_cast<char *>(config_arg.c_str()),
                               const_cast<char *>("--nofork"), const_cast<char *>("--print-address=1"),
                               const_cast<char *>("--nopidfile"), nullptr};
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
        // Only async-signal-safe calls until exec. The daemon dies with the
        // test process, even if a failed test kills it before the
        // destructor runs (a surviving daemon would hold ctest's pipe).
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent || ::dup2(out[1], STDOUT_FILENO) < 0) {
            ::_exit(127);
        }
        ::execvp("dbus-daemon", argv.data());
        ::_exit(127);
    }
    ::close(out[1]);
    if (pid_ < 0) {
        ::close(out[0]);
        error_ = "cannot fork";
        return;
    }
    std::string line;
    pollfd p{.fd = out[0], .events = POLLIN, .revents = 0};
    while (line.find('\n') == std::string::npos && ::poll(&p, 1, start_timeout_ms) == 1) {
        std::array<char, 256> buf{};
        const ssize_t n = ::read(out[0], buf.data(), buf.size());
        if (n <= 0) {
            break;
        }
        line.append(buf.data(), static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    const auto nl = line.find('\n');
    if (nl == std::string::npos) {
        error_ = "dbus-daemon printed no address";
        return;
    }
    address_ = line.substr(0, nl);
}

DbusDaemon::~DbusDaemon()
{
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    if (!dir_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
}

} // namespace afbus::testing
