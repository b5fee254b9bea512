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
 *    that overflow) are rejected before any system call is made;
 *  - handles from a pid or a pidfd, using the kernel's PROCESS_VM_PIDFD where
 *    it has it (cma_process_open_pidfd());
 *  - a capability probe that says whether CMA works against a peer, and if
 *    not why not and what to do about it (cma_probe());
 *  - large transfers split across a pool of threads, each slice on a CPU of
 *    the NUMA node that holds its destination (cma_context_create());
 *  - reductions (CMA_REDUCE()): in the kernel where it has them, otherwise
 *    in userspace with bit-identical results;
 *  - CMA_NOWAIT for progress engines, where the kernel has it.
 *
 * Conventions (as in liburing):
 *  - Functions return 0 or a byte count on success and a negative errno
 *    value on failure. errno is never used to report anything; its value
 *    after a call is unspecified.
 *  - Handles are opaque. Nothing here throws or installs signal handlers.
 *    Copies never allocate; the userspace reduce fallback allocates one
 *    bounce buffer per call, and a context allocates its threads once.
 *  - Byte counts are exact: a transfer returns precisely the number of bytes
 *    moved, and those bytes are always a prefix of the flattened streams
 *    (local elements in order, remote elements in order).
 *
 * Thread safety: a handle does not change after it is opened, except
 * through cma_process_set_context(), and its probe result, which is computed
 * once under a lock. Any number of threads may transfer through the same
 * handle at once; cma_process_set_context() and cma_process_close() must not
 * race with transfers on the same handle. The same holds for contexts:
 * any number of handles and threads may use one context at once, but
 * cma_context_set_threshold() and cma_context_destroy() must not race with
 * transfers that use it.
 *
 * This header compiles as C99 and later and as C++11 and later. C++ callers
 * may prefer <cma/cma.hpp>. Documentation/libcma/ in the source tree has a
 * guide, and what each error means and what to do about it.
 */
#ifndef CMA_CMA_H
#define CMA_CMA_H

#include <stddef.h> /* NOLINT(modernize-deprecated-headers): a C header */
#include <sys/types.h>
#include <sys/uio.h>

#define CMA_VERSION_MAJOR 0
#define CMA_VERSION_MINOR 2

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

/*
 * Transfer flags (the @flags of cma_readv() and friends). They use the bit
 * layout of the kernel's <linux/process_vm.h>, so that the kernel receives
 * them unchanged where it supports them:
 *   bit  1       CMA_NOWAIT (PROCESS_VM_NOWAIT)
 *   bits 8-15    reduce operation (CMA_OP_*), 0 = plain copy
 *   bits 16-23   element type (CMA_TYPE_*), 0 = plain copy
 * Every other bit, bit 0 (PROCESS_VM_PIDFD, which libcma sets itself for
 * pidfd handles) included, must be 0.
 */

/**
 * define CMA_NOWAIT - do not wait for the peer's memory
 *
 * The kernel moves only what the peer has mapped and does not wait: a remote
 * page the peer has not mapped (swapped out, never touched, evicted, behind
 * userfaultfd), a contended peer mmap lock or an execve() in the peer ends
 * the transfer, which returns the bytes moved before it, or -EFAULT if there
 * were none (the kernel's error). A progress engine can then repeat the call
 * without the flag later, or use another transport. Needs a kernel with PROCESS_VM_NOWAIT; without it, transfers
 * with this flag fail with -EOPNOTSUPP (see CMA_FEATURE_NOWAIT).
 */
#define CMA_NOWAIT (1U << 1)

#define CMA_OP_SHIFT 8U
#define CMA_OP_MASK (0xffU << CMA_OP_SHIFT)
#define CMA_TYPE_SHIFT 16U
#define CMA_TYPE_MASK (0xffU << CMA_TYPE_SHIFT)

