// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A scripted kernel behind the seam (lib/cma/src/syscalls.hpp): open a
// handle with cma::detail::open_process(pid, 0, fake.table(), &proc) (or
// open_pidfd(), or a context with create_context()).
//
// process_vm_readv/writev act on this process's own memory, so "remote"
// addresses are ordinary pointers, and enforce what 6.1 enforces on every
// call (flags, IOV_MAX, lengths, the MAX_RW_COUNT clamp of the local list).
// With `features` set, the fake is the patched kernel instead: it accepts
// PROCESS_VM_PIDFD, PROCESS_VM_NOWAIT and reduce flags (with the layout
// rules, and combining through the reference in reduce_reference.hpp).
// Remote memory can be made to fault, or (for NOWAIT) to be non-resident,
// by address range; addresses below 4096 always fault.
// Each call takes the next Step of the script, which can fail it, cut it
// short (anywhere, mid-element included) or make it misreport; with the
// script used up, calls behave like the kernel. Every call is recorded.
//
// The other entries answer from tables: files, links and owners by path,
// the pidfd checks, CPU and NUMA topology (recording every affinity change).
// Everything is guarded by one mutex, since a context's workers call in from
// several threads; the tests read the records after the transfers.
#ifndef CMA_TESTS_FAKE_SYSCALLS_HPP
#define CMA_TESTS_FAKE_SYSCALLS_HPP

#include "syscalls.hpp"

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cma::test {

class FakeSyscalls {
public:
    struct Step {
        int error = 0;                                          // -errno: fail, move nothing
        std::size_t at_most = std::numeric_limits<std::size_t>::max(); // cap on bytes moved
        std::optional<ssize_t> report;                          // returned instead of the count
    };
    static Step fail(int negative_errno) { return {.error = negative_errno}; }
    static Step move_at_most(std::size_t bytes) { return {.at_most = bytes}; }
    static Step misreport(ssize_t result) { return {.report = result}; }
    static Step ok() { return {}; }

    struct Call {
        bool write;
        pid_t pid;
        const iovec *local_array;  // the pointers the library passed
        const iovec *remote_array;
        std::vector<iovec> local;  // and what they held
        std::vector<iovec> remote;
        unsigned long flags;
        ssize_t result;
        std::thread::id thread; // that made the call
    };

    // [begin, end) of this process's addresses.
    struct Range {
        std::uintptr_t begin;
        std::uintptr_t end;
    };
    static Range range_of(const void *base, std::size_t len)
    {
        const auto begin = reinterpret_cast<std::uintptr_t>(base);
        return {begin, begin + len};
    }

    struct Affinity {
        std::thread::id thread;
        int first_cpu = -1;
        int cpus = 0;
    };

    std::deque<Step> script;
    // Applied to every call after the script: a per-call byte limit, as
    // MAX_RW_COUNT is (tests lower it to exercise the resume path).
    std::size_t clamp = 0x7ffff000;
    // Off: count bytes without touching memory, for sizes no test can allocate.
    bool copy_memory = true;
    // What kill(pid, 0) answers at open.
    int kill_result = 0;
    // Non-zero: every process_vm_* call fails with it, empty ones included
    // (a kernel without CONFIG_CROSS_MEMORY_ATTACH, a seccomp filter).
    int syscall_error = 0;
    // CMA_FEATURE_* of the kernel; 0 is 6.1, where any flag is EINVAL.
    unsigned features = 0;
    // Remote ranges a copy stops before (EFAULT when nothing moved).
    std::vector<Range> remote_faults;
    // Remote ranges that are not resident: with PROCESS_VM_NOWAIT a copy
    // stops before them (EFAULT when nothing moved); without, no effect.
    std::vector<Range> nonresident;

    // read_file/read_link/owner_uid answers by path; a path in none of the
    // maps is -ENOENT.
    std::map<std::string, std::string> files;
    std::map<std::string, std::string> links;
    std::map<std::string, uid_t> owners;
    std::map<std::string, int> path_errors;

    // pidfd_send_signal(fd, 0); dup_cloexec (0: a new number from 1000 on).
    int pidfd_signal_result = 0;
    int dup_result = 0;
    std::vector<int> closed;

    // Topology. page_node(pid, address) answers page_nodes (default: -ENOENT,
    // not present).
    int cpus = 2;
    int numa_nodes = 0;
    int cpus_per_node = 2;
    std::function<int(pid_t, const void *)> page_node;

    std::vector<Call> calls;
    // Calls that broke a rule the kernel enforces (and got -EINVAL for it).
    std::size_t rule_violations = 0;
    std::vector<Affinity> affinity_changes;
    std::size_t page_node_calls = 0;
    std::vector<std::string> paths_read;

    // The seam's table, pointing at this object (which must outlive every
    // handle opened with it).
    [[nodiscard]] cma::detail::Syscalls table() noexcept;

    // The process_vm calls that moved data (local list not empty): the
    // probes' empty calls left out.
    [[nodiscard]] std::vector<Call> transfers() const;

private:
    ssize_t transfer(bool write, pid_t pid, const iovec *local, unsigned long nlocal, const iovec *remote,
                     unsigned long nremote, unsigned long flags) noexcept;
    [[nodiscard]] bool flags_valid(unsigned long flags) const noexcept;
    ssize_t read_path(const std::map<std::string, std::string> &table, const char *path, char *buf,
                      std::size_t size) noexcept;
    int next_fd_ = 1000;
    mutable std::mutex mutex_;
};

} // namespace cma::test

#endif // CMA_TESTS_FAKE_SYSCALLS_HPP
