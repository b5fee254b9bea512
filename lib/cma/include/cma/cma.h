/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcma: Cross Memory Attach (process_vm_readv/process_vm_writev) done once,
 * correctly, for MPI runtimes and anyone else who moves memory between
 * processes with a single copy.
 *
 * What the library adds over the two system calls:
 *  - scatter-gather lists of any length and any total size: lists longer than
 *    IOV_MAX (1024) are split over several calls, and the kernel's per-call
 *    limit of MAX_RW_COUNT (0x7ffff000) bytes is resumed transparently;
 *  - short counts are resumed, including a count that ends in the middle of
 *    an iovec element (the kernel does this at page boundaries, at faults and
 *    at the per-call limit, whatever the man page says);
 *  - EINTR is retried;
 *  - arguments the kernel would misreport (lengths above SSIZE_MAX, totals
 *    that overflow) are rejected before any system call is made.
 *
 * Conventions (as in liburing):
 *  - Functions return 0 or a byte count on success and a negative errno
 *    value on failure. errno is never used to report anything; its value
 *    after a call is unspecified.
 *  - Handles are opaque. Nothing here throws, allocates per transfer, or
 *    installs signal handlers.
 *  - Byte counts are exact: a transfer returns precisely the number of bytes
 *    moved, and those bytes are always a prefix of the flattened streams
 *    (local elements in order, remote elements in order).
 *
 * Thread safety: a handle is immutable after cma_process_open(). Any number
 * of threads may transfer through the same handle at once;
 * cma_process_close() must not race with transfers on the same handle.
 *
 * This header compiles as C99 and later and as C++11 and later. C++ callers
 * may prefer <cma/cma.hpp>.
 */
#ifndef CMA_CMA_H
#define CMA_CMA_H

#include <stddef.h> /* NOLINT(modernize-deprecated-headers): a C header */
#include <sys/types.h>
#include <sys/uio.h>

#define CMA_VERSION_MAJOR 0
#define CMA_VERSION_MINOR 1

#if defined(__cplusplus) && __cplusplus >= 201103L
#define CMA_NOEXCEPT noexcept
#else
#define CMA_NOEXCEPT
#endif

#if defined(__GNUC__)
#define CMA_MUST_CHECK __attribute__((__warn_unused_result__))
#else
#define CMA_MUST_CHECK
#endif

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct cma_process - an opaque handle on a peer process
 *
 * Obtained from cma_process_open(), released with cma_process_close().
 * A handle names its peer by pid, so it is exposed to pid reuse once the
 * peer has exited and been reaped: keep the peer's lifetime in step with the
 * handle's (as MPI runtimes do for their local ranks).
 */
struct cma_process;

/**
 * cma_process_open() - open a handle on a peer process
 * @pid:   the peer, as a pid in the caller's pid namespace; it may be the
 *         caller itself.
 * @flags: must be 0. Reserved for later options (for example opening by
 *         pidfd); unknown bits are rejected, so callers can probe support.
 * @out:   receives the handle on success and NULL on failure.
 *
 * Checks that @pid names an existing process. It does not check that the
 * caller may access the peer's memory: that is decided by the kernel at each
 * transfer (see the -EPERM case of cma_readv()).
 *
 * Return: 0 on success, or
 *  -EINVAL  @out is NULL, @flags is not 0, or @pid is not positive;
 *  -ESRCH   no process with that pid exists (it was never started, or it
 *           has exited and been reaped);
 *  -ENOMEM  the handle could not be allocated.
 */
CMA_MUST_CHECK int cma_process_open(pid_t pid, unsigned flags, struct cma_process **out) CMA_NOEXCEPT;

/**
 * cma_process_close() - release a handle
 * @proc: the handle, or NULL (then nothing happens).
 *
 * Does not affect the peer. No transfer on @proc may be running or start
 * afterwards.
 */
void cma_process_close(struct cma_process *proc) CMA_NOEXCEPT;

/**
 * cma_process_pid() - the pid a handle was opened with
 * @proc: the handle.
 *
 * Return: the pid, or -EINVAL if @proc is NULL.
 */
pid_t cma_process_pid(const struct cma_process *proc) CMA_NOEXCEPT;

