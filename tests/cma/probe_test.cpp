// SPDX-License-Identifier: LGPL-2.1-or-later
//
// cma_probe(): every reason against a scripted kernel and /proc, then the
// reasons a test can arrange for real: a usable peer, a peer that has gone,
// another user's peer, a non-dumpable one, a seccomp filter, a nested user
// namespace.
#include <cma/cma.h>

#include "child_process.hpp"
#include "fake_syscalls.hpp"
#include "peer.hpp"
#include "process.hpp"

#include <gtest/gtest.h>

#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace cma::test {
namespace {

constexpr pid_t kPeer = 4242;
constexpr pid_t kSelf = 100;
constexpr unsigned kAllFeatures =
        CMA_FEATURE_PIDFD | CMA_FEATURE_NOWAIT | CMA_FEATURE_REDUCE | CMA_FEATURE_REDUCE_FLOAT;
constexpr const char *kNoCaps = "0000000000000000";
constexpr const char *kPtraceCap = "0000000000080000"; // bit 19, CAP_SYS_PTRACE

std::string status(pid_t pid, pid_t ppid, unsigned uid, unsigned gid, const char *cap_eff = kNoCaps,
                   int seccomp = 0)
{
    const std::string u = std::to_string(uid);
    const std::string g = std::to_string(gid);
    return "Name:\tprog\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t" + std::to_string(pid) + "\nPid:\t" +
           std::to_string(pid) + "\nPPid:\t" + std::to_string(ppid) + "\nUid:\t" + u + "\t" + u + "\t" + u + "\t" +
           u + "\nGid:\t" + g + "\t" + g + "\t" + g + "\t" + g + "\nCapInh:\t0000000000000000\nCapPrm:\t" +
           cap_eff + "\nCapEff:\t" + cap_eff + "\nSeccomp:\t" + std::to_string(seccomp) + "\n";
}

class ProbeTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        fake_.files["/proc/self/status"] = status(kSelf, 1, 1000, 1000);
        fake_.files["/proc/4242/status"] = status(kPeer, 1, 1000, 1000);
        fake_.files["/proc/self/uid_map"] = "         0          0 4294967295\n";
        fake_.links["/proc/self/ns/user"] = "user:[4026531837]";
        fake_.links["/proc/4242/ns/user"] = "user:[4026531837]";
        fake_.owners["/proc/4242/status"] = 1000;
        ASSERT_EQ(cma::detail::open_process(kPeer, 0, fake_.table(), &proc_), 0);
    }
    void TearDown() override { cma_process_close(proc_); }

    cma_probe_result probe()
    {
        cma_probe_result result{};
        EXPECT_EQ(cma_probe(proc_, &result), 0);
        EXPECT_NE(result.message, nullptr);
        if (result.message != nullptr) {
            RecordProperty("message", result.message);
            std::printf("probe: %s\n", result.message);
        }
        return result;
    }

    void deny() { fake_.script = {FakeSyscalls::fail(-EPERM)}; }

    static void expect(const cma_probe_result &result, int error, int reason, const char *needle)
    {
        EXPECT_EQ(result.error, error);
        EXPECT_EQ(result.reason, reason);
        EXPECT_NE(std::string{result.message}.find(needle), std::string::npos)
                << "message lacks \"" << needle << "\": " << result.message;
    }

    FakeSyscalls fake_;
    cma_process *proc_ = nullptr;
};

TEST_F(ProbeTest, UsablePeer)
{
    const cma_probe_result result = probe();
    expect(result, 0, CMA_REASON_OK, "CMA works against pid 4242");
    EXPECT_EQ(result.features, 0U);
    EXPECT_EQ(result.ptrace_scope, -1) << "no Yama";
    // The access check is a one-byte read of the peer's address 0.
    const auto moving = fake_.transfers();
    ASSERT_EQ(moving.size(), 1U);
    EXPECT_EQ(moving[0].pid, kPeer);
    EXPECT_EQ(moving[0].remote[0].iov_base, nullptr);
    EXPECT_EQ(moving[0].remote[0].iov_len, 1U);
}

TEST_F(ProbeTest, KernelExtensionsAreReported)
{
    fake_.features = kAllFeatures;
    fake_.files["/proc/sys/kernel/yama/ptrace_scope"] = "1\n";
    const cma_probe_result result = probe();
    EXPECT_EQ(result.error, 0);
    EXPECT_EQ(result.features, kAllFeatures);
    EXPECT_EQ(result.ptrace_scope, 1);
    // process_vm_readv(0, NULL, 0, NULL, 0, flag) for each, after flags 0.
    std::vector<unsigned long> probed;
    for (const auto &call : fake_.calls) {
        if (call.local.empty()) {
            EXPECT_EQ(call.pid, 0);
            EXPECT_EQ(call.remote_array, nullptr);
            probed.push_back(call.flags);
        }
    }
    EXPECT_EQ(probed, (std::vector<unsigned long>{0, 1, 2, CMA_REDUCE(SUM, U8), CMA_REDUCE(SUM, F64)}));
}

