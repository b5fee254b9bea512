// SPDX-License-Identifier: LGPL-2.1-or-later
//
// cma_probe(): whether CMA works against a peer, and if not, why not.
//
// Three questions, each answered by the kernel rather than guessed:
//  1. Which flags does the kernel accept, and is the system call there at
//     all? Empty calls: process_vm_readv(0, NULL, 0, NULL, 0, flags) checks
//     the flags, then returns 0 before looking anything up.
//  2. May this process access the peer? A one-byte read of the peer's
//     address 0: the kernel looks the peer up (ESRCH), checks ptrace access
//     (EPERM), and only then finds that nothing is mapped there (EFAULT).
//  3. If not, why not? That part reads /proc and /sys, in the order the
//     kernel's checks are most likely to be the cause: user namespace,
//     credentials, dumpability, Yama; anything else is another LSM.
// Every file and system call goes through the seam, so tests script each
// answer.
#include "lock.hpp"
#include "process.hpp"
#include "text.hpp"

#include <sys/uio.h>

#include <array>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>

namespace cma::detail {
namespace {

constexpr unsigned kCapSysPtrace = 19;
// How far up the peer's ancestry the Yama check looks for the caller.
constexpr int kMaxAncestry = 64;

const char *yes_no(unsigned features, unsigned feature) noexcept
{
    return (features & feature) != 0 ? "yes" : "no";
}

const char *errno_name(int negative_errno) noexcept
{
    const char *name = strerrorname_np(-negative_errno);
    return name != nullptr ? name : "an unknown error";
}

// One-byte read of the peer's address 0.
ssize_t access_call(const cma_process &proc) noexcept
{
    char byte = 0;
    const iovec local{&byte, 1};
    const iovec remote{nullptr, 1};
    ssize_t ret = 0;
    do {
        ret = proc.sys.process_vm_readv(proc.sys.context, target(proc), &local, 1, &remote, 1, target_flags(proc));
    } while (ret == -EINTR);
    return ret;
}

int ptrace_scope(const Syscalls &sys) noexcept
{
    const SmallFile file{sys, "/proc/sys/kernel/yama/ptrace_scope"};
    if (file.error() < 0) {
        return -1;
    }
    return number<int>(file.text()).value_or(-1);
}

// The real, effective and saved ids of a "Uid:" or "Gid:" line.
struct Ids {
    unsigned real;
    unsigned effective;
    unsigned saved;
};

std::optional<Ids> ids(const SmallFile &status, std::string_view key) noexcept
{
    const auto real = field_number<unsigned>(status, key, 0);
    const auto effective = field_number<unsigned>(status, key, 1);
    const auto saved = field_number<unsigned>(status, key, 2);
    if (!real || !effective || !saved) {
        return std::nullopt;
    }
    return Ids{.real = *real, .effective = *effective, .saved = *saved};
}

// The target of a /proc/<pid>/ns/user link, NUL-terminated; empty if it
// cannot be read (the peer's needs ptrace read access).
using Link = std::array<char, 64>;

Link user_namespace(const Syscalls &sys, pid_t pid) noexcept
{
    Link link{};
    const ssize_t len = sys.read_link(sys.context, proc_path(pid, "ns/user").data(), link.data(), link.size() - 1);
    if (len < 0) {
        link[0] = '\0';
    }
    return link;
}

// Whether the caller is in the initial user namespace, whose uid_map is the
// identity over all 2^32 ids. Assumed when the map cannot be read.
bool initial_user_namespace(const Syscalls &sys) noexcept
{
    const SmallFile map{sys, "/proc/self/uid_map"};
    if (map.error() < 0) {
        return true;
    }
    return number<unsigned long>(map.text(), 0) == 0UL && number<unsigned long>(map.text(), 1) == 0UL &&
           number<unsigned long>(map.text(), 2) == 4294967295UL && !number<unsigned long>(map.text(), 3);
}

// Whether @ancestor is @pid or one of its ancestors.
bool is_ancestor(const Syscalls &sys, pid_t ancestor, pid_t pid) noexcept
{
    for (int depth = 0; depth < kMaxAncestry && pid > 0; ++depth) {
        if (pid == ancestor) {
            return true;
        }
        const SmallFile status{sys, proc_path(pid, "status").data()};
        pid = field_number<pid_t>(status, "PPid").value_or(0);
    }
    return false;
}

class Diagnosis {
public:
    explicit Diagnosis(cma_process &proc) noexcept
            : proc_{&proc}, sys_{&proc.sys}, msg_{proc.message.data()}, size_{proc.message.size()}
    {
    }

