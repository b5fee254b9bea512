// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Real peer processes for CMA tests. Child::spawn() forks, so the child shares
// the test's address layout: a buffer allocated before the fork is at the
// same address on both sides, and the parent can name it as remote memory.
//
// Nothing outlives a test: the child gets PR_SET_PDEATHSIG(SIGKILL), receive()
// times out, and ~Child() kills and reaps a child that is still there.
#ifndef CMA_TESTS_CHILD_PROCESS_HPP
#define CMA_TESTS_CHILD_PROCESS_HPP

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

namespace cma::test {

// One end of the pair of pipes between a test and its child.
class Link {
public:
    Link() noexcept = default;
    Link(int read_fd, int write_fd) noexcept : read_fd_{read_fd}, write_fd_{write_fd} {}
    Link(Link &&other) noexcept;
    Link &operator=(Link &&other) noexcept;
    Link(const Link &) = delete;
    Link &operator=(const Link &) = delete;
    ~Link();

    [[nodiscard]] bool send(std::uint64_t value) const noexcept;

    // The next value, or nullopt on end of file, error or timeout.
    [[nodiscard]] std::optional<std::uint64_t> receive(
            std::chrono::milliseconds timeout = std::chrono::seconds{120}) const noexcept;

private:
    void close_fds() noexcept;

    int read_fd_ = -1;
    int write_fd_ = -1;
};

class Child {
public:
    // What the child runs; its return value is the exit status.
    using Body = std::function<int(const Link &to_parent)>;

    // Forks a child running @body. pid() is -1 if fork failed.
    static Child spawn(const Body &body);

    Child(Child &&other) noexcept;
    Child &operator=(Child &&) = delete;
    Child(const Child &) = delete;
    Child &operator=(const Child &) = delete;
    ~Child();

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    [[nodiscard]] const Link &link() const noexcept { return link_; }

    // Waits for the child to exit and reaps it: its exit status, or 128 plus
    // the number of the signal that killed it, or -1 on error.
    int wait() noexcept;

    // Waits for the child to exit but leaves it a zombie.
    [[nodiscard]] bool wait_zombie() const noexcept;

private:
    Child(pid_t pid, Link link) noexcept : pid_{pid}, link_{std::move(link)} {}

    pid_t pid_ = -1;
    bool reaped_ = false;
    Link link_;
};

// pidfd_open(2): a pidfd for @pid (close-on-exec), or -errno.
int pidfd_of(pid_t pid) noexcept;

// A child that exits with status 0 once the test sends it a word.
Child spawn_waiting_child();

} // namespace cma::test

#endif // CMA_TESTS_CHILD_PROCESS_HPP
