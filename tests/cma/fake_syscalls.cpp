// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fake_syscalls.hpp"

#include "iov_testing.hpp"

#include <algorithm>
#include <cerrno>
#include <span>

namespace cma::test {
namespace {

constexpr unsigned long kUioMaxIov = 1024;

bool lengths_valid(std::span<const iovec> list) noexcept
{
    return std::ranges::all_of(list, [](const iovec &element) {
        return element.iov_len <= static_cast<std::size_t>(std::numeric_limits<ssize_t>::max());
    });
}

} // namespace

cma::detail::Syscalls FakeSyscalls::table() noexcept
{
    return {
            .process_vm_readv =
                    [](void *self, pid_t pid, const iovec *local, unsigned long nlocal, const iovec *remote,
                       unsigned long nremote, unsigned long flags) noexcept {
                        return static_cast<FakeSyscalls *>(self)->transfer(false, pid, local, nlocal, remote,
                                                                           nremote, flags);
                    },
            .process_vm_writev =
                    [](void *self, pid_t pid, const iovec *local, unsigned long nlocal, const iovec *remote,
                       unsigned long nremote, unsigned long flags) noexcept {
                        return static_cast<FakeSyscalls *>(self)->transfer(true, pid, local, nlocal, remote,
                                                                           nremote, flags);
                    },
            .kill = [](void *self, pid_t /*pid*/, int /*sig*/) noexcept {
                return static_cast<FakeSyscalls *>(self)->kill_result;
            },
            .context = this,
    };
}

ssize_t FakeSyscalls::transfer(bool write, pid_t pid, const iovec *local, unsigned long nlocal,
                               const iovec *remote, unsigned long nremote, unsigned long flags) noexcept
{
    Call &call = calls.emplace_back(Call{
            .write = write,
            .pid = pid,
            .local_array = local,
            .remote_array = remote,
            .local = {local, local + nlocal},
            .remote = {remote, remote + nremote},
            .flags = flags,
            .result = 0,
    });
    const std::span<const iovec> local_list{call.local};
    const std::span<const iovec> remote_list{call.remote};

    // The checks 6.1 makes before anything else.
    if (flags != 0 || nlocal > kUioMaxIov || nremote > kUioMaxIov || !lengths_valid(local_list) ||
        !lengths_valid(remote_list)) {
        ++rule_violations;
        call.result = -EINVAL;
        return call.result;
    }
    // The local list is truncated at the clamp; an empty one returns 0
    // before the target is even looked up.
    const std::size_t local_total = std::min(total_length(local_list), clamp);
    if (local_total == 0) {
        return call.result = 0;
    }

    Step step;
    if (!script.empty()) {
        step = script.front();
        script.pop_front();
    }
    if (step.error != 0) {
        return call.result = step.error;
    }
    const std::size_t moved = std::min({local_total, total_length(remote_list), step.at_most});
    if (copy_memory) {
        if (write) {
            copy_stream(remote_list, local_list, moved);
        } else {
            copy_stream(local_list, remote_list, moved);
        }
    }
    call.result = step.report.value_or(static_cast<ssize_t>(moved));
    return call.result;
}

} // namespace cma::test