/* Reduce operations: the destination element d becomes op(d, s). */
#define CMA_OP_SUM 1U  /* d + s */
#define CMA_OP_PROD 2U /* d * s */
#define CMA_OP_MIN 3U  /* the smaller of d and s */
#define CMA_OP_MAX 4U  /* the larger of d and s */
#define CMA_OP_BAND 5U /* d & s, integer types only */
#define CMA_OP_BOR 6U  /* d | s, integer types only */
#define CMA_OP_BXOR 7U /* d ^ s, integer types only */

/* Element types, in host byte order. */
#define CMA_TYPE_S8 1U
#define CMA_TYPE_U8 2U
#define CMA_TYPE_S16 3U
#define CMA_TYPE_U16 4U
#define CMA_TYPE_S32 5U
#define CMA_TYPE_U32 6U
#define CMA_TYPE_S64 7U
#define CMA_TYPE_U64 8U
#define CMA_TYPE_F32 9U  /* IEEE 754 binary32 */
#define CMA_TYPE_F64 10U /* IEEE 754 binary64 */

/**
 * define CMA_REDUCE - the transfer flags of a reduction
 * @op:   SUM, PROD, MIN, MAX, BAND, BOR or BXOR.
 * @type: S8, U8, S16, U16, S32, U32, S64, U64, F32 or F64.
 *
 * For example cma_readv(proc, local, 1, remote, 1, CMA_REDUCE(SUM, F64)).
 * Instead of overwriting it, each destination element becomes
 * op(destination, source): cma_readv() combines the peer's elements into
 * the caller's, cma_writev() the caller's into the peer's. The results are
 * exactly those of Documentation/userspace-api/process_vm.rst, whether the
 * kernel or libcma's userspace fallback computes them:
 *  - integer SUM and PROD wrap modulo 2^N; MIN and MAX compare as signed or
 *    unsigned according to the type;
 *  - floating-point SUM and PROD round to nearest even with subnormals
 *    honoured, whatever the caller's floating-point environment (rounding
 *    mode, flush-to-zero), which is left as it was, exception flags included;
 *  - floating-point MIN and MAX are IEEE 754-2019 minimum and maximum: a
 *    NaN operand gives NaN, and -0 is smaller than +0;
 *  - a NaN result is stored as the canonical quiet NaN (0x7fc00000,
 *    0x7ff8000000000000).
 * Layout: every non-empty element on both sides must start at a multiple of
 * the element size and be a whole number of elements (-EINVAL otherwise),
 * so no element straddles two iovec entries. Byte counts are whole elements.
 *
 * Without kernel support (CMA_FEATURE_REDUCE, and CMA_FEATURE_REDUCE_FLOAT
 * for F32 and F64), libcma reads the peer's data into a bounce buffer and
 * combines in userspace; for cma_writev() it reads the peer's destination,
 * combines, and writes it back. That read-modify-write is not atomic: data
 * the peer writes to the same memory in between is lost. (Kernel reductions
 * are not atomic either with respect to the peer's own writes, but they do
 * not lose them over a whole bounce buffer.) Reductions are never split
 * across a context's threads, so that after a partial transfer everything
 * past the returned count is untouched, and reducing the remainder again is
 * correct.
 */
