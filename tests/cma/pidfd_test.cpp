// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Handles opened from a pidfd: against real children on the running kernel
// (whichever way it addresses them), and against a scripted kernel with and
// without PROCESS_VM_PIDFD.
#include <cma/cma.h>

#include "child_process.hpp"
#include "fake_syscalls.hpp"
#include "iov_testing.hpp"
#include "peer.hpp"
#include "process.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cma::test {
namespace {

constexpr std::uint64_t kSalt = 0x91dfd;

// A pidfd, closed at the end of the scope.
class Pidfd {
public:
    explicit Pidfd(pid_t pid) noexcept : fd_{pidfd_of(pid)} {}
    Pidfd(const Pidfd &) = delete;
    Pidfd &operator=(const Pidfd &) = delete;
    Pidfd(Pidfd &&) = delete;
    Pidfd &operator=(Pidfd &&) = delete;
    ~Pidfd() { close(); }

    [[nodiscard]] int fd() const noexcept { return fd_; }
    void close() noexcept
    {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = -1;
    }

private:
    int fd_;
};

// A child that waits for a word from the test, a pidfd for it, and a
// handle opened from the pidfd.
struct PidfdChild {
    PidfdChild() noexcept
    {
        if (pidfd.fd() >= 0 && cma_process_open_pidfd(pidfd.fd(), 0, &proc) < 0) {
            proc = nullptr;
        }
    }
    PidfdChild(const PidfdChild &) = delete;
    PidfdChild &operator=(const PidfdChild &) = delete;
    PidfdChild(PidfdChild &&) = delete;
    PidfdChild &operator=(PidfdChild &&) = delete;
    ~PidfdChild() { cma_process_close(proc); }

