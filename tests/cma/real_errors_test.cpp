// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Errors from the running kernel against real child processes: faults on
// either side (before and after some bytes moved, mid-element included),
// peers that have exited, and peers the caller may not access.
#include <cma/cma.h>

#include "child_process.hpp"
#include "iov_testing.hpp"
#include "peer.hpp"

#include <gtest/gtest.h>

#include <grp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace cma::test {
namespace {

constexpr std::uint64_t kSalt = 0xfa17;
const std::size_t kPage = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));

// Anonymous pages, mapped before a fork so that the child has them at the
// same address.
class Pages {
public:
    explicit Pages(std::size_t count)
            : size_{count * kPage},
              base_{static_cast<std::byte *>(
                      ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))}
    {
    }
    Pages(const Pages &) = delete;
    Pages &operator=(const Pages &) = delete;
    Pages(Pages &&) = delete;
    Pages &operator=(Pages &&) = delete;
    ~Pages()
    {
        if (valid()) {
            ::munmap(base_, size_);
        }
    }

    [[nodiscard]] bool valid() const noexcept { return base_ != MAP_FAILED; }
    [[nodiscard]] std::byte *page(std::size_t index) const noexcept { return base_ + (index * kPage); }
    [[nodiscard]] std::span<std::byte> bytes() const noexcept { return {base_, size_}; }
    [[nodiscard]] bool protect(std::size_t index, int prot) const noexcept
    {
        return ::mprotect(page(index), kPage, prot) == 0;
    }

private:
    std::size_t size_;
    std::byte *base_;
};

// For a child's Prepare: a child that cannot set up never reports ready, so
// the parent's ASSERT_TRUE(peer.started()) fails.
void protect_or_exit(const Pages &pages, std::size_t index, int prot)
{
    if (!pages.protect(index, prot)) {
        ::_exit(99);
    }
}

TEST(RealErrors, RemoteProtNoneIsEfault)
{
    Pages remote{2};
    ASSERT_TRUE(remote.valid());
    Peer peer{[&] { protect_or_exit(remote, 0, PROT_NONE); }};
    ASSERT_TRUE(peer.started());
    std::vector<std::byte> local(kPage);

    EXPECT_EQ(cma_read(peer.proc(), local.data(), remote.page(0), kPage, 0), -EFAULT);
    EXPECT_EQ(cma_write(peer.proc(), local.data(), remote.page(0), kPage, 0), -EFAULT);
    EXPECT_EQ(peer.finish(), 0);
}

TEST(RealErrors, WriteToReadOnlyRemoteIsEfault)
{
    // CMA never forces access the way ptrace(PEEK/POKE) does.
    Pages remote{1};
    ASSERT_TRUE(remote.valid());
    Peer peer{[&] { protect_or_exit(remote, 0, PROT_READ); }};
    ASSERT_TRUE(peer.started());
    std::vector<std::byte> local(kPage);

    EXPECT_EQ(cma_write(peer.proc(), local.data(), remote.page(0), kPage, 0), -EFAULT);
    EXPECT_EQ(cma_read(peer.proc(), local.data(), remote.page(0), kPage, 0), static_cast<ssize_t>(kPage));
    EXPECT_EQ(peer.finish(), 0);
}

TEST(RealErrors, LocalFaultIsEfault)
{
    std::vector<std::byte> remote(kPage);
    Peer peer{[&] { fill_pattern(remote, kSalt); }};
    ASSERT_TRUE(peer.started());
    const Pages local{1};
    ASSERT_TRUE(local.valid());
    ASSERT_TRUE(local.protect(0, PROT_READ));

    EXPECT_EQ(cma_read(peer.proc(), local.page(0), remote.data(), kPage, 0), -EFAULT);
    ASSERT_TRUE(local.protect(0, PROT_NONE));
    EXPECT_EQ(cma_write(peer.proc(), local.page(0), remote.data(), kPage, 0), -EFAULT);
    EXPECT_EQ(peer.finish(), 0);
}

// The kernel stops inside the single remote element at the PROT_NONE page and
// reports the bytes before it; the library's next call faults at once, so
// the caller gets exactly those bytes.
TEST(RealErrors, RemoteFaultMidElementReturnsTheBytesBefore)
{
    Pages remote{3};
    ASSERT_TRUE(remote.valid());
    constexpr std::size_t kStart = 100;
    Peer peer{[&] {
        fill_pattern(remote.bytes(), kSalt);
        protect_or_exit(remote, 2, PROT_NONE);
    }};
    ASSERT_TRUE(peer.started());
    const std::size_t readable = (2 * kPage) - kStart;
    std::vector<std::byte> local((3 * kPage) - kStart);
    const std::array remote_list{iovec{remote.page(0) + kStart, local.size()}};
    const std::array local_list{iovec{local.data(), 1000}, iovec{local.data() + 1000, local.size() - 1000}};

    ASSERT_EQ(cma_readv(peer.proc(), local_list.data(), local_list.size(), remote_list.data(), remote_list.size(), 0),
              static_cast<ssize_t>(readable));
    EXPECT_EQ(find_pattern_mismatch(std::span{local}.first(readable), kSalt, kStart), readable);
    ASSERT_EQ(cma_writev(peer.proc(), local_list.data(), local_list.size(), remote_list.data(), remote_list.size(), 0),
              static_cast<ssize_t>(readable));
    EXPECT_EQ(peer.finish(), 0);
}