#define CMA_REDUCE(op, type) \
	((CMA_OP_##op << CMA_OP_SHIFT) | (CMA_TYPE_##type << CMA_TYPE_SHIFT))

/* Kernel extensions, as reported by cma_probe(). */
#define CMA_FEATURE_PIDFD (1U << 0)        /* PROCESS_VM_PIDFD */
#define CMA_FEATURE_NOWAIT (1U << 1)       /* PROCESS_VM_NOWAIT */
#define CMA_FEATURE_REDUCE (1U << 2)       /* integer reductions in the kernel */
#define CMA_FEATURE_REDUCE_FLOAT (1U << 3) /* F32 and F64 reductions in the kernel */

/**
 * enum cma_reason - why CMA does, or does not, work against a peer
 * @CMA_REASON_OK: transfers work.
 * @CMA_REASON_NO_KERNEL_SUPPORT: the kernel was built without
 *     CONFIG_CROSS_MEMORY_ATTACH (the system calls fail with ENOSYS and no
 *     seccomp filter is installed).
 * @CMA_REASON_SECCOMP: a seccomp filter makes the system calls fail with
 *     EPERM or ENOSYS (container runtimes' default profiles do this unless
 *     the container has CAP_SYS_PTRACE).
 * @CMA_REASON_PEER_GONE: the peer has exited (ESRCH).
 * @CMA_REASON_CREDENTIALS: the peer runs with another real, effective or
 *     saved uid or gid than the caller's real ones, and the caller lacks
 *     CAP_SYS_PTRACE.
 * @CMA_REASON_NOT_DUMPABLE: the peer is not dumpable (PR_SET_DUMPABLE 0, a
 *     set-id or file-capability program) and the caller lacks CAP_SYS_PTRACE.
 * @CMA_REASON_USER_NAMESPACE: the peer is in another user namespace, in
 *     which the caller has no CAP_SYS_PTRACE.
 * @CMA_REASON_YAMA_RELATIONAL: Yama ptrace_scope is 1 and the caller is not
 *     an ancestor of the peer, nor named by the peer's PR_SET_PTRACER.
 * @CMA_REASON_YAMA_ADMIN_ONLY: Yama ptrace_scope is 2 and the caller lacks
 *     CAP_SYS_PTRACE.
 * @CMA_REASON_YAMA_NO_ATTACH: Yama ptrace_scope is 3: no process may attach.
 * @CMA_REASON_DENIED: access is denied (EPERM) for none of the reasons
 *     above: another LSM (AppArmor, SELinux), or a policy libcma cannot see.
 * @CMA_REASON_OTHER: the probe failed with an unexpected error.
 */
enum cma_reason {
	CMA_REASON_OK = 0,
	CMA_REASON_NO_KERNEL_SUPPORT = 1,
	CMA_REASON_SECCOMP = 2,
	CMA_REASON_PEER_GONE = 3,
	CMA_REASON_CREDENTIALS = 4,
	CMA_REASON_NOT_DUMPABLE = 5,
	CMA_REASON_USER_NAMESPACE = 6,
	CMA_REASON_YAMA_RELATIONAL = 7,
	CMA_REASON_YAMA_ADMIN_ONLY = 8,
	CMA_REASON_YAMA_NO_ATTACH = 9,
	CMA_REASON_DENIED = 10,
	CMA_REASON_OTHER = 11
};

/**
 * struct cma_probe_result - what cma_probe() found
 * @error:        0 if transfers work against the peer, else the negative
 *                errno value they fail with (-ENOSYS, -EPERM, -ESRCH...).
 * @reason:       an enum cma_reason value.
 * @features:     the CMA_FEATURE_* bits of the running kernel.
 * @ptrace_scope: Yama's kernel.yama.ptrace_scope (0 to 3), or -1 if the
 *                kernel has no Yama.
 * @message:      one or more sentences: what was found and, when transfers
 *                do not work, what to do about it. NUL-terminated; valid
 *                until the handle is closed.
 */
struct cma_probe_result {
	int error;
	int reason;
	unsigned features;
	int ptrace_scope;
	const char *message;
};

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct cma_process - an opaque handle on a peer process
 *
 * Obtained from cma_process_open() or cma_process_open_pidfd(), released
 * with cma_process_close(). A handle opened by pid names its peer by pid,
 * so it is exposed to pid reuse once the peer has exited and been reaped:
 * keep the peer's lifetime in step with the handle's (as MPI runtimes do for
 * their local ranks), or open it from a pidfd.
 */
struct cma_process;

/**
 * struct cma_context - an opaque pool of threads for large transfers
 *
 * Obtained from cma_context_create(), attached to handles with
 * cma_process_set_context(), released with cma_context_destroy().
 */
struct cma_context;

/**
 * cma_process_open() - open a handle on a peer process by pid
 * @pid:   the peer, as a pid in the caller's pid namespace; it may be the
 *         caller itself.
 * @flags: must be 0; unknown bits are rejected, so callers can probe support.
 * @out:   receives the handle on success and NULL on failure.
 *
 * Checks that @pid names an existing process. It does not check that the
 * caller may access the peer's memory: that is decided by the kernel at each
 * transfer (see the -EPERM case of cma_readv(), and cma_probe()).
 *
 * Return: 0 on success, or
 *  -EINVAL  @out is NULL, @flags is not 0, or @pid is not positive;
 *  -ESRCH   no process with that pid exists (it was never started, or it
 *           has exited and been reaped);
 *  -ENOMEM  the handle could not be allocated.
 */
CMA_MUST_CHECK int cma_process_open(pid_t pid, unsigned flags, struct cma_process **out) CMA_NOEXCEPT;

/**
 * cma_process_open_pidfd() - open a handle on a peer process by pidfd
 * @pidfd: a pidfd (pidfd_open(2), clone(2) with CLONE_PIDFD) for the peer.
 * @flags: must be 0.
 * @out:   receives the handle on success and NULL on failure.
 *
 * The handle holds its own duplicate of @pidfd (close-on-exec), closed by
 * cma_process_close(): the caller keeps ownership of @pidfd and may close it
 * at once. (Borrowing it instead would make a later close and reuse of the
 * descriptor number silently redirect the handle to another process.)
 *
 * Where the kernel has PROCESS_VM_PIDFD (CMA_FEATURE_PIDFD, checked here,
 * once), transfers pass the pidfd with that flag: immune to pid reuse, and
 * independent of the caller's pid namespace. On other kernels transfers use
 * the peer's pid, read once from /proc/self/fdinfo/<fd> ("Pid:"), and after
 * each transfer libcma asks the pidfd whether the peer still exists: if it
 * has exited, the transfer reports -ESRCH instead of its result, since the
 * pid may have been reused by another process during the call. That
 * detects, but cannot prevent, a write that reached such a process; the
 * window is the duration of one system call, after the peer has been
 * reaped. It costs one pidfd_send_signal(2) per transfer.
 *
 * Return: 0 on success, or
 *  -EINVAL      @out is NULL, @flags is not 0, or @pidfd is negative;
 *  -EBADF       @pidfd is not an open descriptor, or not a pidfd (as the
 *               kernel answers for PROCESS_VM_PIDFD);
 *  -ESRCH       the process has exited and been reaped;
 *  -EOPNOTSUPP  the process is not in the caller's pid namespace and the
 *               kernel lacks PROCESS_VM_PIDFD, so nothing can address it;
 *  -EMFILE      no descriptor is left for the duplicate;
 *  -ENOMEM      the handle could not be allocated.
 */
CMA_MUST_CHECK int cma_process_open_pidfd(int pidfd, unsigned flags, struct cma_process **out) CMA_NOEXCEPT;

/**
 * cma_process_close() - release a handle
 * @proc: the handle, or NULL (then nothing happens).
 *
 * Does not affect the peer or the handle's context. No transfer on @proc may
 * be running or start afterwards.
 */
void cma_process_close(struct cma_process *proc) CMA_NOEXCEPT;

/**
 * cma_process_pid() - the pid of a handle's peer
 * @proc: the handle.
 *
 * Return: the pid the handle was opened with, or for a pidfd handle the pid
 * read from the pidfd at open (0 if the peer is outside the caller's pid
 * namespace); -EINVAL if @proc is NULL.
 */
pid_t cma_process_pid(const struct cma_process *proc) CMA_NOEXCEPT;

/**
 * cma_probe() - can CMA work against this peer, and if not, why not
 * @proc: the peer.
 * @out:  receives the result.
 *
 * Done once per handle; later calls return the same result without any
 * system call. The probe finds out which kernel extensions are available
 * (process_vm_readv(0, NULL, 0, NULL, 0, FLAG): 0 = supported, EINVAL = not),
 * whether the system calls are available at all, and whether the peer may
 * be accessed: a one-byte read of the peer's address 0, which the kernel
 * refuses with EFAULT only after its existence and permission checks have
 * passed. When access is denied it reads /proc (the credentials, user
 * namespaces and dumpability of both processes, the caller's CAP_SYS_PTRACE
 * and seccomp mode, Yama's ptrace_scope, the peer's ancestry, the active
 * LSMs) to name the reason and its remedy.
 *
 * A probe is a snapshot: the peer may exit, or change its dumpability or
 * PR_SET_PTRACER, later. Transfers do not depend on it and always report
 * what the kernel decides.
 *
 * Return: 0 when the probe ran (@out->error then says whether transfers
 * work), or -EINVAL if @proc or @out is NULL.
 */
CMA_MUST_CHECK int cma_probe(struct cma_process *proc, struct cma_probe_result *out) CMA_NOEXCEPT;

/**
 * define CMA_CONTEXT_NO_NUMA - cma_context_create() flag: no NUMA placement
 *
 * Workers run wherever the scheduler puts them, even on a NUMA system.
 */
#define CMA_CONTEXT_NO_NUMA (1U << 0)

/**
 * cma_context_create() - create a pool of threads for large transfers
 * @threads: how many threads a transfer may use, the caller's included; 0
 *           means the number of CPUs the caller may run on. At most 64 are
 *           used by one transfer (more are accepted for concurrent ones).
 * @flags:   0 or CMA_CONTEXT_NO_NUMA.
 * @out:     receives the context on success and NULL on failure.
 *
 * A transfer through a handle with a context splits a copy of at least the
 * context's threshold (cma_context_set_threshold()) into one slice per
 * thread, contiguous ranges of the flattened streams cut at multiples of
 * 4 KiB, and moves them at once; smaller copies, reductions, and copies from
 * a process other than the one that created the context (a fork child) stay
 * on the calling thread.
 *
 * No thread is started here: the workers start at the first transfer that
 * splits, with every signal blocked. On a system with more than one NUMA
 * node (as libnuma reports it), the slices are given to the workers only,
 * and each worker moves to the CPUs of the node that holds its slice's first
 * destination page (the caller's pages for cma_readv(), the peer's for
 * cma_writev(), found with move_pages(2)); a destination not yet faulted in
 * leaves the worker where it is. On a single node, or when libnuma reports
 * no NUMA support, the caller takes slices too and no thread is pinned.
 *
 * Return: 0 on success, or
 *  -EINVAL  @out is NULL, @flags has an unknown bit, or @threads exceeds
 *           1024;
 *  -ENOMEM  the context could not be allocated.
 */
CMA_MUST_CHECK int cma_context_create(unsigned threads, unsigned flags, struct cma_context **out) CMA_NOEXCEPT;

/**
 * define CMA_CONTEXT_DEFAULT_THRESHOLD - the default split threshold
 *
 * 4 MiB. Below it, waking the workers costs more than the second thread
 * saves: measured with `cma-bench --threshold-scan` on a 2-CPU virtual
 * machine, a copy split in two ran at 0.26 to 0.74 times the speed of one
 * thread from 128 KiB to 512 KiB, 0.84 to 1.03 times at 1 and 2 MiB, and
 * 1.45 times at 4 MiB (1.7 to 2 times at 8 MiB). Documentation/libcma/ has
 * the numbers; machines with more CPUs or slower wake-ups may want another
 * value (cma_context_set_threshold()).
 */
#define CMA_CONTEXT_DEFAULT_THRESHOLD (4UL << 20)

/**
 * cma_context_set_threshold() - the smallest copy a context splits
 * @ctx:   the context.
 * @bytes: copies of fewer bytes (min(total local, total remote)) stay on the
 *         calling thread. 0 restores CMA_CONTEXT_DEFAULT_THRESHOLD;
 *         SIZE_MAX never splits. A split never makes slices smaller than
 *         64 KiB, whatever the threshold.
 *
 * Return: 0, or -EINVAL if @ctx is NULL.
 */
int cma_context_set_threshold(struct cma_context *ctx, size_t bytes) CMA_NOEXCEPT;

/**
 * cma_context_threads() - how many threads a context's transfers may use
 * @ctx: the context.
 *
 * Return: the number, the caller's thread included, or -EINVAL if @ctx is
 * NULL.
 */
int cma_context_threads(const struct cma_context *ctx) CMA_NOEXCEPT;

/**
 * cma_context_destroy() - stop a context's threads and free it
 * @ctx: the context, or NULL (then nothing happens).
 *
 * No transfer may be using @ctx, and no handle may use it afterwards
 * (detach it with cma_process_set_context(proc, NULL) or close the handles
 * first). In a fork child of the process that created @ctx, only the memory
 * is freed: the workers exist in the parent only.
 */
void cma_context_destroy(struct cma_context *ctx) CMA_NOEXCEPT;

/**
 * cma_process_set_context() - let a handle's transfers use a context
 * @proc: the handle.
 * @ctx:  the context, or NULL for single-threaded transfers (the default).
 *
 * Any number of handles may share a context; it must outlive their use of
 * it. Must not race with transfers on @proc.
 *
 * Return: 0, or -EINVAL if @proc is NULL.
 */
int cma_process_set_context(struct cma_process *proc, struct cma_context *ctx) CMA_NOEXCEPT;

/**
 * cma_readv() - copy (or reduce) from the peer's memory into the caller's
 * @proc:    the peer.
 * @local:   destination elements in the caller's address space.
 * @nlocal:  number of elements in @local; any number, 0 included.
 * @remote:  source elements in the peer's address space.
 * @nremote: number of elements in @remote; any number, 0 included.
 * @flags:   0, or CMA_NOWAIT and/or CMA_REDUCE(op, type).
 *
 * Copies the flattened @remote stream into the flattened @local stream,
 * min(total local, total remote) bytes, with as many system calls as that
 * takes. Elements may have any length, 0 included, and are copied in order.
 * The two arrays are only read, and only during the call. With a context
 * (cma_process_set_context()), large copies are split across its threads.
 * With CMA_REDUCE(), each local element is combined with the remote one
 * instead (see CMA_REDUCE()).
 *
 * A request that moves no bytes (either total is 0) returns 0 at once,
 * without a system call; it therefore does not check that the peer exists or
 * is accessible.
 *
 * Partial transfers: if an error stops the transfer after some bytes have
 * moved, the call returns that byte count, which is smaller than requested,
 * and the error is not reported, exactly as the system call behaves. The
 * first N bytes of the destination stream then hold the source's first N
 * bytes; the destination beyond them is unspecified for copies (the kernel
 * may have written part of a page before it faulted, and a split copy's
 * later slices may have completed) and untouched for reductions, whose
 * counts are whole elements. A caller that needs the reason can issue the
 * remainder again: it then fails at once with the error.
 *
 * Return: the number of bytes copied, or, if none could be copied,
 *  -EINVAL      @proc is NULL; @flags has a bit other than those above, a
 *               reduce operation without a type or the reverse, an unknown
 *               operation or type, or a bitwise operation on F32 or F64;
 *               @local or @remote is NULL with a non-zero count; an element
 *               is longer than SSIZE_MAX; a list's total exceeds SSIZE_MAX;
 *               with CMA_REDUCE(), an element is misaligned or not a whole
 *               number of elements. Nothing was done.
 *  -EOPNOTSUPP  CMA_NOWAIT on a kernel without PROCESS_VM_NOWAIT. Nothing
 *               was done. (Checked right after the flags, before the lists.)
 *  -EFAULT      the first byte to copy lies in memory that cannot be accessed:
 *               a local buffer that is unmapped or read-only, or remote memory
 *               that is unmapped or PROT_NONE. (CMA never forces access, as a
 *               debugger would.) With CMA_NOWAIT also: nothing could be
 *               moved without waiting (see CMA_NOWAIT).
 *  -ESRCH       the peer has exited (a zombie included); for a pidfd handle
 *               on a kernel without PROCESS_VM_PIDFD, also when it exited
 *               during the transfer (see cma_process_open_pidfd()).
 *  -EPERM       the caller may not access the peer's memory: the kernel's
 *               ptrace access check failed (a different uid or gid without
 *               CAP_SYS_PTRACE, a non-dumpable peer, Yama ptrace_scope, an
 *               LSM), or a seccomp filter denies the system call. Retrying
 *               will not help; cma_probe() says which, and what to do.
 *  -ENOSYS      the kernel was built without CONFIG_CROSS_MEMORY_ATTACH, or a
 *               seccomp filter reports the system call as missing. Fall back
 *               to another transport.
 *  -ENOMEM      the kernel could not allocate what the copy needed, or the
 *               reduce fallback could not allocate its bounce buffer.
 *  -EIO         the kernel reported an impossible count: no bytes and no error,
 *               or more bytes than were requested. Linux does neither; the
 *               library stops rather than spin or miscount.
 *  Any other negative errno value the system call returns is passed through
 *  unchanged. EINTR never is: interrupted calls are restarted.
 */
CMA_MUST_CHECK ssize_t cma_readv(struct cma_process *proc, const struct iovec *local, size_t nlocal,
                                 const struct iovec *remote, size_t nremote,
                                 unsigned flags) CMA_NOEXCEPT;

/**
 * cma_writev() - copy (or reduce) from the caller's memory into the peer's
 * @proc:    the peer.
 * @local:   source elements in the caller's address space.
 * @nlocal:  number of elements in @local; any number, 0 included.
 * @remote:  destination elements in the peer's address space.
 * @nremote: number of elements in @remote; any number, 0 included.
 * @flags:   0, or CMA_NOWAIT and/or CMA_REDUCE(op, type).
 *
 * The mirror image of cma_readv(): copies the flattened @local stream into
 * the flattened @remote stream, min(total local, total remote) bytes, with
 * the same rules for flags, empty requests and partial transfers. With
 * CMA_REDUCE(), each remote element is combined with the local one.
 *
 * Return: the number of bytes copied, or, if none could be copied, the
 * errors of cma_readv(), except that -EFAULT here means a local buffer that
 * cannot be read, or remote memory that is unmapped, PROT_NONE or read-only.
 */
CMA_MUST_CHECK ssize_t cma_writev(struct cma_process *proc, const struct iovec *local, size_t nlocal,
                                  const struct iovec *remote, size_t nremote,
                                  unsigned flags) CMA_NOEXCEPT;

/**
 * cma_read() - copy (or reduce) one contiguous range from the peer
 * @proc:   the peer.
 * @local:  destination in the caller's address space.
 * @remote: source address in the peer's address space.
 * @len:    bytes to copy.
 * @flags:  as for cma_readv().
 *
 * cma_readv() with one element on each side.
 *
 * Return: as cma_readv(); -EINVAL also when @len exceeds SSIZE_MAX.
 */
CMA_MUST_CHECK ssize_t cma_read(struct cma_process *proc, void *local, const void *remote, size_t len,
                                unsigned flags) CMA_NOEXCEPT;

/**
 * cma_write() - copy (or reduce) one contiguous range to the peer
 * @proc:   the peer.
 * @local:  source in the caller's address space.
 * @remote: destination address in the peer's address space.
 * @len:    bytes to copy.
 * @flags:  as for cma_writev().
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