/**
 * cma_readv() - copy from the peer's memory into the caller's
 * @proc:    the peer.
 * @local:   destination elements in the caller's address space.
 * @nlocal:  number of elements in @local; any number, 0 included.
 * @remote:  source elements in the peer's address space.
 * @nremote: number of elements in @remote; any number, 0 included.
 * @flags:   must be 0 (reserved for non-blocking and reducing transfers).
 *
 * Copies the flattened @remote stream into the flattened @local stream,
 * min(total local, total remote) bytes, with as many system calls as that
 * takes. Elements may have any length, 0 included, and are copied in order.
 * The two arrays are only read, and only during the call.
 *
 * A request that moves no bytes (either total is 0) returns 0 at once,
 * without a system call; it therefore does not check that the peer exists or
 * is accessible.
 *
 * Partial transfers: if an error stops the transfer after some bytes have
 * moved, the call returns that byte count, which is smaller than requested,
 * and the error is not reported, exactly as the system call behaves. The
 * first N bytes of the destination stream then hold the source's first N
 * bytes; the destination beyond them is unspecified (the kernel may have
 * written part of a page before it faulted). A caller that needs the reason
 * can issue the remainder again: it then fails at once with the error.
 *
 * Return: the number of bytes copied, or, if none could be copied,
 *  -EINVAL  @proc is NULL; @flags is not 0; @local or @remote is NULL with a
 *           non-zero count; an element is longer than SSIZE_MAX; or a list's
 *           total exceeds SSIZE_MAX. Nothing was done.
 *  -EFAULT  the first byte to copy lies in memory that cannot be accessed:
 *           a local buffer that is unmapped or read-only, or remote memory
 *           that is unmapped or PROT_NONE. (CMA never forces access, as a
 *           debugger would.)
 *  -ESRCH   the peer has exited (a zombie included).
 *  -EPERM   the caller may not access the peer's memory: the kernel's
 *           ptrace access check failed (a different uid or gid without
 *           CAP_SYS_PTRACE, a non-dumpable peer, Yama ptrace_scope, an LSM),
 *           or a seccomp filter denies the system call. Retrying will not
 *           help; fall back to another transport.
 *  -ENOSYS  the kernel was built without CONFIG_CROSS_MEMORY_ATTACH, or a
 *           seccomp filter reports the system call as missing. Fall back to
 *           another transport.
 *  -ENOMEM  the kernel could not allocate what the copy needed.
 *  -EIO     the kernel reported an impossible count: no bytes and no error,
 *           or more bytes than were requested. Linux does neither; the
 *           library stops rather than spin or miscount.
 *  Any other negative errno value the system call returns is passed through
 *  unchanged. EINTR never is: interrupted calls are restarted.
 */
CMA_MUST_CHECK ssize_t cma_readv(struct cma_process *proc, const struct iovec *local, size_t nlocal,
                                 const struct iovec *remote, size_t nremote,
                                 unsigned flags) CMA_NOEXCEPT;

/**
 * cma_writev() - copy from the caller's memory into the peer's
 * @proc:    the peer.
 * @local:   source elements in the caller's address space.
 * @nlocal:  number of elements in @local; any number, 0 included.
 * @remote:  destination elements in the peer's address space.
 * @nremote: number of elements in @remote; any number, 0 included.
 * @flags:   must be 0 (reserved for non-blocking and reducing transfers).
 *
 * The mirror image of cma_readv(): copies the flattened @local stream into
 * the flattened @remote stream, min(total local, total remote) bytes, with
 * the same rules for empty requests and partial transfers.
 *
 * Return: the number of bytes copied, or, if none could be copied, the
 * errors of cma_readv(), except that -EFAULT here means a local buffer that
 * cannot be read, or remote memory that is unmapped, PROT_NONE or read-only.
 */
CMA_MUST_CHECK ssize_t cma_writev(struct cma_process *proc, const struct iovec *local, size_t nlocal,
                                  const struct iovec *remote, size_t nremote,
                                  unsigned flags) CMA_NOEXCEPT;

/**
 * cma_read() - copy one contiguous range from the peer
 * @proc:   the peer.
 * @local:  destination in the caller's address space.
 * @remote: source address in the peer's address space.
 * @len:    bytes to copy.
 * @flags:  must be 0.
 *
 * cma_readv() with one element on each side.
 *
 * Return: as cma_readv(); -EINVAL also when @len exceeds SSIZE_MAX.
 */
CMA_MUST_CHECK ssize_t cma_read(struct cma_process *proc, void *local, const void *remote, size_t len,
                                unsigned flags) CMA_NOEXCEPT;

/**
 * cma_write() - copy one contiguous range to the peer
 * @proc:   the peer.
 * @local:  source in the caller's address space.
 * @remote: destination address in the peer's address space.
 * @len:    bytes to copy.
 * @flags:  must be 0.
 *
 * cma_writev() with one element on each side.
 *
 * Return: as cma_writev(); -EINVAL also when @len exceeds SSIZE_MAX.
 */
CMA_MUST_CHECK ssize_t cma_write(struct cma_process *proc, const void *local, void *remote, size_t len,
                                 unsigned flags) CMA_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* CMA_CMA_H */