    Child child = spawn_waiting_child();
    Pidfd pidfd{child.pid()};
    cma_process *proc = nullptr;
};

TEST(RealPidfd, TransfersThroughAPidfdHandle)
{
    std::vector<std::byte> remote(100'000);
    std::vector<std::byte> inbox(5000);
    Peer peer{[&] { fill_pattern(remote, kSalt); },
              [&] { return find_pattern_mismatch(inbox, kSalt + 1) == inbox.size() ? 0 : 1; }};
    ASSERT_TRUE(peer.started());
    Pidfd pidfd{peer.pid()};
    ASSERT_GE(pidfd.fd(), 0) << "pidfd_open: " << -pidfd.fd();
    cma_process *proc = nullptr;
    ASSERT_EQ(cma_process_open_pidfd(pidfd.fd(), 0, &proc), 0);
    // The handle has its own descriptor: the caller's may go at once.
    pidfd.close();
    EXPECT_EQ(cma_process_pid(proc), peer.pid());

    std::vector<std::byte> local(remote.size());
    EXPECT_EQ(cma_read(proc, local.data(), remote.data(), local.size(), 0), static_cast<ssize_t>(local.size()));
    EXPECT_EQ(find_pattern_mismatch(local, kSalt), local.size());
    std::vector<std::byte> outgoing(inbox.size());
    fill_pattern(outgoing, kSalt + 1);
    EXPECT_EQ(cma_write(proc, outgoing.data(), inbox.data(), outgoing.size(), 0),
              static_cast<ssize_t>(outgoing.size()));
    cma_process_close(proc);
    EXPECT_EQ(peer.finish(), 0);
}

TEST(RealPidfd, TheHandleClosesOnlyItsOwnDescriptor)
{
    PidfdChild peer;
    ASSERT_NE(peer.proc, nullptr);
    cma_process_close(std::exchange(peer.proc, nullptr));
    EXPECT_GE(::fcntl(peer.pidfd.fd(), F_GETFD), 0) << "closing the handle closed the caller's pidfd";
    ASSERT_TRUE(peer.child.link().send(0));
    EXPECT_EQ(peer.child.wait(), 0);
}

TEST(RealPidfd, DescriptorsThatAreNotPidfdsAreEbadf)
{
    std::array<int, 2> pipe_fds{-1, -1};
    ASSERT_EQ(::pipe2(pipe_fds.data(), O_CLOEXEC), 0);
    const int closed = ::dup(pipe_fds[0]);
    ASSERT_GE(closed, 0);
    ::close(closed);
    auto *proc = reinterpret_cast<cma_process *>(std::uintptr_t{1}); // NOLINT(performance-no-int-to-ptr): poison

    EXPECT_EQ(cma_process_open_pidfd(pipe_fds[0], 0, &proc), -EBADF);
    EXPECT_EQ(proc, nullptr);
    EXPECT_EQ(cma_process_open_pidfd(closed, 0, &proc), -EBADF);
    EXPECT_EQ(cma_process_open_pidfd(-1, 0, &proc), -EINVAL);
    EXPECT_EQ(cma_process_open_pidfd(pipe_fds[0], 1, &proc), -EINVAL);
    EXPECT_EQ(cma_process_open_pidfd(pipe_fds[0], 0, nullptr), -EINVAL);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
}

TEST(RealPidfd, ReapedProcessIsEsrch)
{
    Child child = Child::spawn([](const Link & /*parent*/) { return 0; });
    ASSERT_GT(child.pid(), 0);
    const Pidfd pidfd{child.pid()};
    ASSERT_GE(pidfd.fd(), 0);
    ASSERT_EQ(child.wait(), 0);
    cma_process *proc = nullptr;

    EXPECT_EQ(cma_process_open_pidfd(pidfd.fd(), 0, &proc), -ESRCH);
    EXPECT_EQ(proc, nullptr);
}

// Whichever way the kernel is addressed, a peer that has gone is ESRCH: with
// PROCESS_VM_PIDFD the kernel says so; without, the pid is no longer
// trusted once the pidfd reports the exit.
TEST(RealPidfd, PeerThatExitsAfterOpenIsEsrch)
{
    std::vector<std::byte> buf(4096);
    PidfdChild peer;
    cma_process *proc = peer.proc;
    ASSERT_NE(proc, nullptr);
    EXPECT_EQ(cma_read(proc, buf.data(), buf.data(), buf.size(), 0), static_cast<ssize_t>(buf.size()));
    ASSERT_TRUE(peer.child.link().send(0));
    ASSERT_TRUE(peer.child.wait_zombie());

    EXPECT_EQ(cma_read(proc, buf.data(), buf.data(), buf.size(), 0), -ESRCH) << "zombie";
    ASSERT_EQ(peer.child.wait(), 0);
    EXPECT_EQ(cma_read(proc, buf.data(), buf.data(), buf.size(), 0), -ESRCH) << "reaped";
    EXPECT_EQ(cma_write(proc, buf.data(), buf.data(), buf.size(), 0), -ESRCH) << "reaped";
}

// The scripted kernel: fdinfo of the handle's duplicate (fd 1000).
constexpr pid_t kPeer = 4242;
constexpr int kDup = 1000;
constexpr const char *kFdinfo = "/proc/self/fdinfo/1000";

std::string fdinfo_with_pid(const std::string &pid)
{
    return "pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1057\nPid:\t" + pid + "\nNSpid:\t" + pid + "\n";
}

class SeamPidfdTest : public ::testing::Test {
protected:
    void SetUp() override { fake_.files[kFdinfo] = fdinfo_with_pid(std::to_string(kPeer)); }
    void TearDown() override { cma_process_close(proc_); }

    int open() { return cma::detail::open_pidfd(7, 0, fake_.table(), &proc_); }

    // One 4 KiB read; the calls it made.
    std::vector<FakeSyscalls::Call> read_once(ssize_t expect)
    {
        std::vector<std::byte> src(4096);
        std::vector<std::byte> dst(4096);
        fill_pattern(src, kSalt);
        const std::size_t before = fake_.calls.size();
        EXPECT_EQ(cma_read(proc_, dst.data(), src.data(), src.size(), 0), expect);
        if (expect > 0) {
            EXPECT_EQ(dst, src);
        }
        return {fake_.calls.begin() + static_cast<std::ptrdiff_t>(before), fake_.calls.end()};
    }

    FakeSyscalls fake_;
    cma_process *proc_ = nullptr;
};

TEST_F(SeamPidfdTest, StockKernelTransfersByPid)
{
    ASSERT_EQ(open(), 0);
    EXPECT_EQ(cma_process_pid(proc_), kPeer);
    const auto calls = read_once(4096);
    ASSERT_EQ(calls.size(), 1U);
    EXPECT_EQ(calls[0].pid, kPeer);
    EXPECT_EQ(calls[0].flags, 0U);
    cma_process_close(proc_);
    proc_ = nullptr;
    EXPECT_EQ(fake_.closed, std::vector<int>{kDup});
}

TEST_F(SeamPidfdTest, PatchedKernelTransfersByPidfd)
{
    fake_.features = CMA_FEATURE_PIDFD;
    ASSERT_EQ(open(), 0);
    const auto calls = read_once(4096);
    ASSERT_EQ(calls.size(), 1U);
    EXPECT_EQ(calls[0].pid, kDup) << "the handle's own duplicate goes to the kernel";
    EXPECT_EQ(calls[0].flags, 1U) << "PROCESS_VM_PIDFD";
    // No pid-reuse check is needed: the kernel knows the process.
    fake_.pidfd_signal_result = -ESRCH;
    EXPECT_EQ(read_once(4096).size(), 1U);
}

TEST_F(SeamPidfdTest, PeerGoneAfterAPidTransferIsEsrch)
{
    ASSERT_EQ(open(), 0);
    fake_.pidfd_signal_result = -ESRCH;
    // The bytes moved, but perhaps from a process that reused the pid.
    EXPECT_EQ(read_once(-ESRCH).size(), 1U);
}

TEST_F(SeamPidfdTest, UnsignallablePeerStillExists)
{
    ASSERT_EQ(open(), 0);
    fake_.pidfd_signal_result = -EPERM;
    read_once(4096);
}

TEST_F(SeamPidfdTest, FdinfoDecidesWhatOpens)
{
    struct Case {
        std::string fdinfo; // empty: no such file
        unsigned features;
        int result;
        pid_t pid;
    };
    const std::vector<Case> cases{
            {fdinfo_with_pid("-1"), 0, -ESRCH, 0},
            {fdinfo_with_pid("0"), 0, -EOPNOTSUPP, 0},
            {fdinfo_with_pid("0"), CMA_FEATURE_PIDFD, 0, 0},
            {"pos:\t0\nflags:\t02\nmnt_id:\t15\nino:\t3\n", 0, -EBADF, 0},
            {fdinfo_with_pid("x"), 0, -EBADF, 0},
            {"", 0, -EBADF, 0},
            {fdinfo_with_pid("77"), 0, 0, 77},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.fdinfo + " features " + std::to_string(c.features));
        FakeSyscalls fake;
        fake.features = c.features;
        if (!c.fdinfo.empty()) {
            fake.files[kFdinfo] = c.fdinfo;
        }
        cma_process *proc = nullptr;
        EXPECT_EQ(cma::detail::open_pidfd(7, 0, fake.table(), &proc), c.result);
        if (c.result == 0) {
            ASSERT_NE(proc, nullptr);
            EXPECT_EQ(cma_process_pid(proc), c.pid);
            cma_process_close(proc);
        } else {
            EXPECT_EQ(proc, nullptr);
        }
        EXPECT_EQ(fake.closed, std::vector<int>{kDup}) << "the duplicate must not leak";
    }
}

TEST_F(SeamPidfdTest, DupFailuresArePassedOn)
{
    for (const int err : {-EBADF, -EMFILE}) {
        fake_.dup_result = err;
        EXPECT_EQ(open(), err);
        EXPECT_EQ(proc_, nullptr);
    }
    EXPECT_TRUE(fake_.closed.empty());
    EXPECT_TRUE(fake_.calls.empty());
}

TEST_F(SeamPidfdTest, UnreadableFdinfoIsPassedOn)
{
    fake_.path_errors[kFdinfo] = -EACCES;
    EXPECT_EQ(open(), -EACCES);
    EXPECT_EQ(fake_.closed, std::vector<int>{kDup});
}

} // namespace
} // namespace cma::test