TEST_F(ProbeTest, FloatReduceMissingIsReported)
{
    fake_.features = CMA_FEATURE_REDUCE;
    EXPECT_EQ(probe().features, static_cast<unsigned>(CMA_FEATURE_REDUCE));
}

TEST_F(ProbeTest, DoneOncePerHandle)
{
    deny();
    const cma_probe_result first = probe();
    const std::size_t calls = fake_.calls.size();
    const std::size_t reads = fake_.paths_read.size();
    const cma_probe_result second = probe();
    EXPECT_EQ(fake_.calls.size(), calls);
    EXPECT_EQ(fake_.paths_read.size(), reads);
    EXPECT_EQ(second.error, first.error);
    EXPECT_EQ(second.reason, first.reason);
    EXPECT_EQ(second.message, first.message);
}

TEST_F(ProbeTest, ProbedFeaturesServeTransfers)
{
    fake_.features = CMA_FEATURE_NOWAIT;
    (void)probe();
    const std::size_t calls = fake_.calls.size();
    std::vector<std::byte> buf(64);
    EXPECT_EQ(cma_read(proc_, buf.data(), buf.data(), buf.size(), CMA_NOWAIT), 64);
    EXPECT_EQ(fake_.calls.size(), calls + 1) << "the features were asked for again";
}

TEST_F(ProbeTest, NullArgumentsAreEinval)
{
    cma_probe_result result{};
    EXPECT_EQ(cma_probe(nullptr, &result), -EINVAL);
    EXPECT_EQ(cma_probe(proc_, nullptr), -EINVAL);
}

TEST_F(ProbeTest, KernelWithoutCrossMemoryAttach)
{
    fake_.syscall_error = -ENOSYS;
    expect(probe(), -ENOSYS, CMA_REASON_NO_KERNEL_SUPPORT, "CONFIG_CROSS_MEMORY_ATTACH");
}

TEST_F(ProbeTest, SeccompFilterReturningEnosys)
{
    fake_.syscall_error = -ENOSYS;
    fake_.files["/proc/self/status"] = status(kSelf, 1, 1000, 1000, kNoCaps, 2);
    expect(probe(), -ENOSYS, CMA_REASON_SECCOMP, "seccomp");
}

TEST_F(ProbeTest, SeccompFilterReturningEperm)
{
    fake_.syscall_error = -EPERM;
    fake_.files["/proc/self/status"] = status(kSelf, 1, 1000, 1000, kNoCaps, 2);
    const cma_probe_result result = probe();
    expect(result, -EPERM, CMA_REASON_SECCOMP, "SYS_PTRACE");
    EXPECT_EQ(result.features, 0U);
}

TEST_F(ProbeTest, PeerThatHasExited)
{
    fake_.script = {FakeSyscalls::fail(-ESRCH)};
    expect(probe(), -ESRCH, CMA_REASON_PEER_GONE, "has exited");
}

TEST_F(ProbeTest, AnotherUsersPeer)
{
    deny();
    fake_.files["/proc/4242/status"] = status(kPeer, 1, 0, 0);
    expect(probe(), -EPERM, CMA_REASON_CREDENTIALS, "uid 0/0/0");
}

TEST_F(ProbeTest, AnotherUserIsNoObstacleWithCapSysPtrace)
{
    deny();
    fake_.files["/proc/self/status"] = status(kSelf, 1, 1000, 1000, kPtraceCap);
    fake_.files["/proc/4242/status"] = status(kPeer, 1, 0, 0);
    fake_.files["/sys/kernel/security/lsm"] = "lockdown,capability,apparmor";
    expect(probe(), -EPERM, CMA_REASON_DENIED, "apparmor");
}

TEST_F(ProbeTest, NonDumpablePeer)
{
    deny();
    fake_.owners["/proc/4242/status"] = 0;
    expect(probe(), -EPERM, CMA_REASON_NOT_DUMPABLE, "PR_SET_DUMPABLE");
}

TEST_F(ProbeTest, PeerInAnotherUserNamespace)
{
    deny();
    fake_.links["/proc/4242/ns/user"] = "user:[4026532999]";
    expect(probe(), -EPERM, CMA_REASON_USER_NAMESPACE, "user:[4026532999]");
}

