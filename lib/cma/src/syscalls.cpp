// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The real system calls behind the seam. The libc wrappers are used rather
// than syscall(2) so that sanitizers see the memory the kernel writes.
#include "syscalls.hpp"

#include <fcntl.h>
#include <numa.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <span>

namespace cma::detail {
namespace {

// What a libc call that returns -1 and sets errno becomes behind the seam.
template <typename T>
T result_or_errno(T ret) noexcept
{
    return ret < 0 ? static_cast<T>(-errno) : ret;
}

[[gnu::hot]] ssize_t real_process_vm_readv(void * /*context*/, pid_t pid, const iovec *local, unsigned long nlocal,
                              const iovec *remote, unsigned long nremote, unsigned long flags) noexcept
{
    return result_or_errno(::process_vm_readv(pid, local, nlocal, remote, nremote, flags));
}

[[gnu::hot]] ssize_t real_process_vm_writev(void * /*context*/, pid_t pid, const iovec *local, unsigned long nlocal,
                               const iovec *remote, unsigned long nremote, unsigned long flags) noexcept
{
    return result_or_errno(::process_vm_writev(pid, local, nlocal, remote, nremote, flags));
}

int real_kill(void * /*context*/, pid_t pid, int sig) noexcept
{
    return result_or_errno(::kill(pid, sig));
}

// Not glibc's wrapper: Debian 12's <sys/pidfd.h> (glibc 2.36) declares it
// without extern "C", so C++ cannot link to it.
int real_pidfd_send_signal(void * /*context*/, int pidfd, int sig) noexcept
{
    return static_cast<int>(result_or_errno(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0)));
}

int real_dup_cloexec(void * /*context*/, int fd) noexcept
{
    return result_or_errno(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
}

void real_close(void * /*context*/, int fd) noexcept
{
    ::close(fd);
}

ssize_t real_read_file(void * /*context*/, const char *path, char *buf, std::size_t size) noexcept
{
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    std::size_t got = 0;
    ssize_t ret = 0;
    while (got < size) {
        ret = ::read(fd, buf + got, size - got);
        if (ret < 0 && errno == EINTR) {
            continue;
        }
        if (ret <= 0) {
            break;
        }
        got += static_cast<std::size_t>(ret);
    }
    const int err = errno;
    ::close(fd);
    return ret < 0 ? -err : static_cast<ssize_t>(got);
}

ssize_t real_read_link(void * /*context*/, const char *path, char *buf, std::size_t size) noexcept
{
    return result_or_errno(::readlink(path, buf, size));
}

int real_owner_uid(void * /*context*/, const char *path, uid_t *uid) noexcept
{
    struct stat st {};
    if (::stat(path, &st) < 0) {
        return -errno;
    }
    *uid = st.st_uid;
    return 0;
}

int real_cpu_count(void * /*context*/) noexcept
{
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    if (::sched_getaffinity(0, sizeof(cpus), &cpus) < 0) {
        return -errno;
    }
    return CPU_COUNT(&cpus);
}

int real_numa_nodes(void * /*context*/) noexcept
{
    if (::numa_available() < 0) {
        return 0;
    }
    return ::numa_max_node() + 1;
}

int real_node_cpus(void * /*context*/, int node, cpu_set_t *cpus) noexcept
{
    bitmask *mask = ::numa_allocate_cpumask();
    if (mask == nullptr) {
        return -ENOMEM;
    }
    int ret = ::numa_node_to_cpus(node, mask);
    if (ret < 0) {
        ret = -errno;
    } else {
        CPU_ZERO(cpus);
        for (unsigned cpu = 0; cpu < mask->size && cpu < CPU_SETSIZE; ++cpu) {
            if (::numa_bitmask_isbitset(mask, cpu) != 0) {
                CPU_SET(cpu, cpus);
            }
        }
    }
    ::numa_bitmask_free(mask);
    return ret;
}

// The most addresses one page_nodes() call takes: one per slice.
constexpr std::size_t kMaxPages = 64;

int real_page_nodes(void * /*context*/, pid_t pid, std::size_t count, const void *const *addresses,
                    int *nodes) noexcept
{
    if (count > kMaxPages) {
        return -EINVAL;
    }
    // move_pages(2) takes a non-const array; with nodes NULL it only reads it.
    std::array<void *, kMaxPages> pages{};
    std::ranges::transform(std::span{addresses, count}, pages.begin(),
                           [](const void *address) { return const_cast<void *>(address); });
    return ::numa_move_pages(pid, count, pages.data(), nullptr, nodes, 0) < 0 ? -errno : 0;
}

int real_set_affinity(void * /*context*/, const cpu_set_t *cpus) noexcept
{
    return result_or_errno(::sched_setaffinity(0, sizeof(*cpus), cpus));
}

constexpr Syscalls kReal{
        .process_vm_readv = real_process_vm_readv,
        .process_vm_writev = real_process_vm_writev,
        .kill = real_kill,
        .pidfd_send_signal = real_pidfd_send_signal,
        .dup_cloexec = real_dup_cloexec,
        .close = real_close,
        .read_file = real_read_file,
        .read_link = real_read_link,
        .owner_uid = real_owner_uid,
        .cpu_count = real_cpu_count,
        .numa_nodes = real_numa_nodes,
        .node_cpus = real_node_cpus,
        .page_nodes = real_page_nodes,
        .set_affinity = real_set_affinity,
        .context = nullptr,
};

} // namespace

const Syscalls &real_syscalls() noexcept
{
    return kReal;
}

} // namespace cma::detail
