/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Flags for process_vm_readv(2) and process_vm_writev(2).
 *
 * Without flags (0) both calls copy, exactly as they always have. Bits not
 * defined here are rejected with EINVAL before anything else is looked at,
 * so a caller can probe for a flag with an otherwise invalid call.
 *
 * Layout of the flags word:
 *   bit  0       PROCESS_VM_PIDFD
 *   bit  1       PROCESS_VM_NOWAIT
 *   bits 8-15    reduce operation (PROCESS_VM_OP_*), 0 = plain copy
 *   bits 16-23   element type (PROCESS_VM_TYPE_*), 0 = plain copy
 * An operation needs a type and a type needs an operation. See
 * Documentation/userspace-api/process_vm.rst for the full semantics.
 */
#ifndef _UAPI_LINUX_PROCESS_VM_H
#define _UAPI_LINUX_PROCESS_VM_H

/*
 * The pid argument is a pidfd (pidfd_open(2), clone(2) CLONE_PIDFD), not a
 * pid: immune to pid reuse and independent of the caller's pid namespace.
 * Same name and value as the upstream proposal.
 */
#define PROCESS_VM_PIDFD	(1UL << 0)

/*
 * Never wait for the target: move only what it has mapped. A remote page
 * not present in its page tables with the access needed (never touched,
 * swapped out, evicted from the page cache, behind a userfaultfd, due for
 * copy-on-write) is not faulted in, and a contended target mmap lock or an
 * execve() in progress is not waited for: the transfer ends there. Returns
 * the bytes moved before that, or fails with EFAULT if none (as the
 * upstream proposal does).
 */
#define PROCESS_VM_NOWAIT	(1UL << 1)

/*
 * Reduce: instead of overwriting it, each destination element becomes
 * op(destination, source). process_vm_readv() combines remote into local,
 * process_vm_writev() combines local into remote.
 */
#define PROCESS_VM_OP_SHIFT	8
#define PROCESS_VM_OP_MASK	(0xffUL << PROCESS_VM_OP_SHIFT)
#define PROCESS_VM_TYPE_SHIFT	16
#define PROCESS_VM_TYPE_MASK	(0xffUL << PROCESS_VM_TYPE_SHIFT)

/* Operations: MPI's predefined reductions. */
#define PROCESS_VM_OP_SUM	1	/* d + s */
#define PROCESS_VM_OP_PROD	2	/* d * s */
#define PROCESS_VM_OP_MIN	3	/* smaller of d and s */
#define PROCESS_VM_OP_MAX	4	/* larger of d and s */
#define PROCESS_VM_OP_BAND	5	/* d & s, integer types only */
#define PROCESS_VM_OP_BOR	6	/* d | s, integer types only */
#define PROCESS_VM_OP_BXOR	7	/* d ^ s, integer types only */

/* Element types, in host byte order. */
#define PROCESS_VM_TYPE_S8	1
#define PROCESS_VM_TYPE_U8	2
#define PROCESS_VM_TYPE_S16	3
#define PROCESS_VM_TYPE_U16	4
#define PROCESS_VM_TYPE_S32	5
#define PROCESS_VM_TYPE_U32	6
#define PROCESS_VM_TYPE_S64	7
#define PROCESS_VM_TYPE_U64	8
#define PROCESS_VM_TYPE_F32	9	/* IEEE 754 binary32 */
#define PROCESS_VM_TYPE_F64	10	/* IEEE 754 binary64 */

/* The flags word for op and type, e.g. PROCESS_VM_REDUCE(SUM, F64). */
#define PROCESS_VM_REDUCE(op, type)					\
	(((unsigned long)PROCESS_VM_OP_##op << PROCESS_VM_OP_SHIFT) |	\
	 ((unsigned long)PROCESS_VM_TYPE_##type << PROCESS_VM_TYPE_SHIFT))

#endif /* _UAPI_LINUX_PROCESS_VM_H */
