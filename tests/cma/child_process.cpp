// SPDX-License-Identifier: LGPL-2.1-or-later
#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <utility>

namespace cma::test {

Link::Link(Link &&other) noexcept
        : read_fd_{std::exchange(other.read_fd_, -1)}, write_fd_{std::exchange(other.write_fd_, -1)}
{
}

Link &Link::operator=(Link &&other) noexcept
{
    if (this != &other) {
        close_fds();
        read_fd_ = std::exchange(other.read_fd_, -1);
        write_fd_ = std::exchange(other.write_fd_, -1);
    }
    return *this;
}

Link::~Link()
{
    close_fds();
}

void Link::close_fds() noexcept
{
    if (read_fd_ >= 0) {
        ::close(read_fd_);
    }
    if (write_fd_ >= 0) {
        ::close(write_fd_);
    }
    read_fd_ = -1;
    write_fd_ = -1;
}

bool Link::send(std::uint64_t value) const noexcept
{
    ssize_t ret = 0;
    do {
        ret = ::write(write_fd_, &value, sizeof(value));
    } while (ret < 0 && errno == EINTR);
    return ret == sizeof(value);
}

std::optional<std::uint64_t> Link::receive(std::chrono::milliseconds timeout) const noexcept
{
    pollfd pfd{.fd = read_fd_, .events = POLLIN, .revents = 0};
    int ready = 0;
    do {
        ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    } while (ready < 0 && errno == EINTR);
    if (ready <= 0) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    ssize_t ret = 0;
    do {
        ret = ::read(read_fd_, &value, sizeof(value));
    } while (ret < 0 && errno == EINTR);
    if (ret != sizeof(value)) {
        return std::nullopt;
    }
    return value;
}

Child Child::spawn(const Body &body)
{
    std::array<int, 2> to_child{-1, -1};
    std::array<int, 2> to_parent{-1, -1};
    if (::pipe2(to_child.data(), O_CLOEXEC) < 0) {
        return Child{-1, Link{}};
    }
    if (::pipe2(to_parent.data(), O_CLOEXEC) < 0) {
        const Link discard{to_child[0], to_child[1]}; // closes both ends
        return Child{-1, Link{}};
    }

    const pid_t parent = ::getpid();
    (void)std::fflush(nullptr); // or the child's exit could flush the parent's buffers twice
    const pid_t pid = ::fork();
    if (pid == 0) {
        // The child: never returns into the test framework.
        ::close(to_child[1]);
        ::close(to_parent[0]);
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || ::getppid() != parent) {
            ::_exit(125);
        }
        int status = 126;
        try {
            const Link link{to_child[0], to_parent[1]};
            status = body(link);
        } catch (...) {
            status = 126;
        }
        ::_exit(status);
    }

    ::close(to_child[0]);
    ::close(to_parent[1]);
    Link link{to_parent[0], to_child[1]};
    return Child{pid, std::move(link)};
}

Child::Child(Child &&other) noexcept
        : pid_{std::exchange(other.pid_, -1)}, reaped_{other.reaped_}, link_{std::move(other.link_)}
{
}

Child::~Child()
{
    if (pid_ > 0 && !reaped_) {
        ::kill(pid_, SIGKILL);
        wait();
    }
}

int Child::wait() noexcept
{
    if (pid_ <= 0 || reaped_) {
        return -1;
    }
    int status = 0;
    pid_t ret = 0;
    do {
        ret = ::waitpid(pid_, &status, 0);
    } while (ret < 0 && errno == EINTR);
    if (ret != pid_) {
        return -1;
    }
    reaped_ = true;
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

bool Child::wait_zombie() const noexcept
{
    siginfo_t info{};
    int ret = 0;
    do {
        ret = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT);
    } while (ret < 0 && errno == EINTR);
    return ret == 0;
}

Child spawn_waiting_child()
{
    return Child::spawn([](const Link &parent) { return parent.receive() ? 0 : 1; });
}

int pidfd_of(pid_t pid) noexcept
{
    // Not glibc's pidfd_open(): Debian 12's <sys/pidfd.h> lacks extern "C".
    const long fd = ::syscall(SYS_pidfd_open, pid, 0);
    return fd < 0 ? -errno : static_cast<int>(fd);
}

} // namespace cma::test
