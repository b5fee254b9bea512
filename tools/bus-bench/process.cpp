// SPDX-License-Identifier: LGPL-2.1-or-later
#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <exception>
#include <filesystem>

namespace bus_bench {
namespace {

std::atomic<long long> timeout_ms{10000};

int poll_ms()
{
    return static_cast<int>(timeout_ms.load(std::memory_order_relaxed));
}

// In a freshly forked child: die with the parent, so nothing outlives a
// run that failed or was interrupted.
void die_with_parent()
{
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
        ::_exit(127);
    }
    // The parent may have gone between fork() and prctl().
    if (::getppid() == 1) {
        ::_exit(127);
    }
}

// fork(), with nothing buffered for stdio twice; the child (0 returned)
// dies with its parent.
pid_t fork_child()
{
    (void)std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
        fail_errno("fork");
    }
    if (pid == 0) {
        die_with_parent();
    }
    return pid;
}

} // namespace

void fail_errno(std::string_view what)
{
    throw Failure{std::string{what} + ": " + std::generic_category().message(errno)};
}

Pipe Pipe::make()
{
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
        fail_errno("pipe2");
    }
    return Pipe{Fd{fds[0]}, Fd{fds[1]}};
}

std::chrono::milliseconds io_timeout() noexcept
{
    return std::chrono::milliseconds{timeout_ms.load(std::memory_order_relaxed)};
}

void set_io_timeout(std::chrono::milliseconds t) noexcept
{
    timeout_ms.store(t.count(), std::memory_order_relaxed);
}

void wait_readable(int fd, std::string_view what, bool bounded)
{
    pollfd p{fd, POLLIN, 0};
    for (;;) {
        const int r = ::poll(&p, 1, bounded ? poll_ms() : -1);
        if (r > 0) {
            return;
        }
        if (r == 0) {
            throw Failure{std::string{what} + ": nothing after " + std::to_string(poll_ms()) + " ms"};
        }
        if (errno != EINTR) {
            fail_errno(what);
        }
    }
}

void write_all(int fd, const void *data, std::size_t size)
{
    const auto *p = static_cast<const char *>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd, p, size);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail_errno(errno == EAGAIN ? "write: the peer stopped reading" : "write");
        }
        p += n;
        size -= static_cast<std::size_t>(n);
    }
}

std::size_t read_some(int fd, void *data, std::size_t size, std::string_view what, bool bounded, int recv_flags)
{
    for (;;) {
        wait_readable(fd, what, bounded);
        const ssize_t n = recv_flags < 0 ? ::read(fd, data, size) : ::recv(fd, data, size, recv_flags);
        if (n >= 0) {
            return static_cast<std::size_t>(n);
        }
        if (errno != EINTR && errno != EAGAIN) {
            fail_errno(what);
        }
    }
}

bool read_exact(int fd, void *data, std::size_t size, std::string_view what, bool bounded)
{
    auto *p = static_cast<char *>(data);
    std::size_t got = 0;
    while (got < size) {
        const std::size_t n = read_some(fd, p + got, size - got, what, bounded);
        if (n == 0) {
            if (got == 0) {
                return false;
            }
            throw Failure{std::string{what} + ": end of file after " + std::to_string(got) + " of " +
                          std::to_string(size) + " bytes"};
        }
        got += n;
    }
    return true;
}

std::string read_line(int fd, std::string_view what)
{
    std::string line;
    char c = 0;
    while (read_exact(fd, &c, 1, what)) {
        if (c == '\n') {
            return line;
        }
        line += c;
    }
    throw Failure{std::string{what} + ": closed before printing a line"};
}

void bound_socket(int fd)
{
    const auto ms = io_timeout().count();
    const timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>(ms % 1000 * 1000)};
    if (::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0 ||
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) {
        fail_errno("setsockopt");
    }
}

pid_t fork_role(const std::string &name, const std::function<int()> &body)
{
    const pid_t pid = fork_child();
    if (pid > 0) {
        return pid;
    }
    int status = 1;
    try {
        status = body();
    } catch (const std::exception &e) {
        (void)std::fprintf(stderr, "bus-bench: %s: %s\n", name.c_str(), e.what());
    }
    (void)std::fflush(nullptr);
    ::_exit(status);
}

pid_t spawn(const std::vector<std::string> &argv, const std::vector<std::pair<int, int>> &keep)
{
    std::vector<char *> args;
    args.reserve(argv.size() + 1);
    for (const std::string &a : argv) {
        args.push_back(const_cast<char *>(a.c_str()));
    }
    args.push_back(nullptr);
    const pid_t pid = fork_child();
    if (pid > 0) {
        return pid;
    }
    // Two passes, so that a target number that is also a source is moved
    // out of the way first: dup everything above the targets, then place.
    std::vector<int> staged;
    staged.reserve(keep.size());
    for (const auto &k : keep) {
        staged.push_back(::fcntl(k.second, F_DUPFD_CLOEXEC, 64));
    }
    for (std::size_t i = 0; i < keep.size(); ++i) {
        if (staged[i] < 0 || ::dup2(staged[i], keep[i].first) < 0) {
            ::_exit(127);
        }
    }
    // bus-bench ignores SIGPIPE; the daemon starts with the default.
    (void)std::signal(SIGPIPE, SIG_DFL);
    ::execvp(args[0], args.data());
    (void)std::fprintf(stderr, "bus-bench: cannot run %s: %s\n", args[0],
                       std::generic_category().message(errno).c_str());
    ::_exit(127);
}

int reap(pid_t pid)
{
    // A pidfd makes the wait bounded without polling in a loop.
    const Fd pidfd{static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))};
    if (pidfd.valid()) {
        pollfd p{pidfd.get(), POLLIN, 0};
        int r = 0;
        while ((r = ::poll(&p, 1, poll_ms())) < 0 && errno == EINTR) {
        }
        if (r == 0) {
            (void)std::fprintf(stderr, "bus-bench: process %d did not exit; killed\n", static_cast<int>(pid));
            ::kill(pid, SIGKILL);
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            fail_errno("waitpid");
        }
    }
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    return 128 + WTERMSIG(status);
}

void terminate(pid_t pid)
{
    ::kill(pid, SIGTERM);
    (void)reap(pid);
}

TempDir::TempDir()
{
    const char *base = std::getenv("TMPDIR"); // NOLINT(concurrency-mt-unsafe): before any thread
    std::string templ = std::string{base != nullptr && *base != '\0' ? base : "/tmp"} + "/bus-bench.XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) {
        fail_errno("mkdtemp " + templ);
    }
    path_ = templ;
}

TempDir::~TempDir()
{
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

} // namespace bus_bench