    void run() noexcept
    {
        const KernelSupport kernel = probe_kernel(*sys_);
        proc_->features.store(kernel.features | kFeaturesKnown, std::memory_order_release);
        result().features = kernel.features;
        result().ptrace_scope = ptrace_scope(*sys_);
        if (kernel.base < 0) {
            unavailable(static_cast<int>(kernel.base));
            return;
        }
        const ssize_t access = access_call(*proc_);
        if (access == -EFAULT || access >= 0) {
            if (peer_exited(*proc_)) {
                gone();
            } else {
                works();
            }
        } else if (access == -ESRCH) {
            gone();
        } else if (access == -EPERM) {
            denied();
        } else {
            report(static_cast<int>(access), CMA_REASON_OTHER,
                   "A one-byte probe read from pid %d failed with %s: not an error CMA is known to give for "
                   "an accessible peer.",
                   pid(), errno_name(static_cast<int>(access)));
        }
    }

private:
    [[nodiscard]] cma_probe_result &result() noexcept { return proc_->probe; }
    [[nodiscard]] int pid() const noexcept { return static_cast<int>(proc_->pid); }

    // The result, and its message from a printf format (C varargs, so that
    // the format attribute can check every call).
    // NOLINTNEXTLINE(cert-dcl50-cpp): printf-style, checked by the format attribute
    [[gnu::format(printf, 4, 5)]] void report(int error, int reason, const char *format, ...) noexcept
    {
        result().error = error;
        result().reason = reason;
        // va_list is an array type on x86_64; passing it is the only use.
        // NOLINTBEGIN(cppcoreguidelines-pro-bounds-array-to-pointer-decay)
        va_list args;
        va_start(args, format);
        (void)std::vsnprintf(msg_, size_, format, args);
        va_end(args);
        // NOLINTEND(cppcoreguidelines-pro-bounds-array-to-pointer-decay)
    }

    void works() noexcept
    {
        const unsigned f = result().features;
        report(0, CMA_REASON_OK,
               "CMA works against pid %d. Kernel extensions: pidfd %s, nowait %s, reduce %s, "
               "float reduce %s. (Without them libcma addresses pidfd handles by pid, reduces in "
               "userspace, and fails CMA_NOWAIT transfers with EOPNOTSUPP.)",
               pid(), yes_no(f, CMA_FEATURE_PIDFD), yes_no(f, CMA_FEATURE_NOWAIT),
               yes_no(f, CMA_FEATURE_REDUCE), yes_no(f, CMA_FEATURE_REDUCE_FLOAT));
    }

    void gone() noexcept
    {
        report(-ESRCH, CMA_REASON_PEER_GONE,
               "Pid %d has exited (ESRCH; a zombie has no memory left to access). Open a handle on a "
               "live process.",
               pid());
    }