TEST_F(ProbeTest, CallerInANestedUserNamespace)
{
    deny();
    fake_.path_errors["/proc/4242/ns/user"] = -EACCES;
    fake_.files["/proc/self/uid_map"] = "         0       1000          1\n";
    expect(probe(), -EPERM, CMA_REASON_USER_NAMESPACE, "nested user namespace");
}

TEST_F(ProbeTest, YamaRestrictedToAncestors)
{
    deny();
    fake_.files["/proc/sys/kernel/yama/ptrace_scope"] = "1\n";
    const cma_probe_result result = probe();
    expect(result, -EPERM, CMA_REASON_YAMA_RELATIONAL, "prctl(PR_SET_PTRACER, 100)");
    EXPECT_EQ(result.ptrace_scope, 1);
}

TEST_F(ProbeTest, YamaRestrictedButTheCallerIsAnAncestor)
{
    deny();
    fake_.files["/proc/sys/kernel/yama/ptrace_scope"] = "1\n";
    fake_.files["/proc/4242/status"] = status(kPeer, 555, 1000, 1000);
    fake_.files["/proc/555/status"] = status(555, kSelf, 1000, 1000);
    expect(probe(), -EPERM, CMA_REASON_DENIED, "security module");
}

TEST_F(ProbeTest, YamaAdminOnly)
{
    deny();
    fake_.files["/proc/sys/kernel/yama/ptrace_scope"] = "2\n";
    expect(probe(), -EPERM, CMA_REASON_YAMA_ADMIN_ONLY, "CAP_SYS_PTRACE");
}

TEST_F(ProbeTest, YamaAdminOnlyWithTheCapability)
{
    deny();
    fake_.files["/proc/sys/kernel/yama/ptrace_scope"] = "2\n";
    fake_.files["/proc/self/status"] = status(kSelf, 1, 1000, 1000, kPtraceCap);
    expect(probe(), -EPERM, CMA_REASON_DENIED, "unknown");
}

TEST_F(ProbeTest, YamaNoAttach)
{
    deny();
    fake_.files["/proc/sys/kernel/yama/ptrace_scope"] = "3\n";
    fake_.files["/proc/self/status"] = status(kSelf, 1, 1000, 1000, kPtraceCap);
    expect(probe(), -EPERM, CMA_REASON_YAMA_NO_ATTACH, "until reboot");
}

TEST_F(ProbeTest, UnexpectedError)
{
    fake_.script = {FakeSyscalls::fail(-ENOMEM)};
    expect(probe(), -ENOMEM, CMA_REASON_OTHER, "ENOMEM");
}

TEST_F(ProbeTest, UnreadableProcStillGivesAnAnswer)
{
    deny();
    fake_.files.clear();
    fake_.links.clear();
    fake_.owners.clear();
    expect(probe(), -EPERM, CMA_REASON_DENIED, "denied");
}

TEST_F(ProbeTest, PidfdHandleProbesThroughThePidfd)
{
    FakeSyscalls fake;
    fake.features = CMA_FEATURE_PIDFD;
    fake.files["/proc/self/fdinfo/1000"] = "pos:\t0\nPid:\t4242\n";
    cma_process *proc = nullptr;
    ASSERT_EQ(cma::detail::open_pidfd(3, 0, fake.table(), &proc), 0);
    cma_probe_result result{};
    ASSERT_EQ(cma_probe(proc, &result), 0);
    EXPECT_EQ(result.error, 0);
    const auto moving = fake.transfers();
    ASSERT_EQ(moving.size(), 1U);
    EXPECT_EQ(moving[0].pid, 1000);
    EXPECT_EQ(moving[0].flags, 1U);
    cma_process_close(proc);
}

// Against the running kernel.

cma_probe_result probe_pid(pid_t pid)
{
    cma_process *proc = nullptr;
    cma_probe_result result{.error = 1, .reason = -1, .features = 0, .ptrace_scope = -2, .message = nullptr};
    if (cma_process_open(pid, 0, &proc) == 0) {
        if (cma_probe(proc, &result) == 0) {
            std::printf("probe of %d: %s\n", static_cast<int>(pid), result.message);
        }
        cma_process_close(proc);
    }
    return result;
}

TEST(RealProbe, ChildIsUsable)
{
    Peer peer{{}};
    ASSERT_TRUE(peer.started());
    cma_probe_result result{};
    ASSERT_EQ(cma_probe(peer.proc(), &result), 0);
    EXPECT_EQ(result.error, 0) << result.message;
    EXPECT_EQ(result.reason, CMA_REASON_OK);
    // The features agree with asking the kernel directly.
    const bool pidfd = ::syscall(SYS_process_vm_readv, 0, nullptr, 0, nullptr, 0, 1UL) == 0;
    EXPECT_EQ((result.features & CMA_FEATURE_PIDFD) != 0, pidfd);
    std::ifstream yama{"/proc/sys/kernel/yama/ptrace_scope"};
    int scope = -1;
    if (yama) {
        EXPECT_TRUE(yama >> scope);
    }
    EXPECT_EQ(result.ptrace_scope, scope);
    EXPECT_EQ(peer.finish(), 0);
}

