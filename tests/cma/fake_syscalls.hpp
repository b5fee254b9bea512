// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A scripted kernel behind the seam (lib/cma/src/syscalls.hpp): open a
// handle with cma::detail::open_process(pid, 0, fake.table(), &proc).
//
// process_vm_readv/writev act on this process's own memory, so "remote"
// addresses are ordinary pointers, and enforce what 6.1 enforces on every
// call (flags, IOV_MAX, lengths, the MAX_RW_COUNT clamp of the local list).
// Each call takes the next Step of the script, which can fail it, cut it
// short (anywhere, mid-element included) or make it misreport; with the
// script used up, calls behave like the kernel. Every call is recorded.
#ifndef CMA_TESTS_FAKE_SYSCALLS_HPP
#define CMA_TESTS_FAKE_SYSCALLS_HPP

#include "syscalls.hpp"

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
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
    };

    std::deque<Step> script;
    // Applied to every call after the script: a per-call byte limit, as
    // MAX_RW_COUNT is (tests lower it to exercise the resume path).
    std::size_t clamp = 0x7ffff000;
    // Off: count bytes without touching memory, for sizes no test can allocate.
    bool copy_memory = true;
    // What kill(pid, 0) answers at open.
    int kill_result = 0;

    std::vector<Call> calls;
    // Calls that broke a rule the kernel enforces (and got -EINVAL for it).
    std::size_t rule_violations = 0;

    // The seam's table, pointing at this object (which must outlive every
    // handle opened with it).
    [[nodiscard]] cma::detail::Syscalls table() noexcept;

private:
    ssize_t transfer(bool write, pid_t pid, const iovec *local, unsigned long nlocal, const iovec *remote,
                     unsigned long nremote, unsigned long flags) noexcept;
};

} // namespace cma::test

#endif // CMA_TESTS_FAKE_SYSCALLS_HPP