    // The system call itself fails, whatever the peer.
    void unavailable(int error) noexcept
    {
        const SmallFile status{*sys_, "/proc/self/status"};
        const int seccomp = field_number<int>(status, "Seccomp").value_or(0);
        if (seccomp > 0) {
            report(error, CMA_REASON_SECCOMP,
                   "process_vm_readv fails with %s and this process runs under seccomp (mode %d): a filter "
                   "denies the system call. Container runtimes' default profiles deny process_vm_readv and "
                   "process_vm_writev unless the container has CAP_SYS_PTRACE: allow the two calls in the "
                   "profile, or add the capability (docker/podman: --cap-add SYS_PTRACE), or use another "
                   "transport.",
                   errno_name(error), seccomp);
        } else if (error == -ENOSYS) {
            report(error, CMA_REASON_NO_KERNEL_SUPPORT,
                   "process_vm_readv fails with ENOSYS and no seccomp filter is installed: the "
                   "kernel was built without CONFIG_CROSS_MEMORY_ATTACH. Use a kernel built with "
                   "it, or another transport (shared memory).");
        } else {
            report(error, CMA_REASON_OTHER,
                   "process_vm_readv fails with %s before looking at any process, without a "
                   "seccomp filter: the kernel or a security module refuses it.",
                   errno_name(error));
        }
    }

    // EPERM from the access check: find out which part of it.
    void denied() noexcept
    {
        const SmallFile self{*sys_, "/proc/self/status"};
        const auto caps = field_number<unsigned long long>(self, "CapEff", 0, 16);
        const bool capable = caps.has_value() && ((*caps >> kCapSysPtrace) & 1U) != 0;
        if (proc_->pid <= 0) {
            report(-EPERM, CMA_REASON_DENIED,
                   "Access to the peer is denied (EPERM). It is outside this pid namespace, so "
                   "its credentials cannot be read here to say why.");
            return;
        }
        const Link own_ns = user_namespace(*sys_, 0);
        const Link peer_ns = user_namespace(*sys_, proc_->pid);
        if (own_ns[0] != '\0' && peer_ns[0] != '\0' && std::strcmp(own_ns.data(), peer_ns.data()) != 0) {
            report(-EPERM, CMA_REASON_USER_NAMESPACE,
                   "Pid %d is in another user namespace (%s) than this process (%s), and this "
                   "process has no CAP_SYS_PTRACE over it. Run both in the same user namespace "
                   "(the same container), or run the caller in an ancestor namespace with "
                   "CAP_SYS_PTRACE.",
                   pid(), peer_ns.data(), own_ns.data());
            return;
        }
        // The peer's link needs ptrace read access, which a process in a
        // nested namespace lacks for processes outside it.
        if (peer_ns[0] == '\0' && !initial_user_namespace(*sys_)) {
            report(-EPERM, CMA_REASON_USER_NAMESPACE,
                   "This process is in a nested user namespace (%s; its uid_map is not the "
                   "identity) and cannot even read which namespace pid %d is in: the peer is "
                   "outside it, where this process has no CAP_SYS_PTRACE. Run both in the same "
                   "user namespace (the same container), or run the caller in an ancestor "
                   "namespace.",
                   own_ns[0] != '\0' ? own_ns.data() : "unknown", pid());
            return;
        }
        const SmallFile peer{*sys_, proc_path(proc_->pid, "status").data()};
        const std::optional<Ids> own_uid = ids(self, "Uid");
        const std::optional<Ids> own_gid = ids(self, "Gid");
        const std::optional<Ids> uid = ids(peer, "Uid");
        const std::optional<Ids> gid = ids(peer, "Gid");
        if (!capable && own_uid && own_gid && uid && gid && !same_ids(*own_uid, *uid, *own_gid, *gid)) {
            report(-EPERM, CMA_REASON_CREDENTIALS,
                   "Pid %d runs as uid %u/%u/%u and gid %u/%u/%u (real/effective/saved), this "
                   "process as real uid %u and gid %u, without CAP_SYS_PTRACE: CMA needs all of "
                   "the peer's ids equal to the caller's real ones. Run both as the same user "
                   "and group, or give the caller CAP_SYS_PTRACE.",
                   pid(), uid->real, uid->effective, uid->saved, gid->real, gid->effective, gid->saved,
                   own_uid->real, own_gid->real);
            return;
        }
        uid_t owner = 0;
        if (!capable && uid && uid->effective != 0 &&
            sys_->owner_uid(sys_->context, proc_path(proc_->pid, "status").data(), &owner) == 0 && owner == 0) {
            // proc gives a non-dumpable process's files (not its directory)
            // to root.
            report(-EPERM, CMA_REASON_NOT_DUMPABLE,
                   "Pid %d is not dumpable (its /proc files belong to root although it runs as "
                   "uid %u): it called prctl(PR_SET_DUMPABLE, 0), or runs a set-user-ID, "
                   "set-group-ID or file-capability program. Have the peer call "
                   "prctl(PR_SET_DUMPABLE, 1), or give the caller CAP_SYS_PTRACE.",
                   pid(), uid->effective);
            return;
        }
        if (yama(capable, field_number<pid_t>(self, "Pid").value_or(0))) {
            return;
        }
        const SmallFile lsm{*sys_, "/sys/kernel/security/lsm"};
        const std::string_view lsms = lsm.error() < 0 ? std::string_view{"unknown"} : lsm.text();
        report(-EPERM, CMA_REASON_DENIED,
               "Access to pid %d is denied (EPERM), although its credentials, dumpability, user "
               "namespace and Yama allow it: another security module (active: %.*s) or policy "
               "refuses ptrace access. Look for the denial in the audit log (dmesg, "
               "/var/log/audit).",
               pid(), static_cast<int>(lsms.size()), lsms.data());
    }