TEST(RealErrors, LocalFaultAfterSomeBytesReturnsTheBytesBefore)
{
    std::vector<std::byte> remote(3 * kPage);
    Peer peer{[&] { fill_pattern(remote, kSalt); }};
    ASSERT_TRUE(peer.started());
    const Pages local{3};
    ASSERT_TRUE(local.valid());
    ASSERT_TRUE(local.protect(2, PROT_READ));
    // Elements straddle pages on both sides so that the fault is mid-element.
    const std::array local_list{iovec{local.page(0), kPage + 10}, iovec{local.page(1) + 10, (2 * kPage) - 10}};
    const std::array remote_list{iovec{remote.data(), 3 * kPage}};

    const ssize_t moved =
            cma_readv(peer.proc(), local_list.data(), local_list.size(), remote_list.data(), remote_list.size(), 0);
    // The kernel counts what copy_to_user() managed, which is at most up to
    // the read-only page; all of it must be right.
    ASSERT_GT(moved, 0);
    ASSERT_LE(moved, static_cast<ssize_t>(2 * kPage));
    EXPECT_EQ(find_pattern_mismatch(local.bytes().first(static_cast<std::size_t>(moved)), kSalt),
              static_cast<std::size_t>(moved));
    EXPECT_EQ(peer.finish(), 0);
}

TEST(RealErrors, ReapedChildIsEsrch)
{
    std::vector<std::byte> buf(64);
    Child child = spawn_waiting_child();
    cma_process *proc = open_then_reap(child);
    ASSERT_NE(proc, nullptr);

    EXPECT_EQ(cma_read(proc, buf.data(), buf.data(), buf.size(), 0), -ESRCH);
    EXPECT_EQ(cma_write(proc, buf.data(), buf.data(), buf.size(), 0), -ESRCH);
    cma_process_close(proc);
    proc = reinterpret_cast<cma_process *>(std::uintptr_t{1}); // NOLINT(performance-no-int-to-ptr): poison
    EXPECT_EQ(cma_process_open(child.pid(), 0, &proc), -ESRCH);
    EXPECT_EQ(proc, nullptr);
}

TEST(RealErrors, ZombieIsEsrch)
{
    std::vector<std::byte> buf(64);
    Child child = Child::spawn([](const Link & /*parent*/) { return 0; });
    ASSERT_GT(child.pid(), 0);
    ASSERT_TRUE(child.wait_zombie());

    // The pid still exists, so open succeeds; the zombie has no memory.
    cma_process *proc = nullptr;
    ASSERT_EQ(cma_process_open(child.pid(), 0, &proc), 0);
    EXPECT_EQ(cma_read(proc, buf.data(), buf.data(), buf.size(), 0), -ESRCH);
    cma_process_close(proc);
    EXPECT_EQ(child.wait(), 0);
}

// A non-dumpable peer, read by a process of another uid (when the test runs
// as root, the reader drops to nobody) or of the same uid without
// CAP_SYS_PTRACE (when it runs as an ordinary user).
TEST(RealErrors, PeerThatMayNotBeAccessedIsEperm)
{
    constexpr std::uint64_t kCannotDrop = std::uint64_t{1} << 62U;
    std::vector<std::byte> secret(4096);
    Peer target{[&] {
        fill_pattern(secret, kSalt);
        ::prctl(PR_SET_DUMPABLE, 0);
    }};
    ASSERT_TRUE(target.started());
    const pid_t target_pid = target.pid();

    Child reader = Child::spawn([&](const Link &parent) {
        if (::geteuid() == 0) {
            constexpr uid_t kNobody = 65534;
            if (::setgroups(0, nullptr) < 0 || ::setresgid(kNobody, kNobody, kNobody) < 0 ||
                ::setresuid(kNobody, kNobody, kNobody) < 0) {
                return parent.send(kCannotDrop) ? 0 : 1;
            }
        }
        std::vector<std::byte> local(secret.size());
        cma_process *proc = nullptr;
        ssize_t ret = cma_process_open(target_pid, 0, &proc);
        if (ret == 0) {
            ret = cma_read(proc, local.data(), secret.data(), local.size(), 0);
        }
        cma_process_close(proc);
        return parent.send(static_cast<std::uint64_t>(ret)) ? 0 : 1;
    });
    ASSERT_GT(reader.pid(), 0);
    const auto reported = reader.link().receive();
    EXPECT_EQ(reader.wait(), 0);
    if (!reported.has_value()) {
        FAIL() << "the unprivileged reader reported nothing";
    }
    if (reported.value() == kCannotDrop) {
        GTEST_SKIP() << "cannot drop privileges to uid 65534 here";
    }
    EXPECT_EQ(static_cast<ssize_t>(reported.value()), -EPERM);
    EXPECT_EQ(target.finish(), 0);
}

} // namespace
} // namespace cma::test