TEST(RealProbe, ReapedChildIsGone)
{
    Child child = spawn_waiting_child();
    cma_process *proc = open_then_reap(child);
    ASSERT_NE(proc, nullptr);
    cma_probe_result result{};
    ASSERT_EQ(cma_probe(proc, &result), 0);
    EXPECT_EQ(result.error, -ESRCH);
    EXPECT_EQ(result.reason, CMA_REASON_PEER_GONE);
    cma_process_close(proc);
}

// Results a child reports: its probe's error and reason, or that it could
// not set itself up (then the test is skipped).
constexpr std::uint64_t kCannotSetUp = std::uint64_t{1} << 62U;
constexpr uid_t kNobody = 65534;

std::uint64_t encode(const cma_probe_result &result)
{
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(result.error)) << 8U) |
           static_cast<std::uint64_t>(result.reason);
}

bool drop_to_nobody()
{
    return ::setgroups(0, nullptr) == 0 && ::setresgid(kNobody, kNobody, kNobody) == 0 &&
           ::setresuid(kNobody, kNobody, kNobody) == 0;
}

// Runs @setup in a child, which then probes @target and reports.
template <typename Setup>
void expect_child_probe(pid_t target, Setup setup, int error, int reason)
{
    Child prober = Child::spawn([&](const Link &parent) {
        if (!setup()) {
            return parent.send(kCannotSetUp) ? 0 : 1;
        }
        return parent.send(encode(probe_pid(target))) ? 0 : 1;
    });
    ASSERT_GT(prober.pid(), 0);
    const auto reported = prober.link().receive();
    EXPECT_EQ(prober.wait(), 0);
    if (!reported.has_value()) {
        FAIL() << "the prober reported nothing";
        return;
    }
    if (*reported == kCannotSetUp) {
        GTEST_SKIP() << "the prober could not set itself up here";
    }
    EXPECT_EQ(*reported, encode({.error = error, .reason = reason, .features = 0, .ptrace_scope = 0,
                                 .message = nullptr}));
}

TEST(RealProbe, AnotherUsersPeer)
{
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root to run a prober as another user";
    }
    Peer target{{}};
    ASSERT_TRUE(target.started());
    expect_child_probe(target.pid(), drop_to_nobody, -EPERM, CMA_REASON_CREDENTIALS);
    EXPECT_EQ(target.finish(), 0);
}

TEST(RealProbe, NonDumpablePeerOfTheSameUser)
{
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root to run both as uid 65534";
    }
    Peer target{[] {
        if (!drop_to_nobody() || ::prctl(PR_SET_DUMPABLE, 0) != 0) {
            ::_exit(99);
        }
    }};
    ASSERT_TRUE(target.started());
    expect_child_probe(target.pid(), drop_to_nobody, -EPERM, CMA_REASON_NOT_DUMPABLE);
    EXPECT_EQ(target.finish(), 0);
}

// A filter that makes process_vm_readv fail with @error.
bool deny_by_seccomp(int error)
{
    const auto action = static_cast<std::uint32_t>(SECCOMP_RET_ERRNO | static_cast<std::uint32_t>(error));
    std::array<sock_filter, 4> program{{
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_process_vm_readv, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, action),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    }};
    const sock_fprog fprog{.len = program.size(), .filter = program.data()};
    return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
           ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == 0;
}

TEST(RealProbe, SeccompFilterReturningEperm)
{
    Peer target{{}};
    ASSERT_TRUE(target.started());
    expect_child_probe(target.pid(), [] { return deny_by_seccomp(EPERM); }, -EPERM, CMA_REASON_SECCOMP);
    EXPECT_EQ(target.finish(), 0);
}

TEST(RealProbe, SeccompFilterReturningEnosys)
{
    Peer target{{}};
    ASSERT_TRUE(target.started());
    expect_child_probe(target.pid(), [] { return deny_by_seccomp(ENOSYS); }, -ENOSYS, CMA_REASON_SECCOMP);
    EXPECT_EQ(target.finish(), 0);
}

TEST(RealProbe, ProberInANestedUserNamespace)
{
    Peer target{{}};
    ASSERT_TRUE(target.started());
    expect_child_probe(target.pid(), [] { return ::unshare(CLONE_NEWUSER) == 0; }, -EPERM,
                       CMA_REASON_USER_NAMESPACE);
    EXPECT_EQ(target.finish(), 0);
}

} // namespace
} // namespace cma::test