    static bool same_ids(const Ids &own_uid, const Ids &uid, const Ids &own_gid, const Ids &gid) noexcept
    {
        return uid.real == own_uid.real && uid.effective == own_uid.real && uid.saved == own_uid.real &&
               gid.real == own_gid.real && gid.effective == own_gid.real && gid.saved == own_gid.real;
    }

    // Yama as the cause, if it is; @self is the caller's pid.
    bool yama(bool capable, pid_t self) noexcept
    {
        switch (result().ptrace_scope) {
        case 3:
            report(-EPERM, CMA_REASON_YAMA_NO_ATTACH,
                   "Yama's kernel.yama.ptrace_scope is 3 (no attach): no process may access "
                   "another's memory, and the setting cannot be lowered until reboot. Boot with a "
                   "lower value (sysctl.d), or use another transport.");
            return true;
        case 2:
            if (capable) {
                return false;
            }
            report(-EPERM, CMA_REASON_YAMA_ADMIN_ONLY,
                   "Yama's kernel.yama.ptrace_scope is 2 (admin-only): only processes with "
                   "CAP_SYS_PTRACE may access another's memory, and this one lacks it. Give it "
                   "CAP_SYS_PTRACE (setcap cap_sys_ptrace+ep, or --cap-add SYS_PTRACE in a "
                   "container), or set kernel.yama.ptrace_scope to 0 or 1.");
            return true;
        case 1:
            if (capable || is_ancestor(*sys_, self, proc_->pid)) {
                return false;
            }
            report(-EPERM, CMA_REASON_YAMA_RELATIONAL,
                   "Yama's kernel.yama.ptrace_scope is 1 (restricted): only an ancestor of pid %d, "
                   "or a process it names with prctl(PR_SET_PTRACER), may access it, and this "
                   "process (pid %d) is neither. Have the peer call prctl(PR_SET_PTRACER, %d) (or "
                   "PR_SET_PTRACER_ANY), or start the peer from this process, or give this process "
                   "CAP_SYS_PTRACE, or set kernel.yama.ptrace_scope to 0.",
                   pid(), static_cast<int>(self), static_cast<int>(self));
            return true;
        default:
            return false;
        }
    }

    cma_process *proc_;
    const Syscalls *sys_;
    char *msg_;
    std::size_t size_;
};

} // namespace
} // namespace cma::detail

extern "C" int cma_probe(cma_process *proc, cma_probe_result *out) noexcept
{
    if (proc == nullptr || out == nullptr) {
        return -EINVAL;
    }
    const cma::detail::Lock lock{proc->probe_lock};
    if (!proc->probed) {
        cma::detail::Diagnosis{*proc}.run();
        proc->probe.message = proc->message.data();
        proc->probed = true;
    }
    *out = proc->probe;
    return 0;
}
