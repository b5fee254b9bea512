// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fake_syscalls.hpp"

#include "iov_testing.hpp"
#include "reduce_reference.hpp"

#include <cma/cma.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <span>

namespace cma::test {
namespace {

constexpr unsigned long kUioMaxIov = 1024;
constexpr unsigned long kPidfd = 1;
constexpr unsigned long kNowait = CMA_NOWAIT;
constexpr std::uintptr_t kFirstMappable = 4096;

bool lengths_valid(std::span<const iovec> list) noexcept
{
    return std::ranges::all_of(list, [](const iovec &element) {
        return element.iov_len <= static_cast<std::size_t>(std::numeric_limits<ssize_t>::max());
    });
}

bool aligned(std::span<const iovec> list, std::size_t size) noexcept
{
    return std::ranges::all_of(list, [size](const iovec &element) {
        return element.iov_len == 0 ||
               (reinterpret_cast<std::uintptr_t>(element.iov_base) % size == 0 && element.iov_len % size == 0);
    });
}

ReduceKind kind_of(unsigned long flags) noexcept
{
    return {.op = static_cast<unsigned>((flags & CMA_OP_MASK) >> CMA_OP_SHIFT),
            .type = static_cast<unsigned>((flags & CMA_TYPE_MASK) >> CMA_TYPE_SHIFT)};
}

// The stream offset of the first remote byte, among the first @n, that lies
// in one of @ranges; @n if none.
std::size_t first_in(std::span<const iovec> list, std::size_t n, std::span<const FakeSyscalls::Range> ranges,
                     bool below_first_page) noexcept
{
    std::size_t offset = 0;
    for (const iovec &element : list) {
        if (offset >= n) {
            break;
        }
        const auto begin = reinterpret_cast<std::uintptr_t>(element.iov_base);
        const std::size_t len = std::min(element.iov_len, n - offset);
        std::size_t stop = len;
        if (below_first_page && len > 0 && begin < kFirstMappable) {
            stop = 0;
        }
        for (const FakeSyscalls::Range &range : ranges) {
            if (range.begin < begin + len && range.end > begin) {
                stop = std::min(stop, range.begin > begin ? range.begin - begin : 0);
            }
        }
        if (stop < len) {
            return offset + stop;
        }
        offset += len;
    }
    return n;
}

// Gathers the first @n bytes of a stream, or scatters them back.
std::vector<std::byte> gather(std::span<const iovec> list, std::size_t n)
{
    std::vector<std::byte> out(n);
    const iovec whole{out.data(), n};
    copy_stream({&whole, 1}, list, n);
    return out;
}

void scatter(std::span<const iovec> list, std::vector<std::byte> &bytes)
{
    const iovec whole{bytes.data(), bytes.size()};
    copy_stream(list, {&whole, 1}, bytes.size());
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
            .pidfd_send_signal = [](void *self, int /*pidfd*/, int /*sig*/) noexcept {
                auto *fake = static_cast<FakeSyscalls *>(self);
                const std::scoped_lock lock{fake->mutex_};
                return fake->pidfd_signal_result;
            },
            .dup_cloexec = [](void *self, int /*fd*/) noexcept {
                auto *fake = static_cast<FakeSyscalls *>(self);
                const std::scoped_lock lock{fake->mutex_};
                return fake->dup_result != 0 ? fake->dup_result : fake->next_fd_++;
            },
            .close = [](void *self, int fd) noexcept {
                auto *fake = static_cast<FakeSyscalls *>(self);
                const std::scoped_lock lock{fake->mutex_};
                fake->closed.push_back(fd);
            },
            .read_file = [](void *self, const char *path, char *buf, std::size_t size) noexcept {
                auto *fake = static_cast<FakeSyscalls *>(self);
                return fake->read_path(fake->files, path, buf, size);
            },
            .read_link = [](void *self, const char *path, char *buf, std::size_t size) noexcept {
                auto *fake = static_cast<FakeSyscalls *>(self);
                return fake->read_path(fake->links, path, buf, size);
            },
            .owner_uid = [](void *self, const char *path, uid_t *uid) noexcept {
                auto *fake = static_cast<FakeSyscalls *>(self);
                const std::scoped_lock lock{fake->mutex_};
                const auto found = fake->owners.find(path);
                if (found == fake->owners.end()) {
                    return -ENOENT;
                }
                *uid = found->second;
                return 0;
            },
            .cpu_count = [](void *self) noexcept { return static_cast<FakeSyscalls *>(self)->cpus; },
            .numa_nodes = [](void *self) noexcept { return static_cast<FakeSyscalls *>(self)->numa_nodes; },
            .node_cpus = [](void *self, int node, cpu_set_t *set) noexcept {
                const auto *fake = static_cast<FakeSyscalls *>(self);
                if (node < 0 || node >= fake->numa_nodes) {
                    return -EINVAL;
                }
                CPU_ZERO(set);
                for (int i = 0; i < fake->cpus_per_node; ++i) {
                    CPU_SET(static_cast<std::size_t>((node * fake->cpus_per_node) + i), set);
                }
                return 0;
            },
            .page_nodes = [](void *self, pid_t pid, std::size_t count, const void *const *addresses,
                             int *nodes) noexcept {
                auto *fake = static_cast<FakeSyscalls *>(self);
                const std::scoped_lock lock{fake->mutex_};
                ++fake->page_node_calls;
                const std::span<const void *const> in{addresses, count};
                const std::span<int> out{nodes, count};
                for (std::size_t i = 0; i < count; ++i) {
                    out[i] = fake->page_node ? fake->page_node(pid, in[i]) : -ENOENT;
                }
                return 0;
            },
            .set_affinity = [](void *self, const cpu_set_t *set) noexcept {
                auto *fake = static_cast<FakeSyscalls *>(self);
                const std::scoped_lock lock{fake->mutex_};
                int first = -1;
                for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
                    if (CPU_ISSET(static_cast<std::size_t>(cpu), set)) {
                        first = cpu;
                        break;
                    }
                }
                fake->affinity_changes.push_back({std::this_thread::get_id(), first, CPU_COUNT(set)});
                return 0;
            },
            .context = this,
    };
}

