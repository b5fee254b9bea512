// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dbus_daemon.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <filesystem>
#include <fstream>

extern char **environ; // NOLINT(readability-redundant-declaration): POSIX, for posix_spawnp

namespace afbus::testing {
namespace {

constexpr int start_timeout_ms = 10000;

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
        std::ofstream f{config};
        f << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n"
             " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
             "<busconfig>\n"
             "  <type>session</type>\n"
             "  <listen>unix:path=" << dir_ << "/bus</listen>\n"
             "  <auth>EXTERNAL</auth>\n"
             "  <policy context=\"default\">\n"
             "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
             "    <allow eavesdrop=\"true\"/>\n"
             "    <allow own=\"*\"/>\n"
             "  </policy>\n"
             "</busconfig>\n";
    }
    std::array<int, 2> out{-1, -1};
    if (::pipe2(out.data(), O_CLOEXEC) != 0) {
        error_ = "pipe2 failed";
        return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    const std::string config_arg = "--config-file=" + config;
    std::array<char *, 6> argv{const_cast<char *>("dbus-daemon"), const_cast<char *>(config_arg.c_str()),
                               const_cast<char *>("--nofork"), const_cast<char *>("--print-address=1"),
                               const_cast<char *>("--nopidfile"), nullptr};
    const int ret = ::posix_spawnp(&pid_, "dbus-daemon", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (ret != 0) {
        pid_ = -1;
        ::close(out[0]);
        error_ = "cannot run dbus-daemon";
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
