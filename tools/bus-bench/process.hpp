// SPDX-License-Identifier: LGPL-2.1-or-later
//
// What bus-bench needs from the system: owned file descriptors, pipes,
// bounded reads and writes, forked roles and spawned daemons, and the one
// error type every failure is reported with.
#ifndef BUS_BENCH_PROCESS_HPP
#define BUS_BENCH_PROCESS_HPP

#include <afbus/fd.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bus_bench {

// Every failure: a bus that does not start, a message that does not arrive,
// a count that is wrong. main() prints it and exits 1.
class Failure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// @what, then strerror(errno).
[[noreturn]] void fail_errno(std::string_view what);

// An owned file descriptor: libafbus's.
using Fd = afbus::Fd;

struct Pipe {
    Fd read;
    Fd write;
    static Pipe make(); // O_CLOEXEC
};

// How long any single wait may last before it counts as a failure (a lost
// message, a daemon that never became ready). Set from --timeout.
std::chrono::milliseconds io_timeout() noexcept;
void set_io_timeout(std::chrono::milliseconds t) noexcept;

// Waits until @fd is readable, at most io_timeout() if @bounded; throws on
// timeout.
void wait_readable(int fd, std::string_view what, bool bounded = true);

// Writes all of @data (EINTR retried); throws on error.
void write_all(int fd, const void *data, std::size_t size);

// One read(2) of at most @size bytes into @data, or recv(2) with
// @recv_flags if they are not -1, after waiting until @fd is readable (at
// most io_timeout() if @bounded); EINTR and EAGAIN are retried. Returns the
// size read (which recv's MSG_TRUNC may make larger than @size), 0 at end
// of file; throws on error.
std::size_t read_some(int fd, void *data, std::size_t size, std::string_view what, bool bounded = true,
                      int recv_flags = -1);

// Reads exactly @size bytes, waiting at most io_timeout() for each chunk
// if @bounded. Returns false on end of file before the first byte; throws
// on timeout, error, or end of file in the middle.
bool read_exact(int fd, void *data, std::size_t size, std::string_view what, bool bounded = true);

// Makes every send and receive on the socket @fd fail after io_timeout()
// (a peer that stops reading must not hang a writer).
void bound_socket(int fd);

// Reads one line (without the newline) from @fd, as a daemon prints its
// address when it is ready.
std::string read_line(int fd, std::string_view what);

// Forks a process that runs @body and exits with its result (1 after a
// Failure, which it prints first, prefixed with @name). The child dies
// with its parent (PR_SET_PDEATHSIG).
pid_t fork_role(const std::string &name, const std::function<int()> &body);

// Forks and execs @argv (looked up in PATH) with the descriptors @keep
// (child's number, parent's descriptor) in place; dies with its parent.
pid_t spawn(const std::vector<std::string> &argv, const std::vector<std::pair<int, int>> &keep);

// Waits for @pid (one this process started) and returns its exit status,
// or 128 + signal; after io_timeout() it is killed (SIGKILL) and reaped.
int reap(pid_t pid);

// SIGTERM to @pid (one this process started), then reap().
void terminate(pid_t pid);

// A private directory under $TMPDIR (or /tmp), removed with its contents.
class TempDir {
public:
    TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    TempDir(TempDir &&) = delete;
    TempDir &operator=(TempDir &&) = delete;
    ~TempDir();
    [[nodiscard]] const std::string &path() const noexcept { return path_; }

private:
    std::string path_;
};

} // namespace bus_bench

#endif // BUS_BENCH_PROCESS_HPP