std::vector<FakeSyscalls::Call> FakeSyscalls::transfers() const
{
    const std::scoped_lock lock{mutex_};
    std::vector<Call> moving;
    std::ranges::copy_if(calls, std::back_inserter(moving),
                         [](const Call &call) { return total_length(call.local) > 0; });
    return moving;
}

ssize_t FakeSyscalls::read_path(const std::map<std::string, std::string> &table, const char *path, char *buf,
                                std::size_t size) noexcept
{
    const std::scoped_lock lock{mutex_};
    paths_read.emplace_back(path);
    if (const auto error = path_errors.find(path); error != path_errors.end()) {
        return error->second;
    }
    const auto found = table.find(path);
    if (found == table.end()) {
        return -ENOENT;
    }
    const std::size_t n = std::min(size, found->second.size());
    std::copy_n(found->second.data(), n, buf);
    return static_cast<ssize_t>(n);
}

bool FakeSyscalls::flags_valid(unsigned long flags) const noexcept
{
    if (features == 0) {
        return flags == 0; // 6.1
    }
    constexpr unsigned long kKnown = kPidfd | kNowait | CMA_OP_MASK | CMA_TYPE_MASK;
    if ((flags & ~kKnown) != 0 || ((flags & kPidfd) != 0 && (features & CMA_FEATURE_PIDFD) == 0) ||
        ((flags & kNowait) != 0 && (features & CMA_FEATURE_NOWAIT) == 0)) {
        return false;
    }
    const ReduceKind kind = kind_of(flags);
    if (kind.op == 0 && kind.type == 0) {
        return true;
    }
    if ((features & CMA_FEATURE_REDUCE) == 0 || !valid_kind(kind)) {
        return false;
    }
    return !is_float_type(kind.type) || (features & CMA_FEATURE_REDUCE_FLOAT) != 0;
}

ssize_t FakeSyscalls::transfer(bool write, pid_t pid, const iovec *local, unsigned long nlocal,
                               const iovec *remote, unsigned long nremote, unsigned long flags) noexcept
{
    const std::scoped_lock lock{mutex_};
    Call &call = calls.emplace_back(Call{
            .write = write,
            .pid = pid,
            .local_array = local,
            .remote_array = remote,
            .local = {local, local + nlocal},
            .remote = {remote, remote + nremote},
            .flags = flags,
            .result = 0,
            .thread = std::this_thread::get_id(),
    });
    if (syscall_error != 0) {
        return call.result = syscall_error;
    }
    const std::span<const iovec> local_list{call.local};
    const std::span<const iovec> remote_list{call.remote};
    const ReduceKind kind = kind_of(flags);
    const std::size_t element = kind.op != 0 ? type_size(kind.type) : 1;

    // The checks the kernel makes before anything else.
    // The library probes for flags with empty calls; those are not misuse.
    if (!flags_valid(flags) && nlocal == 0 && nremote == 0) {
        return call.result = -EINVAL;
    }
    if (!flags_valid(flags) || nlocal > kUioMaxIov || nremote > kUioMaxIov || !lengths_valid(local_list) ||
        !lengths_valid(remote_list) || !aligned(local_list, element) || !aligned(remote_list, element)) {
        ++rule_violations;
        return call.result = -EINVAL;
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
    std::size_t moved = std::min({local_total, total_length(remote_list), step.at_most});
    const std::size_t fault = first_in(remote_list, moved, remote_faults, true);
    const std::size_t absent = (flags & kNowait) != 0 ? first_in(remote_list, moved, nonresident, false) : moved;
    if (std::min(fault, absent) < moved) {
        moved = std::min(fault, absent);
        moved -= moved % element;
        if (moved == 0) {
            return call.result = -EFAULT;
        }
    }
    if (copy_memory) {
        const std::span<const iovec> dst = write ? remote_list : local_list;
        const std::span<const iovec> src = write ? local_list : remote_list;
        if (kind.op != 0) {
            std::vector<std::byte> combined = gather(dst, moved);
            reference_combine(kind, combined, gather(src, moved));
            scatter(dst, combined);
        } else {
            copy_stream(dst, src, moved);
        }
    }
    call.result = step.report.value_or(static_cast<ssize_t>(moved));
    return call.result;
}

} // namespace cma::test
