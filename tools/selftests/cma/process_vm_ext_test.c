// SPDX-License-Identifier: GPL-2.0
/*
 * The extensions of process_vm_readv(2) and process_vm_writev(2) that their
 * flags select (include/uapi/linux/process_vm.h), against what
 * Documentation/userspace-api/process_vm.rst says they do:
 *
 *  flags_*, order_*  the flags word: which values are accepted, that every
 *                    other is EINVAL, and that this EINVAL comes first
 *  pidfd_*           PROCESS_VM_PIDFD: the target named by a pidfd
 *  nowait_*, uffd.*  PROCESS_VM_NOWAIT: a page the target has not mapped
 *                    (one only a userfaultfd handler can provide, or one
 *                    never touched) ends the transfer (EFAULT, or the bytes
 *                    before it) and is not faulted in; without the flag the
 *                    call waits for the handler (process_vm_nowait_test.c
 *                    has the page cache, mmap lock and execve() cases)
 *  reduce.*          every operation on every type, both directions, bit
 *                    for bit against reduce_ref.h
 *  reduce_layout.*   alignment, empty elements, partial transfers
 *
 * The probe process_vm_readv(0, NULL, 0, NULL, 0, flag) returns 0 iff the
 * kernel implements the flag (EINVAL otherwise); every test first probes
 * what it needs and skips without it. Plain copies (process_vm_test.c pins
 * them down) set up and read back the targets' memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/process_vm.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "process_vm_fixture.h"
#include "reduce_ref.h"

#ifndef __NR_pidfd_open
#define __NR_pidfd_open		434	/* the same on every architecture */
#endif
#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK		O_NONBLOCK
#endif

#define PVM_DEFINED_FLAGS	(PROCESS_VM_PIDFD | PROCESS_VM_NOWAIT |	\
				 PROCESS_VM_OP_MASK | PROCESS_VM_TYPE_MASK)
#define PVM_REDUCE_PROBE	PROCESS_VM_REDUCE(SUM, U32)
#define PVM_ALL_FLAGS		(PROCESS_VM_PIDFD | PROCESS_VM_NOWAIT |	\
				 PVM_REDUCE_PROBE)

/* ------------------------------------------------------------------ */
/* What the kernel implements                                         */
/* ------------------------------------------------------------------ */

static bool flags_probe(unsigned long flags)
{
	return pvm_rw(false, 0, NULL, 0, NULL, 0, flags) == 0;
}

/*
 * Floating-point reduce needs kernel FPU use, which x86_64 provides: there
 * EOPNOTSUPP cannot happen, so it fails a test instead of skipping it.
 * Elsewhere it is the documented answer, and the float tests skip. (This
 * asks the kernel, so a 32-bit test on an x86_64 kernel counts as x86_64.)
 */
static bool kernel_is_x86_64(void)
{
	struct utsname u;

	return !uname(&u) && !strcmp(u.machine, "x86_64");
}

/* Why a test of @flags cannot run here, or NULL if it can. */
static const char *unsupported(unsigned long flags)
{
	unsigned int type = reduce_flags_type(flags);

	if ((flags & PROCESS_VM_PIDFD) && !flags_probe(PROCESS_VM_PIDFD))
		return "kernel lacks PROCESS_VM_PIDFD";
	if ((flags & PROCESS_VM_NOWAIT) && !flags_probe(PROCESS_VM_NOWAIT))
		return "kernel lacks PROCESS_VM_NOWAIT";
	if ((flags & (PROCESS_VM_OP_MASK | PROCESS_VM_TYPE_MASK)) &&
	    !flags_probe(PVM_REDUCE_PROBE))
		return "kernel lacks reduce (PROCESS_VM_OP_*)";
	if (!reduce_type_is_float(type))
		return NULL;
	if (!kernel_is_x86_64() &&
	    !flags_probe(reduce_flags(PROCESS_VM_OP_SUM, type)) &&
	    errno == EOPNOTSUPP)
		return "no floating-point reduce on this architecture";
	if (FLT_EVAL_METHOD != 0)
		return "the float reference needs FLT_EVAL_METHOD 0";
	return NULL;
}

static int sys_pidfd_open(pid_t pid, unsigned int flags)
{
	return syscall(__NR_pidfd_open, pid, flags);
}

static uint64_t test_seed(void)
{
	const char *env = getenv("CMA_TEST_SEED");

	return env ? strtoull(env, NULL, 0) : 0x7e57ed5eedULL;
}

/* Both directions, with the pid argument a pidfd if @flags say so. */
static void xfer_flags_both(struct __test_metadata *_metadata,
			    struct _test_data_pvm *self, int pid,
			    unsigned long flags,
			    const struct iovec *lv, size_t ln,
			    const struct iovec *rv, size_t rn, ssize_t expect)
{
	xfer_flags(_metadata, self, &self->target, pid, flags, false,
		   lv, ln, rv, rn, expect);
	xfer_flags(_metadata, self, &self->target, pid, flags, true,
		   lv, ln, rv, rn, expect);
}

/* ------------------------------------------------------------------ */
/* The reduce model                                                   */
/* ------------------------------------------------------------------ */

/*
 * A local space, the remote space and the target whose memory the remote
 * space models: the pvm fixture has them, and so has struct pvm_env.
 */
struct sides {
	struct space *local;
	struct space *remote;
	const struct target *t;
};

static struct sides pvm_sides(struct _test_data_pvm *self)
{
	return (struct sides){ &self->local, &self->remote, &self->target };
}

struct reduce_op {
	unsigned int op;
	unsigned int type;
};

static void apply_reduce(char *d, const char *s, size_t len, void *arg)
{
	const struct reduce_op *r = arg;

	reduce_ref(r->op, r->type, d, s, len / reduce_type_size(r->type));
}

/* Advance the model by the first @n bytes of a reduce call. */
static int model_reduce(const struct sides *sd, unsigned long flags,
			bool write, const struct iovec *lv, size_t ln,
			const struct iovec *rv, size_t rn, size_t n)
{
	struct reduce_op r = {
		reduce_flags_op(flags), reduce_flags_type(flags),
	};

	if (write)
		return model_apply(sd->remote, rv, rn, sd->local, lv, ln, n,
				   apply_reduce, &r);
	return model_apply(sd->local, lv, ln, sd->remote, rv, rn, n,
			   apply_reduce, &r);
}

static const char *reduce_name(unsigned long flags)
{
	static char name[64];

	snprintf(name, sizeof(name), "%s %s%s%s",
		 reduce_op_name(reduce_flags_op(flags)),
		 reduce_type_name(reduce_flags_type(flags)),
		 flags & PROCESS_VM_PIDFD ? " PIDFD" : "",
		 flags & PROCESS_VM_NOWAIT ? " NOWAIT" : "");
	return name;
}

/*
 * One reduce call to sd->t, addressed as @pid: its result checked, the
 * model advanced by the bytes combined, both sides verified against it.
 */
static void reduce_xfer(struct __test_metadata *_metadata,
			const struct sides *sd, int pid, unsigned long flags,
			bool write, const struct iovec *lv, size_t ln,
			const struct iovec *rv, size_t rn, ssize_t expect)
{
	ssize_t ret = pvm_rw(write, pid, lv, ln, rv, rn, flags);

	check_result(_metadata, reduce_name(flags), write, ret, errno,
		     expect);
	if (ret > 0)
		ASSERT_EQ(0, model_reduce(sd, flags, write, lv, ln, rv, rn,
					  ret));
	verify_spaces(_metadata, sd->local, sd->t);
}

static void reduce_xfer_both(struct __test_metadata *_metadata,
			     const struct sides *sd, int pid,
			     unsigned long flags,
			     const struct iovec *lv, size_t ln,
			     const struct iovec *rv, size_t rn, ssize_t expect)
{
	reduce_xfer(_metadata, sd, pid, flags, false, lv, ln, rv, rn, expect);
	reduce_xfer(_metadata, sd, pid, flags, true, lv, ln, rv, rn, expect);
}

/* ------------------------------------------------------------------ */
/* The flags word                                                     */
/* ------------------------------------------------------------------ */

/* Every call moves nothing and fails with EINVAL; the control moves. */
static void flags_all_einval(struct __test_metadata *_metadata,
			     struct _test_data_pvm *self, const char *what,
			     const unsigned long *flags, size_t n)
{
	int pidfd = sys_pidfd_open(self->target.pid, 0);
	size_t i;

	ASSERT_GE(pidfd, 0);
	for (i = 0; i < n; i++) {
		int pid = flags[i] & PROCESS_VM_PIDFD ? pidfd :
			  self->target.pid;
		int w;

		for (w = 0; w < 2; w++) {
			ssize_t ret = pvm_rw(w, pid, &self->lv, 1, &self->rv,
					     1, flags[i]);

			ASSERT_EQ(-1, ret)
				TH_LOG("%s: %s accepted flags %#lx", what,
				       dir_name[w], flags[i]);
			ASSERT_EQ(EINVAL, errno)
				TH_LOG("%s: %s, flags %#lx: %s", what,
				       dir_name[w], flags[i], strerror(errno));
		}
	}
	verify(_metadata, self, &self->target);
	xfer_flags_both(_metadata, self, pidfd, PROCESS_VM_PIDFD, &self->lv,
			1, &self->rv, 1, 64);
	close(pidfd);
}

/*
 * Every valid op and type, alone and with the other flags, is accepted:
 * the probe (nothing to move, no target) returns 0.
 */
TEST_F_TIMEOUT(pvm, flags_valid_combinations_accepted, PVM_TIMEOUT)
{
	const unsigned long extra[] = {
		0, PROCESS_VM_PIDFD, PROCESS_VM_NOWAIT,
		PROCESS_VM_PIDFD | PROCESS_VM_NOWAIT,
	};
	const char *why = unsupported(PVM_ALL_FLAGS);
	unsigned int op, type, i;

	if (why)
		SKIP(return, "%s", why);
	for (i = 0; i < ARRAY_SIZE(extra); i++) {
		call_both(_metadata, "no reduce", -1, NULL, 0, NULL, 0,
			  extra[i], 0);
		for (op = 1; op <= REDUCE_NR_OPS; op++) {
			for (type = 1; type <= REDUCE_NR_TYPES; type++) {
				unsigned long f = reduce_flags(op, type);
				ssize_t expect = 0;

				if (!reduce_pair_valid(op, type))
					continue;
				if (reduce_type_is_float(type) &&
				    !kernel_is_x86_64() &&
				    !flags_probe(f) && errno == EOPNOTSUPP)
					expect = -EOPNOTSUPP;
				call_both(_metadata, reduce_name(f), -1, NULL,
					  0, NULL, 0, f | extra[i], expect);
			}
		}
	}
}

TEST_F_TIMEOUT(pvm, flags_op_without_type_einval, PVM_TIMEOUT)
{
	const char *why = unsupported(PVM_ALL_FLAGS);
	unsigned long flags[2 * 255];
	unsigned int op, n = 0;

	if (why)
		SKIP(return, "%s", why);
	for (op = 1; op <= 255; op++) {
		unsigned long f = (unsigned long)op << PROCESS_VM_OP_SHIFT;

		flags[n++] = f;
		flags[n++] = f | PROCESS_VM_PIDFD | PROCESS_VM_NOWAIT;
	}
	flags_all_einval(_metadata, self, "op without type", flags, n);
}

TEST_F_TIMEOUT(pvm, flags_type_without_op_einval, PVM_TIMEOUT)
{
	const char *why = unsupported(PVM_ALL_FLAGS);
	unsigned long flags[2 * 255];
	unsigned int type, n = 0;

	if (why)
		SKIP(return, "%s", why);
	for (type = 1; type <= 255; type++) {
		unsigned long f = (unsigned long)type << PROCESS_VM_TYPE_SHIFT;

		flags[n++] = f;
		flags[n++] = f | PROCESS_VM_PIDFD | PROCESS_VM_NOWAIT;
	}
	flags_all_einval(_metadata, self, "type without op", flags, n);
}

/* Ops 8..255 with each valid type, and with an unknown type too. */
TEST_F_TIMEOUT(pvm, flags_unknown_op_einval, PVM_TIMEOUT)
{
	static unsigned long flags[248 * (REDUCE_NR_TYPES + 2)];
	const char *why = unsupported(PVM_ALL_FLAGS);
	unsigned int op, type, n = 0;

	if (why)
		SKIP(return, "%s", why);
	for (op = REDUCE_NR_OPS + 1; op <= 255; op++) {
		for (type = 1; type <= REDUCE_NR_TYPES; type++)
			flags[n++] = reduce_flags(op, type);
		flags[n++] = reduce_flags(op, 255) | PROCESS_VM_NOWAIT;
		flags[n++] = reduce_flags(op, PROCESS_VM_TYPE_U8) |
			     PROCESS_VM_PIDFD;
	}
	ASSERT_EQ(ARRAY_SIZE(flags), n);
	flags_all_einval(_metadata, self, "unknown op", flags, n);
}

/* Types 11..255 with each op, and with an unknown op too. */
TEST_F_TIMEOUT(pvm, flags_unknown_type_einval, PVM_TIMEOUT)
{
	static unsigned long flags[245 * (REDUCE_NR_OPS + 2)];
	const char *why = unsupported(PVM_ALL_FLAGS);
	unsigned int op, type, n = 0;

	if (why)
		SKIP(return, "%s", why);
	for (type = REDUCE_NR_TYPES + 1; type <= 255; type++) {
		for (op = 1; op <= REDUCE_NR_OPS; op++)
			flags[n++] = reduce_flags(op, type);
		flags[n++] = reduce_flags(200, type) | PROCESS_VM_NOWAIT;
		flags[n++] = reduce_flags(PROCESS_VM_OP_SUM, type) |
			     PROCESS_VM_PIDFD;
	}
	ASSERT_EQ(ARRAY_SIZE(flags), n);
	flags_all_einval(_metadata, self, "unknown type", flags, n);
}

TEST_F_TIMEOUT(pvm, flags_bitwise_op_on_float_einval, PVM_TIMEOUT)
{
	const unsigned long extra[] = {
		0, PROCESS_VM_PIDFD, PROCESS_VM_NOWAIT,
		PROCESS_VM_PIDFD | PROCESS_VM_NOWAIT,
	};
	const char *why = unsupported(PVM_ALL_FLAGS);
	unsigned long flags[3 * 2 * ARRAY_SIZE(extra)];
	unsigned int op, i, n = 0;

	if (why)
		SKIP(return, "%s", why);
	for (op = PROCESS_VM_OP_BAND; op <= PROCESS_VM_OP_BXOR; op++) {
		for (i = 0; i < ARRAY_SIZE(extra); i++) {
			flags[n++] = reduce_flags(op, PROCESS_VM_TYPE_F32) |
				     extra[i];
			flags[n++] = reduce_flags(op, PROCESS_VM_TYPE_F64) |
				     extra[i];
		}
	}
	flags_all_einval(_metadata, self, "bitwise float", flags, n);
}

/* Each bit outside 0, 1 and 8-23, alone and with every valid flag. */
TEST_F_TIMEOUT(pvm, flags_undefined_bits_einval, PVM_TIMEOUT)
{
	const unsigned long valid[] = {
		0, PROCESS_VM_PIDFD, PROCESS_VM_NOWAIT,
		PROCESS_VM_PIDFD | PROCESS_VM_NOWAIT,
		PROCESS_VM_REDUCE(SUM, U8), PROCESS_VM_REDUCE(MAX, F64),
		PROCESS_VM_REDUCE(BXOR, S64) | PROCESS_VM_PIDFD |
			PROCESS_VM_NOWAIT,
	};
	static unsigned long flags[(sizeof(long) * CHAR_BIT + 2) *
				   ARRAY_SIZE(valid)];
	const char *why = unsupported(PVM_ALL_FLAGS);
	unsigned int bit, i, n = 0, undefined = 0;

	if (why)
		SKIP(return, "%s", why);
	for (i = 0; i < ARRAY_SIZE(valid); i++) {
		for (bit = 0; bit < sizeof(long) * CHAR_BIT; bit++) {
			if (PVM_DEFINED_FLAGS & (1UL << bit))
				continue;
			flags[n++] = valid[i] | 1UL << bit;
			undefined += i == 0;
		}
		flags[n++] = valid[i] | ~PVM_DEFINED_FLAGS;
		flags[n++] = ~0UL;
	}
	ASSERT_EQ(sizeof(long) * CHAR_BIT - 18, undefined);
	flags_all_einval(_metadata, self, "undefined bit", flags, n);
}

/*
 * EINVAL for the flags comes before anything else: iovec arrays that
 * cannot be read or are too long, buffers that cannot be accessed,
 * misaligned reduce elements, and whatever the pid or pidfd is.
 */
TEST_F_TIMEOUT(pvm, order_flags_einval_first, PVM_TIMEOUT)
{
	const unsigned long bad[] = {
		1UL << 2, 1UL << 7, 1UL << 24, TOP_FLAG,
		PROCESS_VM_PIDFD | 1UL << 5, PROCESS_VM_NOWAIT | 1UL << 31,
		(unsigned long)PROCESS_VM_OP_SUM << PROCESS_VM_OP_SHIFT,
		(unsigned long)PROCESS_VM_TYPE_U8 << PROCESS_VM_TYPE_SHIFT,
		reduce_flags(8, PROCESS_VM_TYPE_U8),
		reduce_flags(PROCESS_VM_OP_SUM, 11) | PROCESS_VM_PIDFD,
		PROCESS_VM_REDUCE(BAND, F32), PROCESS_VM_REDUCE(BXOR, F64),
		PROCESS_VM_REDUCE(SUM, U64) | 1UL << 40,
	};
	struct iovec kern = { KERNEL_ADDR, 64 };
	struct iovec odd = { self->local.addr + 1, 7 };
	struct iovec none = { self->map.none, 64 };
	const char *why = unsupported(PVM_ALL_FLAGS);
	pid_t pid = self->target.pid;
	unsigned int i;

	if (why)
		SKIP(return, "%s", why);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		unsigned long f = bad[i];
		int np = f & PROCESS_VM_PIDFD ? -1 : NO_PID;

		call_both(_metadata, "NULL iovecs", np, NULL, 1, NULL, 1, f,
			  -EINVAL);
		call_both(_metadata, "unreadable iovecs", np, self->edge, 1,
			  self->edge, 1, f, -EINVAL);
		call_both(_metadata, "IOV_MAX + 1", np, NULL, PVM_IOV_MAX + 1,
			  NULL, PVM_IOV_MAX + 1, f, -EINVAL);
		call_both(_metadata, "kernel buffers", np, &kern, 1, &kern, 1,
			  f, -EINVAL);
		call_both(_metadata, "misaligned elements", np, &odd, 1, &odd,
			  1, f, -EINVAL);
		call_both(_metadata, "PROT_NONE remote", pid, &self->lv, 1,
			  &none, 1, f, -EINVAL);
	}
	verify(_metadata, self, &self->target);
}

/* ------------------------------------------------------------------ */
/* PROCESS_VM_PIDFD                                                   */
/* ------------------------------------------------------------------ */

TEST_F_TIMEOUT(pvm, pidfd_read_write, PVM_TIMEOUT)
{
	char *l = self->local.addr, *r = self->map.arena;
	size_t p = self->page;
	const struct iovec lv[] = {
		{ l + 1, 1 }, { l + p - 1, 2 }, { NULL, 0 },
		{ l + 3 * p - 3, p + 5 }, { l + 6 * p + 11, 3 * p + 13 },
	};
	const struct iovec rv[] = {
		{ r + p - 2, 3 }, { self->map.hole, 0 },
		{ r + 2 * p + 1, 2 * p - 1 }, { r + 5 * p - 1, 2 * p + 17 },
		{ r + 9 * p + 3, 1000 },
	};
	const struct iovec big_l = { l + 5, 3 * p }, big_r = { r + 7, 3 * p };
	const char *why = unsupported(PROCESS_VM_PIDFD);
	int pidfd, nb;

	if (why)
		SKIP(return, "%s", why);
	pidfd = sys_pidfd_open(self->target.pid, 0);
	ASSERT_GE(pidfd, 0) TH_LOG("pidfd_open: %s", strerror(errno));
	nb = sys_pidfd_open(self->target.pid, PIDFD_NONBLOCK);
	ASSERT_GE(nb, 0) TH_LOG("pidfd_open: %s", strerror(errno));

	xfer_flags_both(_metadata, self, pidfd, PROCESS_VM_PIDFD, &self->lv,
			1, &self->rv, 1, 64);
	xfer_flags_both(_metadata, self, pidfd, PROCESS_VM_PIDFD,
			lv, ARRAY_SIZE(lv), rv, ARRAY_SIZE(rv),
			iov_total(lv, ARRAY_SIZE(lv)));
	xfer_flags_both(_metadata, self, nb, PROCESS_VM_PIDFD, &big_l, 1,
			&big_r, 1, 3 * p);
	close(nb);
	close(pidfd);
}

/* The target exits: ESRCH while it is a zombie, by pidfd as by pid. */
TEST_F_TIMEOUT(pvm, pidfd_zombie_esrch, PVM_TIMEOUT)
{
	const char *why = unsupported(PROCESS_VM_PIDFD);
	siginfo_t info = {};
	int pidfd;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, target_spawn(&self->extra, &self->map,
				  &target_opts_default));
	pidfd = sys_pidfd_open(self->extra.pid, 0);
	ASSERT_GE(pidfd, 0) TH_LOG("pidfd_open: %s", strerror(errno));
	xfer_flags(_metadata, self, &self->extra, pidfd, PROCESS_VM_PIDFD,
		   false, &self->lv, 1, &self->rv, 1, 64);

	ASSERT_EQ(0, kill(self->extra.pid, SIGKILL));
	ASSERT_EQ(0, waitid(P_PID, self->extra.pid, &info,
			    WEXITED | WNOWAIT));
	ASSERT_EQ('Z', proc_state(self->extra.pid));
	call_both(_metadata, "zombie", pidfd, &self->lv, 1, &self->rv, 1,
		  PROCESS_VM_PIDFD, -ESRCH);
	if (!unsupported(PVM_ALL_FLAGS))
		call_both(_metadata, "zombie, all flags", pidfd, &self->lv, 1,
			  &self->rv, 1, PVM_ALL_FLAGS, -ESRCH);
	call_both(_metadata, "zombie by pid", self->extra.pid, &self->lv, 1,
		  &self->rv, 1, 0, -ESRCH);
	close(pidfd);
}

/* Reaped: the pidfd still refers to the process, which is gone. */
TEST_F_TIMEOUT(pvm, pidfd_reaped_esrch, PVM_TIMEOUT)
{
	const char *why = unsupported(PROCESS_VM_PIDFD);
	int pidfd;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, target_spawn(&self->extra, &self->map,
				  &target_opts_default));
	pidfd = sys_pidfd_open(self->extra.pid, 0);
	ASSERT_GE(pidfd, 0) TH_LOG("pidfd_open: %s", strerror(errno));
	xfer_flags(_metadata, self, &self->extra, pidfd, PROCESS_VM_PIDFD,
		   true, &self->lv, 1, &self->rv, 1, 64);

	target_stop(&self->extra);	/* killed and reaped */
	call_both(_metadata, "reaped", pidfd, &self->lv, 1, &self->rv, 1,
		  PROCESS_VM_PIDFD, -ESRCH);
	if (!unsupported(PVM_ALL_FLAGS))
		call_both(_metadata, "reaped, all flags", pidfd, &self->lv, 1,
			  &self->rv, 1, PVM_ALL_FLAGS, -ESRCH);
	close(pidfd);
}

struct pidfd_ns_result {
	pid_t self;
	ssize_t by_pid;
	int by_pid_err;
	ssize_t read;
	int read_err;
	bool read_ok;
	ssize_t write;
	int write_err;
};

/* As init of a new pid namespace, where the target's pid names nothing. */
static int pidfd_ns_caller(struct _test_data_pvm *self, int pidfd,
			   const struct iovec *wl, const struct iovec *wr,
			   int fd)
{
	struct pidfd_ns_result r = { .self = getpid() };

	r.by_pid = pvm_rw(false, self->target.pid, &self->lv, 1, &self->rv,
			  1, 0);
	r.by_pid_err = errno;
	r.read = pvm_rw(false, pidfd, &self->lv, 1, &self->rv, 1,
			PROCESS_VM_PIDFD);
	r.read_err = errno;
	r.read_ok = !memcmp(self->local.addr, self->map.expect, 64);
	r.write = pvm_rw(true, pidfd, wl, 1, wr, 1, PROCESS_VM_PIDFD);
	r.write_err = errno;
	return write(fd, &r, sizeof(r)) == sizeof(r) ? 0 : 1;
}

TEST_F_TIMEOUT(pvm, pidfd_across_pid_namespace, PVM_TIMEOUT)
{
	const struct iovec wl = { self->local.addr + 4096, 128 };
	const struct iovec wr = { self->map.arena + 1000, 128 };
	const char *why = unsupported(PROCESS_VM_PIDFD);
	struct pidfd_ns_result r;
	int pidfd, fds[2], status;

	if (why)
		SKIP(return, "%s", why);
	pidfd = sys_pidfd_open(self->target.pid, 0);
	ASSERT_GE(pidfd, 0) TH_LOG("pidfd_open: %s", strerror(errno));
	if (unshare(CLONE_NEWPID))
		SKIP(return, "unshare(CLONE_NEWPID): %s", strerror(errno));
	ASSERT_EQ(0, pipe(fds));
	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (self->child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		close(fds[0]);
		_exit(pidfd_ns_caller(self, pidfd, &wl, &wr, fds[1]));
	}
	close(fds[1]);
	ASSERT_EQ((ssize_t)sizeof(r), read(fds[0], &r, sizeof(r)));
	close(fds[0]);
	ASSERT_EQ(self->child, waitpid(self->child, &status, 0));
	self->child = 0;
	ASSERT_EQ(0, status);

	ASSERT_EQ(1, r.self);
	/* The target's pid names nothing in there... */
	ASSERT_EQ(-1, r.by_pid);
	ASSERT_EQ(ESRCH, r.by_pid_err) TH_LOG("%s", strerror(r.by_pid_err));
	/* ...but its pidfd works both ways. */
	ASSERT_EQ(64, r.read) TH_LOG("readv: %s", strerror(r.read_err));
	ASSERT_TRUE(r.read_ok);
	ASSERT_EQ(128, r.write) TH_LOG("writev: %s", strerror(r.write_err));
	ASSERT_EQ(0, model_copy(&self->remote, &wr, 1, &self->local, &wl, 1,
				128));
	verify(_metadata, self, &self->target);
	close(pidfd);
}

/* Open files that are not pidfds, /proc/<pid> directories included. */
TEST_F_TIMEOUT(pvm, pidfd_not_a_pidfd_ebadf, PVM_TIMEOUT)
{
	const char *why = unsupported(PROCESS_VM_PIDFD);
	char proc[32];
	int fds[5], p[2];
	unsigned int i;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, pipe(p));
	snprintf(proc, sizeof(proc), "/proc/%d", self->target.pid);
	fds[0] = p[0];
	fds[1] = p[1];
	fds[2] = open("/dev/null", O_RDWR);
	fds[3] = open(proc, O_RDONLY | O_DIRECTORY);
	fds[4] = memfd_create("not_a_pidfd", 0);
	for (i = 0; i < ARRAY_SIZE(fds); i++) {
		ASSERT_GE(fds[i], 0) TH_LOG("fd %u: %s", i, strerror(errno));
		call_both(_metadata, "not a pidfd", fds[i], &self->lv, 1,
			  &self->rv, 1, PROCESS_VM_PIDFD, -EBADF);
		if (!unsupported(PVM_ALL_FLAGS))
			call_both(_metadata, "not a pidfd, all flags", fds[i],
				  &self->lv, 1, &self->rv, 1, PVM_ALL_FLAGS,
				  -EBADF);
	}
	for (i = 0; i < ARRAY_SIZE(fds); i++)
		close(fds[i]);
	verify(_metadata, self, &self->target);
}

TEST_F_TIMEOUT(pvm, pidfd_bad_fd_ebadf, PVM_TIMEOUT)
{
	const char *why = unsupported(PROCESS_VM_PIDFD);
	int closed, pidfd_closed;

	if (why)
		SKIP(return, "%s", why);
	closed = dup(STDERR_FILENO);
	ASSERT_GE(closed, 0);
	close(closed);
	pidfd_closed = sys_pidfd_open(self->target.pid, 0);
	ASSERT_GE(pidfd_closed, 0) TH_LOG("pidfd_open: %s", strerror(errno));
	close(pidfd_closed);

	call_both(_metadata, "-1", -1, &self->lv, 1, &self->rv, 1,
		  PROCESS_VM_PIDFD, -EBADF);
	call_both(_metadata, "INT_MAX", INT_MAX, &self->lv, 1, &self->rv, 1,
		  PROCESS_VM_PIDFD, -EBADF);
	call_both(_metadata, "INT_MIN", INT_MIN, &self->lv, 1, &self->rv, 1,
		  PROCESS_VM_PIDFD, -EBADF);
	call_both(_metadata, "closed fd", closed, &self->lv, 1, &self->rv, 1,
		  PROCESS_VM_PIDFD, -EBADF);
	call_both(_metadata, "closed pidfd", pidfd_closed, &self->lv, 1,
		  &self->rv, 1, PROCESS_VM_PIDFD, -EBADF);
	/* With the flag, the target's pid is just a number. */
	if (fcntl(self->target.pid, F_GETFD) < 0)
		call_both(_metadata, "the target's pid", self->target.pid,
			  &self->lv, 1, &self->rv, 1, PROCESS_VM_PIDFD,
			  -EBADF);
	if (!unsupported(PVM_ALL_FLAGS))
		call_both(_metadata, "-1, all flags", -1, &self->lv, 1,
			  &self->rv, 1, PVM_ALL_FLAGS, -EBADF);
	verify(_metadata, self, &self->target);
}

/*
 * The pidfd is looked at where the pid would be: after the flags, both
 * imports and the zero-total shortcut; before the permission check and
 * the remote memory.
 */
TEST_F_TIMEOUT(pvm, pidfd_order_checked_where_pid_is, PVM_TIMEOUT)
{
	struct iovec lbad = { self->local.addr, -1 };
	struct iovec lzero = { self->local.addr, 0 };
	struct iovec none = { self->map.none, 64 };
	const unsigned long f = PROCESS_VM_PIDFD;
	const char *why = unsupported(PROCESS_VM_PIDFD);

	if (why)
		SKIP(return, "%s", why);
	call_both(_metadata, "liovcnt 0", -1, NULL, 0, &self->rv, 1, f, 0);
	call_both(_metadata, "zero total", -1, &lzero, 1, NULL, 1, f, 0);
	call_both(_metadata, "IOV_MAX + 1", -1, NULL, PVM_IOV_MAX + 1,
		  &self->rv, 1, f, -EINVAL);
	call_both(_metadata, "negative length", -1, &lbad, 1, &self->rv, 1,
		  f, -EINVAL);
	call_both(_metadata, "NULL local iovecs", -1, NULL, 1, &self->rv, 1,
		  f, -EFAULT);
	call_both(_metadata, "NULL remote iovecs", -1, &self->lv, 1, NULL, 1,
		  f, -EFAULT);
	call_both(_metadata, "PROT_NONE remote", -1, &self->lv, 1, &none, 1,
		  f, -EBADF);
	if (!unsupported(PVM_ALL_FLAGS))
		call_both(_metadata, "PROT_NONE remote, all flags", -1,
			  &self->lv, 1, &none, 1, PVM_ALL_FLAGS, -EBADF);
	verify(_metadata, self, &self->target);
}

/* The permission check is the one a pid gets. */
TEST_F_TIMEOUT(pvm, pidfd_eperm_not_dumpable, PVM_TIMEOUT)
{
	struct target_opts opts = target_opts_default;
	const char *why = unsupported(PROCESS_VM_PIDFD);
	int pidfd;

	if (why)
		SKIP(return, "%s", why);
	if (!become_unprivileged())
		SKIP(return, NO_UNPRIVILEGED);
	opts.dumpable = 0;
	ASSERT_EQ(0, target_spawn(&self->extra, &self->map, &opts));
	pidfd = sys_pidfd_open(self->extra.pid, 0);
	ASSERT_GE(pidfd, 0) TH_LOG("pidfd_open: %s", strerror(errno));
	call_both(_metadata, "not dumpable", pidfd, &self->lv, 1, &self->rv,
		  1, PROCESS_VM_PIDFD, -EPERM);
	close(pidfd);

	/* Control: the same uid, dumpable. */
	target_stop(&self->target);
	ASSERT_EQ(0, target_spawn(&self->target, &self->map,
				  &target_opts_default));
	pidfd = sys_pidfd_open(self->target.pid, 0);
	ASSERT_GE(pidfd, 0) TH_LOG("pidfd_open: %s", strerror(errno));
	xfer_flags_both(_metadata, self, pidfd, PROCESS_VM_PIDFD, &self->lv,
			1, &self->rv, 1, 64);
	close(pidfd);
}

TEST_F_TIMEOUT(pvm, pidfd_with_nowait, PVM_TIMEOUT)
{
	const unsigned long f = PROCESS_VM_PIDFD | PROCESS_VM_NOWAIT;
	struct iovec lv = { self->local.addr + 3, 5 * self->page + 1 };
	struct iovec rv = { self->map.arena + 11, 5 * self->page + 1 };
	struct iovec hole = { self->map.hole, 64 };
	const char *why = unsupported(f);
	int pidfd;

	if (why)
		SKIP(return, "%s", why);
	pidfd = sys_pidfd_open(self->target.pid, 0);
	ASSERT_GE(pidfd, 0) TH_LOG("pidfd_open: %s", strerror(errno));
	xfer_flags_both(_metadata, self, pidfd, f, &self->lv, 1, &self->rv, 1,
			64);
	xfer_flags_both(_metadata, self, pidfd, f, &lv, 1, &rv, 1,
			5 * self->page + 1);
	xfer_flags_both(_metadata, self, pidfd, f, &self->lv, 1, &hole, 1,
			-EFAULT);
	close(pidfd);
}

TEST_F_TIMEOUT(pvm, pidfd_with_reduce, PVM_TIMEOUT)
{
	const unsigned long flags[] = {
		PROCESS_VM_PIDFD | PROCESS_VM_REDUCE(SUM, U32),
		PROCESS_VM_PIDFD | PROCESS_VM_REDUCE(MIN, S16),
		PROCESS_VM_PIDFD | PROCESS_VM_NOWAIT |
			PROCESS_VM_REDUCE(PROD, F64),
		PROCESS_VM_PIDFD | PROCESS_VM_NOWAIT |
			PROCESS_VM_REDUCE(BOR, U8),
	};
	struct iovec lv[] = {
		{ self->local.addr + 8, 3 * self->page },
		{ self->local.addr + 5 * self->page + 64, 1024 },
	};
	struct iovec rv = { self->map.arena + 24, 3 * self->page + 1024 };
	struct sides sd = pvm_sides(self);
	const char *why = unsupported(flags[2]);
	unsigned int i;
	int pidfd;

	if (why)
		SKIP(return, "%s", why);
	pidfd = sys_pidfd_open(self->target.pid, 0);
	ASSERT_GE(pidfd, 0) TH_LOG("pidfd_open: %s", strerror(errno));
	for (i = 0; i < ARRAY_SIZE(flags); i++)
		reduce_xfer_both(_metadata, &sd, pidfd, flags[i], lv, 2, &rv,
				 1, 3 * self->page + 1024);
	close(pidfd);
}

/* ------------------------------------------------------------------ */
/* PROCESS_VM_NOWAIT on resident memory: exactly the copy             */
/* ------------------------------------------------------------------ */

TEST_F_TIMEOUT(pvm, nowait_resident_memory_as_copy, PVM_TIMEOUT)
{
	const unsigned long f = PROCESS_VM_NOWAIT;
	char *l = self->local.addr, *r = self->map.arena;
	size_t p = self->page, none = self->local.noaccess;
	const struct iovec lv[] = {
		{ l + 1, 1 }, { l + p - 1, 2 }, { l, 0 },
		{ l + 3 * p - 3, p + 5 }, { l + 6 * p + 11, 3 * p + 13 },
	};
	const struct iovec rv[] = {
		{ r + p - 2, 3 }, { self->map.none, 0 },
		{ r + 2 * p + 1, 2 * p - 1 }, { r + 5 * p - 1, 2 * p + 17 },
		{ r + 9 * p + 3, 1000 },
	};
	const struct iovec big_l = { l + 3, 6 * SZ_1M + 5 };
	const struct iovec big_r = { r + p - 3, 6 * SZ_1M + 5 };
	const struct iovec four_l = { l, 4 * p };
	const struct iovec rv_hole[] = {
		{ r + 100, 1000 }, { r + 5000, 3000 }, { self->map.hole, 64 },
	};
	const struct iovec rv_ro = { self->map.ro - 1000, 1000 + 2 * p + 300 };
	const struct iovec lv_split[] = {
		{ l + 100, 300 }, { l + none - 1000, 1000 + p + 500 },
	};
	const struct iovec none_r = { self->map.none, 64 };
	const struct iovec red_r = { r + 2 * p + 8, 4 * p };
	const struct sides sd = pvm_sides(self);
	const char *why = unsupported(f);
	pid_t pid = self->target.pid;

	if (why)
		SKIP(return, "%s", why);
	xfer_flags_both(_metadata, self, pid, f, lv, ARRAY_SIZE(lv),
			rv, ARRAY_SIZE(rv), iov_total(lv, ARRAY_SIZE(lv)));
	xfer_flags_both(_metadata, self, pid, f, &big_l, 1, &big_r, 1,
			6 * SZ_1M + 5);
	xfer_flags_both(_metadata, self, pid, f, &four_l, 1, rv_hole, 3,
			4000);
	xfer_flags(_metadata, self, &self->target, pid, f, false, &four_l, 1,
		   &rv_ro, 1, 1000 + REMOTE_RO_PAGES * p);
	xfer_flags(_metadata, self, &self->target, pid, f, true, &four_l, 1,
		   &rv_ro, 1, 1000);
	xfer_flags_both(_metadata, self, pid, f, lv_split, 2, &big_r, 1,
			1300);
	/* Memory that cannot be had at all: EFAULT, as without the flag. */
	xfer_flags_both(_metadata, self, pid, f, &self->lv, 1, &none_r, 1,
			-EFAULT);
	xfer_flags_both(_metadata, self, pid, f, &lv_split[1], 1, &none_r, 1,
			-EFAULT);
	/* With a reduction too. */
	if (!unsupported(PVM_REDUCE_PROBE))
		reduce_xfer_both(_metadata, &sd, pid,
				 f | PROCESS_VM_REDUCE(SUM, S32), &four_l, 1,
				 &red_r, 1, 4 * p);
}

/* No such pid is still ESRCH. */
TEST_F_TIMEOUT(pvm, nowait_pid_errors_unchanged, PVM_TIMEOUT)
{
	const char *why = unsupported(PROCESS_VM_NOWAIT);

	if (why)
		SKIP(return, "%s", why);
	call_both(_metadata, "no such pid", NO_PID, &self->lv, 1, &self->rv,
		  1, PROCESS_VM_NOWAIT, -ESRCH);
	call_both(_metadata, "liovcnt 0", NO_PID, NULL, 0, &self->rv, 1,
		  PROCESS_VM_NOWAIT, 0);
	self->child = make_zombie(1);
	ASSERT_GT(self->child, 0);
	call_both(_metadata, "zombie", self->child, &self->lv, 1, &self->rv,
		  1, PROCESS_VM_NOWAIT, -ESRCH);
}

/* ------------------------------------------------------------------ */
/* Reduce: operands and layouts                                       */
/* ------------------------------------------------------------------ */

static const uint64_t f32_special[] = {
	0x00000000, 0x80000000,			/* +0, -0 */
	0x3f800000, 0xbf800000, 0x40000000,	/* 1, -1, 2 */
	0x3f000000, 0x3eaaaaab,			/* 0.5, 1/3 */
	0x3f800001, 0x33800000, 0x3f000001,	/* 1+ulp, ulp(1)/2, 0.5+ulp */
	0x4b800000, 0x7f000000, 0x1f800000,	/* 2^24, 2^127, 2^-64 */
	0x7f7fffff, 0xff7fffff,			/* +-max */
	0x00800000, 0x80800000,			/* +-min normal */
	0x007fffff, 0x00000001, 0x80000001,	/* subnormals */
	0x7f800000, 0xff800000,			/* +-inf */
	0x7fc00000, 0xffc00000, 0x7fc0dead,	/* quiet NaNs */
	0x7f800001, 0x7fa00bad, 0xff800005,	/* signalling NaNs */
};

static const uint64_t f64_special[] = {
	0x0000000000000000ULL, 0x8000000000000000ULL,
	0x3ff0000000000000ULL, 0xbff0000000000000ULL, 0x4000000000000000ULL,
	0x3fe0000000000000ULL, 0x3fd5555555555555ULL,
	0x3ff0000000000001ULL, 0x3ca0000000000000ULL, 0x3fe0000000000001ULL,
	0x4340000000000000ULL, 0x7fe0000000000000ULL, 0x1ff0000000000000ULL,
	0x7fefffffffffffffULL, 0xffefffffffffffffULL,
	0x0010000000000000ULL, 0x8010000000000000ULL,
	0x000fffffffffffffULL, 0x0000000000000001ULL, 0x8000000000000001ULL,
	0x7ff0000000000000ULL, 0xfff0000000000000ULL,
	0x7ff8000000000000ULL, 0xfff8000000000000ULL, 0x7ff800000000deadULL,
	0x7ff0000000000001ULL, 0x7ff4000000000badULL, 0xfff0000000000005ULL,
};

#define NR_INT_SPECIAL	15

/* Values where integer arithmetic wraps and comparisons change sign. */
static void int_special(unsigned int bits, uint64_t *v)
{
	uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
	uint64_t min = 1ULL << (bits - 1);
	unsigned int i = 0;

	v[i++] = 0;
	v[i++] = 1;
	v[i++] = 2;
	v[i++] = 3;
	v[i++] = mask;			/* -1 */
	v[i++] = mask - 1;		/* -2 */
	v[i++] = min;			/* signed min */
	v[i++] = min - 1;		/* signed max */
	v[i++] = min + 1;
	v[i++] = 1ULL << (bits / 2);	/* squares to 2^bits */
	v[i++] = (1ULL << (bits / 2)) + 1;
	v[i++] = 0x5555555555555555ULL & mask;
	v[i++] = 0xaaaaaaaaaaaaaaaaULL & mask;
	v[i++] = 0x0123456789abcdefULL & mask;
	v[i++] = 0xfedcba9876543210ULL & mask;
}

/*
 * One random operand: often a special value or random bits; for floats
 * also a moderate value, so that sums and products round rather than
 * overflow; for integers a small one of either sign.
 */
static uint64_t random_operand(unsigned int type, const uint64_t *sp,
			       size_t nsp, uint64_t *rng)
{
	uint64_t r = pattern_next(rng), x = pattern_next(rng);

	switch (r % 8) {
	case 0:
		return sp[(r >> 8) % nsp];
	case 1:
	case 2:
	case 3:
		return x;
	}
	if (type == PROCESS_VM_TYPE_F32)
		return (x & 0x807fffff) | (uint64_t)(107 + (r >> 8) % 41) << 23;
	if (type == PROCESS_VM_TYPE_F64)
		return (x & 0x800fffffffffffffULL) |
		       (uint64_t)(983 + (r >> 8) % 81) << 52;
	return (uint64_t)((int64_t)(x % 2001) - 1000);
}

/*
 * @n elements of @type for each operand: every pair of special values
 * first, then random operands.
 */
static void fill_operands(unsigned int type, void *d, void *s, size_t n,
			  uint64_t *rng)
{
	uint64_t ints[NR_INT_SPECIAL];
	const uint64_t *sp = ints;
	size_t nsp = NR_INT_SPECIAL, i = 0, a, b;

	if (type == PROCESS_VM_TYPE_F32) {
		sp = f32_special;
		nsp = ARRAY_SIZE(f32_special);
	} else if (type == PROCESS_VM_TYPE_F64) {
		sp = f64_special;
		nsp = ARRAY_SIZE(f64_special);
	} else {
		int_special(8 * reduce_type_size(type), ints);
	}
	for (a = 0; a < nsp; a++) {
		for (b = 0; b < nsp && i < n; b++, i++) {
			reduce_store(d, i, type, sp[a]);
			reduce_store(s, i, type, sp[b]);
		}
	}
	for (; i < n; i++) {
		reduce_store(d, i, type, random_operand(type, sp, nsp, rng));
		reduce_store(s, i, type, random_operand(type, sp, nsp, rng));
	}
}

#define MAX_PIECES	8

/*
 * @total bytes of @w-byte elements laid out at @base (@size bytes) as
 * @pieces iovecs of random whole-element lengths, some empty, at
 * element-aligned addresses that are mostly not page-aligned, with gaps,
 * and an empty element at an odd address after every other piece.
 * Returns the number of iovecs, at most 2 * @pieces; 0 if it did not fit.
 */
static size_t reduce_layout(struct iovec *iov, char *base, size_t size,
			    size_t total, size_t w, unsigned int pieces,
			    uint64_t *rng)
{
	size_t cut[MAX_PIECES + 1], elems = total / w, pos, n = 0;
	unsigned int i, j;

	cut[0] = 0;
	cut[pieces] = elems;
	for (i = 1; i < pieces; i++) {
		size_t c = pattern_next(rng) % (elems + 1);

		for (j = i; j > 1 && cut[j - 1] > c; j--)
			cut[j] = cut[j - 1];
		cut[j] = c;
	}
	pos = w * (1 + pattern_next(rng) % 7);
	for (i = 0; i < pieces; i++) {
		size_t len = (cut[i + 1] - cut[i]) * w;

		iov[n++] = (struct iovec){ base + pos, len };
		pos += len + w * (pattern_next(rng) % 9);
		if (i % 2)
			iov[n++] = (struct iovec){ base + pos + 1, 0 };
	}
	return pos + w <= size ? n : 0;
}

/* Copy the flat @buf into, or out of, what @iov covers of @at + offset. */
static void iov_scatter(char *at, const char *origin, const struct iovec *iov,
			size_t n, const char *buf)
{
	size_t i;

	for (i = 0; i < n; buf += iov[i].iov_len, i++)
		memcpy(at + ((char *)iov[i].iov_base - origin), buf,
		       iov[i].iov_len);
}

static void iov_gather(char *buf, const char *at, const char *origin,
		       const struct iovec *iov, size_t n)
{
	size_t i;

	for (i = 0; i < n; buf += iov[i].iov_len, i++)
		memcpy(buf, at + ((char *)iov[i].iov_base - origin),
		       iov[i].iov_len);
}

/* The first @bytes of the stream @iov describes; returns the count. */
static size_t iov_prefix(struct iovec *out, const struct iovec *iov,
			 size_t n, size_t bytes)
{
	size_t i;

	for (i = 0; i < n && bytes; i++) {
		out[i] = iov[i];
		if (out[i].iov_len > bytes)
			out[i].iov_len = bytes;
		bytes -= out[i].iov_len;
	}
	return i;
}

/* The first of @n elements of @type where @a and @b differ, or -1. */
static ssize_t first_element_mismatch(const void *a, const void *b,
				      size_t n, unsigned int type)
{
	size_t i;

	if (!memcmp(a, b, n * reduce_type_size(type)))
		return -1;
	for (i = 0; reduce_load(a, i, type) == reduce_load(b, i, type); i++)
		;
	return i;
}

/* ------------------------------------------------------------------ */
/* Reduce: the fixtures                                               */
/* ------------------------------------------------------------------ */

#define REDUCE_PAGES	16

/* The pvm fixture's parts, with arenas of REDUCE_PAGES pages. */
struct pvm_env {
	size_t page;
	struct remote_map map;
	struct space local;
	struct space remote;
	struct target target;
};

static struct sides env_sides(struct pvm_env *e)
{
	return (struct sides){ &e->local, &e->remote, &e->target };
}

static int env_setup(struct pvm_env *e)
{
	e->page = sysconf(_SC_PAGESIZE);
	e->target.cmd = -1;
	e->target.reply = -1;
	if (remote_map_create_sized(&e->map, REDUCE_PAGES * e->page))
		return -1;
	remote_space_init(&e->remote, &e->map);
	if (local_space_create_sized(&e->local, e->page,
				     REDUCE_PAGES * e->page))
		return -1;
	return target_spawn(&e->target, &e->map, &target_opts_default);
}

static void env_teardown(struct pvm_env *e)
{
	target_stop(&e->target);
	local_space_destroy(&e->local);
	remote_map_destroy(&e->map);
}

/* Make the target's arena what the model says, with a plain copy. */
static void env_push_remote(struct __test_metadata *_metadata,
			    struct pvm_env *e)
{
	struct iovec v = { e->map.expect, e->map.arena_size };
	struct iovec r = { e->map.arena, e->map.arena_size };

	ASSERT_EQ((ssize_t)e->map.arena_size,
		  pvm_rw(true, e->target.pid, &v, 1, &r, 1, 0))
		TH_LOG("cannot set up the target: %s", strerror(errno));
}

/*
 * Take what the destination now holds as the model: the tests of partial
 * transfers assert only the bytes the call returned.
 */
static void env_resync(struct __test_metadata *_metadata, struct pvm_env *e,
		       bool write)
{
	struct space *l = &e->local;
	struct iovec v = { e->map.expect, e->map.expect_size };
	struct iovec r = { e->map.arena, e->map.expect_size };

	if (write) {
		ASSERT_EQ((ssize_t)e->map.expect_size,
			  pvm_rw(false, e->target.pid, &v, 1, &r, 1, 0));
		return;
	}
	memcpy(l->shadow, l->addr, l->noaccess);
	memcpy(l->shadow + l->noaccess + l->noaccess_len,
	       l->addr + l->noaccess + l->noaccess_len,
	       l->size - l->noaccess - l->noaccess_len);
}

/*
 * The destination's first @n bytes hold what the model says. The model
 * has been advanced by them; the source must not have changed at all.
 */
static void check_prefix(struct __test_metadata *_metadata,
			 struct pvm_env *e, bool write, unsigned int type,
			 const struct iovec *lv, size_t ln,
			 const struct iovec *rv, size_t rn, size_t n)
{
	size_t w = reduce_type_size(type), cnt;
	struct iovec pv[8];
	ssize_t bad;
	char *got = malloc(n), *want = malloc(n);
	struct iovec g = { got, n };
	size_t roff = 0;

	ASSERT_TRUE(got && want);
	if (write) {
		cnt = iov_prefix(pv, rv, rn, n);
		ASSERT_EQ((ssize_t)n, pvm_rw(false, e->target.pid, &g, 1,
					     pv, cnt, 0));
		iov_gather(want, e->map.expect, e->map.arena, pv, cnt);
		ASSERT_EQ(-1, space_mismatch(&e->local))
			TH_LOG("the local source changed");
	} else {
		cnt = iov_prefix(pv, lv, ln, n);
		iov_gather(got, e->local.addr, e->local.addr, pv, cnt);
		iov_gather(want, e->local.shadow, e->local.addr, pv, cnt);
		ASSERT_EQ(0, target_check(&e->target, &roff))
			TH_LOG("the remote source changed at %zu", roff);
	}
	bad = first_element_mismatch(want, got, n / w, type);
	ASSERT_EQ(-1, bad)
		TH_LOG("%s: element %zd of the prefix is %#llx, expected %#llx",
		       dir_name[write], bad,
		       (unsigned long long)reduce_load(got, bad, type),
		       (unsigned long long)reduce_load(want, bad, type));
	free(got);
	free(want);
	env_resync(_metadata, e, write);
}

/*
 * How many bytes each matrix case combines: several pages, so that the
 * elements cross page boundaries on both sides at different points.
 */
#define MATRIX_BYTES(page)	(5 * (page) + 17 * 8)

/*
 * A caller floating-point environment as different from the default as
 * it gets: rounding upward, flush to zero, denormals are zero, and every
 * exception unmasked. The kernel must ignore it and leave it as it was.
 */
#define MXCSR_HOSTILE	((2U << 13) | (1U << 15) | (1U << 6))
#define MXCSR_FLAGS	0x3fU	/* sticky exception flags */

/*
 * pvm_rw(), under MXCSR_HOSTILE if @hostile (x86_64 only); @left gets the
 * MXCSR the call left, or MXCSR_HOSTILE when not @hostile.
 */
static ssize_t pvm_rw_fenv(bool hostile, unsigned int *left, bool write,
			   pid_t pid, const struct iovec *lv, size_t ln,
			   const struct iovec *rv, size_t rn,
			   unsigned long flags)
{
	*left = MXCSR_HOSTILE;
#if defined(__x86_64__)
	if (hostile) {
		unsigned int saved, hostile_csr = MXCSR_HOSTILE;
		ssize_t ret;
		int err;

		/* No floating point from here... */
		__asm__ volatile("stmxcsr %0" : "=m"(saved));
		__asm__ volatile("ldmxcsr %0" : : "m"(hostile_csr) : "memory");
		ret = pvm_rw(write, pid, lv, ln, rv, rn, flags);
		err = errno;
		__asm__ volatile("stmxcsr %0" : "=m"(*left) : : "memory");
		__asm__ volatile("ldmxcsr %0" : : "m"(saved) : "memory");
		/* ...to here. */
		errno = err;
		return ret;
	}
#endif
	return pvm_rw(write, pid, lv, ln, rv, rn, flags);
}

/*
 * One case of the matrix: @op on @type, in direction @write, over
 * MATRIX_BYTES of operands split differently on the two sides. The
 * destination elements must be exactly reduce_ref()'s results, nothing
 * else may change. With @hostile_fenv (x86_64), the call is made under
 * MXCSR_HOSTILE.
 */
static void reduce_matrix(struct __test_metadata *_metadata,
			  struct pvm_env *e, unsigned int op,
			  unsigned int type, bool write, bool hostile_fenv)
{
	const unsigned long flags = reduce_flags(op, type);
	const size_t w = reduce_type_size(type);
	const size_t total = MATRIX_BYTES(e->page), n = total / w;
	const uint64_t seed = test_seed() ^ ((uint64_t)op << 16 |
					     type << 8 | write);
	struct iovec lv[2 * MAX_PIECES], rv[2 * MAX_PIECES];
	struct iovec g;
	char *d, *s, *want, *got;
	uint64_t rng = seed;
	size_t ln, rn;
	unsigned int mxcsr;
	ssize_t ret, bad;
	int err;

	d = malloc(total);
	s = malloc(total);
	want = malloc(total);
	got = malloc(total);
	ASSERT_TRUE(d && s && want && got);
	fill_operands(type, d, s, n, &rng);
	memcpy(want, d, total);
	reduce_ref(op, type, want, s, n);

	ln = reduce_layout(lv, e->local.addr, e->local.noaccess, total, w, 5,
			   &rng);
	rn = reduce_layout(rv, e->map.arena, e->map.arena_size, total, w, 4,
			   &rng);
	ASSERT_TRUE(ln && rn);
	/* readv: local = op(local, remote); writev: remote = op(remote, local) */
	iov_scatter(e->local.addr, e->local.addr, lv, ln, write ? s : d);
	iov_scatter(e->local.shadow, e->local.addr, lv, ln, write ? s : d);
	iov_scatter(e->map.expect, e->map.arena, rv, rn, write ? d : s);
	env_push_remote(_metadata, e);
	verify_spaces(_metadata, &e->local, &e->target);

	ret = pvm_rw_fenv(hostile_fenv, &mxcsr, write, e->target.pid,
			  lv, ln, rv, rn, flags);
	err = errno;
	ASSERT_EQ(MXCSR_HOSTILE, mxcsr & ~MXCSR_FLAGS)
		TH_LOG("the call changed the caller's MXCSR to %#x", mxcsr);
	ASSERT_EQ((ssize_t)total, ret)
		TH_LOG("%s %s: %s (seed %#llx)", reduce_name(flags),
		       dir_name[write], ret < 0 ? strerror(err) : "short",
		       (unsigned long long)seed);

	if (write) {
		g = (struct iovec){ got, total };
		ASSERT_EQ((ssize_t)total,
			  pvm_rw(false, e->target.pid, &g, 1, rv, rn, 0));
	} else {
		iov_gather(got, e->local.addr, e->local.addr, lv, ln);
	}
	bad = first_element_mismatch(want, got, n, type);
	if (bad >= 0)
		TH_LOG("operands from CMA_TEST_SEED=%#llx",
		       (unsigned long long)test_seed());
	ASSERT_EQ(-1, bad)
		TH_LOG("%s %s: element %zd: op(%#llx, %#llx) = %#llx, not %#llx",
		       reduce_name(flags), dir_name[write], bad,
		       (unsigned long long)reduce_load(d, bad, type),
		       (unsigned long long)reduce_load(s, bad, type),
		       (unsigned long long)reduce_load(got, bad, type),
		       (unsigned long long)reduce_load(want, bad, type));

	/* And nothing else changed, on either side. */
	if (write)
		iov_scatter(e->map.expect, e->map.arena, rv, rn, want);
	else
		iov_scatter(e->local.shadow, e->local.addr, lv, ln, want);
	verify_spaces(_metadata, &e->local, &e->target);
	free(d);
	free(s);
	free(want);
	free(got);
}

/* One variant per op and type: 70, six of them bitwise ops on floats. */
FIXTURE(reduce) {
	struct pvm_env env;
};

FIXTURE_VARIANT(reduce) {
	unsigned int op;
	unsigned int type;
};

FIXTURE_VARIANT_ADD(reduce, sum_s8) { PROCESS_VM_OP_SUM, PROCESS_VM_TYPE_S8 };
FIXTURE_VARIANT_ADD(reduce, sum_u8) { PROCESS_VM_OP_SUM, PROCESS_VM_TYPE_U8 };
FIXTURE_VARIANT_ADD(reduce, sum_s16) { PROCESS_VM_OP_SUM, PROCESS_VM_TYPE_S16 };
FIXTURE_VARIANT_ADD(reduce, sum_u16) { PROCESS_VM_OP_SUM, PROCESS_VM_TYPE_U16 };
FIXTURE_VARIANT_ADD(reduce, sum_s32) { PROCESS_VM_OP_SUM, PROCESS_VM_TYPE_S32 };
FIXTURE_VARIANT_ADD(reduce, sum_u32) { PROCESS_VM_OP_SUM, PROCESS_VM_TYPE_U32 };
FIXTURE_VARIANT_ADD(reduce, sum_s64) { PROCESS_VM_OP_SUM, PROCESS_VM_TYPE_S64 };
FIXTURE_VARIANT_ADD(reduce, sum_u64) { PROCESS_VM_OP_SUM, PROCESS_VM_TYPE_U64 };
FIXTURE_VARIANT_ADD(reduce, sum_f32) { PROCESS_VM_OP_SUM, PROCESS_VM_TYPE_F32 };
FIXTURE_VARIANT_ADD(reduce, sum_f64) { PROCESS_VM_OP_SUM, PROCESS_VM_TYPE_F64 };

FIXTURE_VARIANT_ADD(reduce, prod_s8) { PROCESS_VM_OP_PROD, PROCESS_VM_TYPE_S8 };
FIXTURE_VARIANT_ADD(reduce, prod_u8) { PROCESS_VM_OP_PROD, PROCESS_VM_TYPE_U8 };
FIXTURE_VARIANT_ADD(reduce, prod_s16) { PROCESS_VM_OP_PROD, PROCESS_VM_TYPE_S16 };
FIXTURE_VARIANT_ADD(reduce, prod_u16) { PROCESS_VM_OP_PROD, PROCESS_VM_TYPE_U16 };
FIXTURE_VARIANT_ADD(reduce, prod_s32) { PROCESS_VM_OP_PROD, PROCESS_VM_TYPE_S32 };
FIXTURE_VARIANT_ADD(reduce, prod_u32) { PROCESS_VM_OP_PROD, PROCESS_VM_TYPE_U32 };
FIXTURE_VARIANT_ADD(reduce, prod_s64) { PROCESS_VM_OP_PROD, PROCESS_VM_TYPE_S64 };
FIXTURE_VARIANT_ADD(reduce, prod_u64) { PROCESS_VM_OP_PROD, PROCESS_VM_TYPE_U64 };
FIXTURE_VARIANT_ADD(reduce, prod_f32) { PROCESS_VM_OP_PROD, PROCESS_VM_TYPE_F32 };
FIXTURE_VARIANT_ADD(reduce, prod_f64) { PROCESS_VM_OP_PROD, PROCESS_VM_TYPE_F64 };

FIXTURE_VARIANT_ADD(reduce, min_s8) { PROCESS_VM_OP_MIN, PROCESS_VM_TYPE_S8 };
FIXTURE_VARIANT_ADD(reduce, min_u8) { PROCESS_VM_OP_MIN, PROCESS_VM_TYPE_U8 };
FIXTURE_VARIANT_ADD(reduce, min_s16) { PROCESS_VM_OP_MIN, PROCESS_VM_TYPE_S16 };
FIXTURE_VARIANT_ADD(reduce, min_u16) { PROCESS_VM_OP_MIN, PROCESS_VM_TYPE_U16 };
FIXTURE_VARIANT_ADD(reduce, min_s32) { PROCESS_VM_OP_MIN, PROCESS_VM_TYPE_S32 };
FIXTURE_VARIANT_ADD(reduce, min_u32) { PROCESS_VM_OP_MIN, PROCESS_VM_TYPE_U32 };
FIXTURE_VARIANT_ADD(reduce, min_s64) { PROCESS_VM_OP_MIN, PROCESS_VM_TYPE_S64 };
FIXTURE_VARIANT_ADD(reduce, min_u64) { PROCESS_VM_OP_MIN, PROCESS_VM_TYPE_U64 };
FIXTURE_VARIANT_ADD(reduce, min_f32) { PROCESS_VM_OP_MIN, PROCESS_VM_TYPE_F32 };
FIXTURE_VARIANT_ADD(reduce, min_f64) { PROCESS_VM_OP_MIN, PROCESS_VM_TYPE_F64 };

FIXTURE_VARIANT_ADD(reduce, max_s8) { PROCESS_VM_OP_MAX, PROCESS_VM_TYPE_S8 };
FIXTURE_VARIANT_ADD(reduce, max_u8) { PROCESS_VM_OP_MAX, PROCESS_VM_TYPE_U8 };
FIXTURE_VARIANT_ADD(reduce, max_s16) { PROCESS_VM_OP_MAX, PROCESS_VM_TYPE_S16 };
FIXTURE_VARIANT_ADD(reduce, max_u16) { PROCESS_VM_OP_MAX, PROCESS_VM_TYPE_U16 };
FIXTURE_VARIANT_ADD(reduce, max_s32) { PROCESS_VM_OP_MAX, PROCESS_VM_TYPE_S32 };
FIXTURE_VARIANT_ADD(reduce, max_u32) { PROCESS_VM_OP_MAX, PROCESS_VM_TYPE_U32 };
FIXTURE_VARIANT_ADD(reduce, max_s64) { PROCESS_VM_OP_MAX, PROCESS_VM_TYPE_S64 };
FIXTURE_VARIANT_ADD(reduce, max_u64) { PROCESS_VM_OP_MAX, PROCESS_VM_TYPE_U64 };
FIXTURE_VARIANT_ADD(reduce, max_f32) { PROCESS_VM_OP_MAX, PROCESS_VM_TYPE_F32 };
FIXTURE_VARIANT_ADD(reduce, max_f64) { PROCESS_VM_OP_MAX, PROCESS_VM_TYPE_F64 };

FIXTURE_VARIANT_ADD(reduce, band_s8) { PROCESS_VM_OP_BAND, PROCESS_VM_TYPE_S8 };
FIXTURE_VARIANT_ADD(reduce, band_u8) { PROCESS_VM_OP_BAND, PROCESS_VM_TYPE_U8 };
FIXTURE_VARIANT_ADD(reduce, band_s16) { PROCESS_VM_OP_BAND, PROCESS_VM_TYPE_S16 };
FIXTURE_VARIANT_ADD(reduce, band_u16) { PROCESS_VM_OP_BAND, PROCESS_VM_TYPE_U16 };
FIXTURE_VARIANT_ADD(reduce, band_s32) { PROCESS_VM_OP_BAND, PROCESS_VM_TYPE_S32 };
FIXTURE_VARIANT_ADD(reduce, band_u32) { PROCESS_VM_OP_BAND, PROCESS_VM_TYPE_U32 };
FIXTURE_VARIANT_ADD(reduce, band_s64) { PROCESS_VM_OP_BAND, PROCESS_VM_TYPE_S64 };
FIXTURE_VARIANT_ADD(reduce, band_u64) { PROCESS_VM_OP_BAND, PROCESS_VM_TYPE_U64 };
FIXTURE_VARIANT_ADD(reduce, band_f32) { PROCESS_VM_OP_BAND, PROCESS_VM_TYPE_F32 };
FIXTURE_VARIANT_ADD(reduce, band_f64) { PROCESS_VM_OP_BAND, PROCESS_VM_TYPE_F64 };

FIXTURE_VARIANT_ADD(reduce, bor_s8) { PROCESS_VM_OP_BOR, PROCESS_VM_TYPE_S8 };
FIXTURE_VARIANT_ADD(reduce, bor_u8) { PROCESS_VM_OP_BOR, PROCESS_VM_TYPE_U8 };
FIXTURE_VARIANT_ADD(reduce, bor_s16) { PROCESS_VM_OP_BOR, PROCESS_VM_TYPE_S16 };
FIXTURE_VARIANT_ADD(reduce, bor_u16) { PROCESS_VM_OP_BOR, PROCESS_VM_TYPE_U16 };
FIXTURE_VARIANT_ADD(reduce, bor_s32) { PROCESS_VM_OP_BOR, PROCESS_VM_TYPE_S32 };
FIXTURE_VARIANT_ADD(reduce, bor_u32) { PROCESS_VM_OP_BOR, PROCESS_VM_TYPE_U32 };
FIXTURE_VARIANT_ADD(reduce, bor_s64) { PROCESS_VM_OP_BOR, PROCESS_VM_TYPE_S64 };
FIXTURE_VARIANT_ADD(reduce, bor_u64) { PROCESS_VM_OP_BOR, PROCESS_VM_TYPE_U64 };
FIXTURE_VARIANT_ADD(reduce, bor_f32) { PROCESS_VM_OP_BOR, PROCESS_VM_TYPE_F32 };
FIXTURE_VARIANT_ADD(reduce, bor_f64) { PROCESS_VM_OP_BOR, PROCESS_VM_TYPE_F64 };

FIXTURE_VARIANT_ADD(reduce, bxor_s8) { PROCESS_VM_OP_BXOR, PROCESS_VM_TYPE_S8 };
FIXTURE_VARIANT_ADD(reduce, bxor_u8) { PROCESS_VM_OP_BXOR, PROCESS_VM_TYPE_U8 };
FIXTURE_VARIANT_ADD(reduce, bxor_s16) { PROCESS_VM_OP_BXOR, PROCESS_VM_TYPE_S16 };
FIXTURE_VARIANT_ADD(reduce, bxor_u16) { PROCESS_VM_OP_BXOR, PROCESS_VM_TYPE_U16 };
FIXTURE_VARIANT_ADD(reduce, bxor_s32) { PROCESS_VM_OP_BXOR, PROCESS_VM_TYPE_S32 };
FIXTURE_VARIANT_ADD(reduce, bxor_u32) { PROCESS_VM_OP_BXOR, PROCESS_VM_TYPE_U32 };
FIXTURE_VARIANT_ADD(reduce, bxor_s64) { PROCESS_VM_OP_BXOR, PROCESS_VM_TYPE_S64 };
FIXTURE_VARIANT_ADD(reduce, bxor_u64) { PROCESS_VM_OP_BXOR, PROCESS_VM_TYPE_U64 };
FIXTURE_VARIANT_ADD(reduce, bxor_f32) { PROCESS_VM_OP_BXOR, PROCESS_VM_TYPE_F32 };
FIXTURE_VARIANT_ADD(reduce, bxor_f64) { PROCESS_VM_OP_BXOR, PROCESS_VM_TYPE_F64 };

FIXTURE_SETUP(reduce)
{
	ASSERT_EQ(0, env_setup(&self->env))
		TH_LOG("cannot start the target: %s", strerror(errno));
}

FIXTURE_TEARDOWN(reduce)
{
	env_teardown(&self->env);
}

/* A bitwise op on a float type: EINVAL, and nothing changes. */
static void reduce_bitwise_float(struct __test_metadata *_metadata,
				 struct pvm_env *e, unsigned long flags,
				 bool write)
{
	struct iovec lv = { e->local.addr + 64, 4 * e->page };
	struct iovec rv = { e->map.arena + 128, 4 * e->page };
	ssize_t ret = pvm_rw(write, e->target.pid, &lv, 1, &rv, 1, flags);

	check_result(_metadata, reduce_name(flags), write, ret, errno,
		     -EINVAL);
	verify_spaces(_metadata, &e->local, &e->target);
}

static void reduce_variant(struct __test_metadata *_metadata,
			   struct pvm_env *e,
			   const struct _fixture_variant_reduce *v, bool write)
{
	const unsigned long flags = reduce_flags(v->op, v->type);
	const bool valid = reduce_pair_valid(v->op, v->type);
	/* A bitwise float needs no float support to be refused. */
	const char *why = unsupported(valid ? flags : PVM_REDUCE_PROBE);

	if (why)
		SKIP(return, "%s", why);
	if (!valid)
		reduce_bitwise_float(_metadata, e, flags, write);
	else
		reduce_matrix(_metadata, e, v->op, v->type, write, false);
}

TEST_F_TIMEOUT(reduce, readv, PVM_TIMEOUT)
{
	reduce_variant(_metadata, &self->env, variant, false);
}

TEST_F_TIMEOUT(reduce, writev, PVM_TIMEOUT)
{
	reduce_variant(_metadata, &self->env, variant, true);
}

/* ------------------------------------------------------------------ */
/* Reduce: layout rules and partial transfers, for every type         */
/* ------------------------------------------------------------------ */

FIXTURE(reduce_layout) {
	struct pvm_env env;
};

FIXTURE_SETUP(reduce_layout)
{
	ASSERT_EQ(0, env_setup(&self->env))
		TH_LOG("cannot start the target: %s", strerror(errno));
}

FIXTURE_TEARDOWN(reduce_layout)
{
	env_teardown(&self->env);
}

/* An op for each type, so that between them the tests use every op. */
static unsigned long layout_flags(unsigned int type)
{
	static const unsigned int op[REDUCE_NR_TYPES + 1] = {
		[PROCESS_VM_TYPE_S8] = PROCESS_VM_OP_SUM,
		[PROCESS_VM_TYPE_U8] = PROCESS_VM_OP_PROD,
		[PROCESS_VM_TYPE_S16] = PROCESS_VM_OP_MIN,
		[PROCESS_VM_TYPE_U16] = PROCESS_VM_OP_MAX,
		[PROCESS_VM_TYPE_S32] = PROCESS_VM_OP_BAND,
		[PROCESS_VM_TYPE_U32] = PROCESS_VM_OP_BOR,
		[PROCESS_VM_TYPE_S64] = PROCESS_VM_OP_BXOR,
		[PROCESS_VM_TYPE_U64] = PROCESS_VM_OP_SUM,
		[PROCESS_VM_TYPE_F32] = PROCESS_VM_OP_PROD,
		[PROCESS_VM_TYPE_F64] = PROCESS_VM_OP_MAX,
	};

	return reduce_flags(op[type], type);
}

typedef void (*layout_case)(struct __test_metadata *_metadata,
			    struct pvm_env *e, unsigned int type, size_t w);

/*
 * @fn for each type at least @min_size bytes large, but for float types
 * only where they are supported.
 */
static void layout_each_type(struct __test_metadata *_metadata,
			     struct pvm_env *e, size_t min_size,
			     layout_case fn)
{
	unsigned int type;

	for (type = 1; type <= REDUCE_NR_TYPES; type++)
		if (reduce_type_size(type) >= min_size &&
		    !unsupported(layout_flags(type)))
			fn(_metadata, e, type, reduce_type_size(type));
}

static const char *reduce_unsupported(void)
{
	return unsupported(PVM_REDUCE_PROBE);
}

/* Three elements of 4 elements each on either side, all aligned. */
static void layout_aligned(struct pvm_env *e, size_t w, struct iovec *lv,
			   struct iovec *rv)
{
	unsigned int i;

	for (i = 0; i < 3; i++) {
		lv[i] = (struct iovec){ e->local.addr + (1 + 40 * i) * w,
					4 * w };
		rv[i] = (struct iovec){ e->map.arena + (3 + 56 * i) * w,
					4 * w };
	}
}

/*
 * Each call with one element, on one side, spoilt by @spoil fails with
 * EINVAL and changes nothing; unspoilt, the same call works.
 */
static void layout_einval(struct __test_metadata *_metadata,
			  struct pvm_env *e, unsigned int type, size_t w,
			  bool (*spoil)(struct iovec *v, size_t w,
					unsigned int k))
{
	const unsigned long flags = layout_flags(type);
	const struct sides sd = env_sides(e);
	struct iovec lv[3], rv[3], good_l[3], good_r[3];
	unsigned int c;
	char what[64];

	layout_aligned(e, w, good_l, good_r);
	/* Either side, each of its three elements, three ways to spoil. */
	for (c = 0; c < 2 * 3 * 3; c++) {
		unsigned int pos = c / 3 % 3;
		bool remote = c / 9;

		memcpy(lv, good_l, sizeof(lv));
		memcpy(rv, good_r, sizeof(rv));
		if (!spoil(remote ? &rv[pos] : &lv[pos], w, c % 3))
			continue;
		snprintf(what, sizeof(what), "%s, %s element %u spoilt",
			 reduce_name(flags), remote ? "remote" : "local", pos);
		call_both(_metadata, what, e->target.pid, lv, 3, rv, 3, flags,
			  -EINVAL);
	}
	verify_spaces(_metadata, &e->local, &e->target);
	/* Control: aligned, it works. */
	reduce_xfer_both(_metadata, &sd, e->target.pid, flags, good_l, 3,
			 good_r, 3, 12 * w);
}

/* The k-th misalignment of @v: by 1, half an element, all but 1 byte. */
static bool spoil_base(struct iovec *v, size_t w, unsigned int k)
{
	const size_t off[] = { 1, w / 2, w - 1 };

	if (k && off[k] == off[k - 1])
		return false;
	v->iov_base = (char *)v->iov_base + off[k];
	return true;
}

/* The k-th bad length: 1 byte, 1.5 elements, 4 elements and 1 byte. */
static bool spoil_len(struct iovec *v, size_t w, unsigned int k)
{
	const size_t len[] = { 1, w + w / 2, 4 * w + 1 };

	v->iov_len = len[k];
	return true;
}

static void misaligned_case(struct __test_metadata *_metadata,
			    struct pvm_env *e, unsigned int type, size_t w)
{
	layout_einval(_metadata, e, type, w, spoil_base);
}

TEST_F_TIMEOUT(reduce_layout, misaligned_base_einval, PVM_TIMEOUT)
{
	const char *why = reduce_unsupported();

	if (why)
		SKIP(return, "%s", why);
	layout_each_type(_metadata, &self->env, 2, misaligned_case);
}

static void bad_len_case(struct __test_metadata *_metadata,
			 struct pvm_env *e, unsigned int type, size_t w)
{
	layout_einval(_metadata, e, type, w, spoil_len);
}

TEST_F_TIMEOUT(reduce_layout, len_not_whole_elements_einval, PVM_TIMEOUT)
{
	const char *why = reduce_unsupported();

	if (why)
		SKIP(return, "%s", why);
	layout_each_type(_metadata, &self->env, 2, bad_len_case);
}

/*
 * Misalignment is an argument error like the others: it comes before the
 * pid or pidfd is looked up and before the remote side is touched.
 */
TEST_F_TIMEOUT(reduce_layout, order_misaligned_before_target, PVM_TIMEOUT)
{
	struct pvm_env *e = &self->env;
	struct iovec odd_l = { e->local.addr + 1, 8 };
	struct iovec odd_r = { e->map.arena + 2, 8 };
	struct iovec good_l = { e->local.addr, 8 };
	struct iovec good_r = { e->map.arena, 8 };
	struct iovec none = { e->map.none, 8 };
	const unsigned long f = PROCESS_VM_REDUCE(SUM, U64);
	const char *why = reduce_unsupported();

	if (why)
		SKIP(return, "%s", why);
	call_both(_metadata, "no such pid, local", NO_PID, &odd_l, 1,
		  &good_r, 1, f, -EINVAL);
	call_both(_metadata, "no such pid, remote", NO_PID, &good_l, 1,
		  &odd_r, 1, f, -EINVAL);
	call_both(_metadata, "local, remote PROT_NONE", e->target.pid,
		  &odd_l, 1, &none, 1, f, -EINVAL);
	call_both(_metadata, "local, NULL remote iovecs", e->target.pid,
		  &odd_l, 1, NULL, 1, f, -EINVAL);
	call_both(_metadata, "remote, NOWAIT", NO_PID, &good_l, 1, &odd_r, 1,
		  f | (unsupported(PROCESS_VM_NOWAIT) ? 0 : PROCESS_VM_NOWAIT),
		  -EINVAL);
	if (!unsupported(PROCESS_VM_PIDFD)) {
		call_both(_metadata, "bad pidfd, local", -1, &odd_l, 1,
			  &good_r, 1, f | PROCESS_VM_PIDFD, -EINVAL);
		call_both(_metadata, "bad pidfd, remote", -1, &good_l, 1,
			  &odd_r, 1, f | PROCESS_VM_PIDFD, -EINVAL);
	}
	/* Controls. */
	call_both(_metadata, "aligned, no such pid", NO_PID, &good_l, 1,
		  &good_r, 1, f, -ESRCH);
	call_both(_metadata, "aligned, PROT_NONE remote", e->target.pid,
		  &good_l, 1, &none, 1, f, -EFAULT);
	verify_spaces(_metadata, &e->local, &e->target);
}

/* Empty elements are ignored on both sides, however odd their address. */
static void zero_length_case(struct __test_metadata *_metadata,
			     struct pvm_env *e, unsigned int type, size_t w)
{
	const struct sides sd = env_sides(e);
	char *l = e->local.addr, *r = e->map.arena;
	const struct iovec lv[] = {
		{ l + 1, 0 }, { l + 2 * w, 8 * w }, { NULL, 0 },
		{ l + 3, 0 }, { l + 40 * w, 4 * w },
		{ l + e->local.noaccess + 1, 0 },
	};
	const struct iovec rv[] = {
		{ e->map.hole + 1, 0 }, { KERNEL_ADDR + 1, 0 },
		{ r + 16 * w, 5 * w }, { e->map.none + 3, 0 },
		{ r + 80 * w, 7 * w }, { NULL, 0 },
	};

	reduce_xfer_both(_metadata, &sd, e->target.pid, layout_flags(type),
			 lv, ARRAY_SIZE(lv), rv, ARRAY_SIZE(rv), 12 * w);
}

TEST_F_TIMEOUT(reduce_layout, zero_length_entries_ignored, PVM_TIMEOUT)
{
	const char *why = reduce_unsupported();

	if (why)
		SKIP(return, "%s", why);
	layout_each_type(_metadata, &self->env, 1, zero_length_case);
}

static void shorter_side_case(struct __test_metadata *_metadata,
			      struct pvm_env *e, unsigned int type, size_t w)
{
	const struct sides sd = env_sides(e);
	const unsigned long f = layout_flags(type);
	char *l = e->local.addr, *r = e->map.arena;
	const struct iovec lv[] = {
		{ l + 5 * w, 3 * w }, { l + 100 * w, 7 * w },
	};
	const struct iovec rv[] = {
		{ r + 9 * w, 9 * w }, { r + 300 * w, 7 * w },
	};
	pid_t pid = e->target.pid;

	reduce_xfer_both(_metadata, &sd, pid, f, lv, 2, rv, 2, 10 * w);
	reduce_xfer_both(_metadata, &sd, pid, f, lv, 2, rv, 1, 9 * w);
	reduce_xfer_both(_metadata, &sd, pid, f, lv, 1, rv, 2, 3 * w);
}

TEST_F_TIMEOUT(reduce_layout, stops_at_shorter_side, PVM_TIMEOUT)
{
	const char *why = reduce_unsupported();

	if (why)
		SKIP(return, "%s", why);
	layout_each_type(_metadata, &self->env, 1, shorter_side_case);
}

/* One partial call: exactly @expect bytes, then check_prefix(). */
static void partial(struct __test_metadata *_metadata, struct pvm_env *e,
		    unsigned int type, bool write, const struct iovec *lv,
		    size_t ln, const struct iovec *rv, size_t rn, size_t expect)
{
	const unsigned long flags = layout_flags(type);
	const struct sides sd = env_sides(e);
	ssize_t ret = pvm_rw(write, e->target.pid, lv, ln, rv, rn, flags);

	check_result(_metadata, reduce_name(flags), write, ret, errno,
		     expect);
	ASSERT_EQ(0, model_reduce(&sd, flags, write, lv, ln, rv, rn, ret));
	check_prefix(_metadata, e, write, type, lv, ln, rv, rn, ret);
}

static void remote_fault_case(struct __test_metadata *_metadata,
			      struct pvm_env *e, unsigned int type, size_t w)
{
	const struct sides sd = env_sides(e);
	const unsigned long f = layout_flags(type);
	char *r = e->map.arena;
	const struct iovec lv = { e->local.addr + 3 * w, 80 * w };
	const struct iovec rv_none[] = {
		{ r + 8 * w, 4 * w }, { e->map.none - 24 * w, 48 * w },
		{ r + 200 * w, 8 * w },
	};
	const struct iovec rv_ro[] = {
		{ r + 8 * w, 4 * w }, { e->map.ro - 24 * w, 48 * w },
	};
	const struct iovec rv_hole[] = {
		{ r + 8 * w, 10 * w }, { e->map.hole, 8 * w },
		{ r + 300 * w, 8 * w },
	};
	const struct iovec none = { e->map.none, 8 * w };
	const struct iovec ro = { e->map.ro, 8 * w };

	/* Into the PROT_NONE page; writev already stops at read-only. */
	partial(_metadata, e, type, false, &lv, 1, rv_none, 3, 28 * w);
	partial(_metadata, e, type, true, &lv, 1, rv_none, 3, 4 * w);
	/* Into the read-only pages, which only readv may pass. */
	partial(_metadata, e, type, true, &lv, 1, rv_ro, 2, 28 * w);
	partial(_metadata, e, type, false, &lv, 1, rv_ro, 2, 52 * w);
	/* An unmapped later element. */
	partial(_metadata, e, type, false, &lv, 1, rv_hole, 3, 10 * w);
	partial(_metadata, e, type, true, &lv, 1, rv_hole, 3, 10 * w);
	/* Nothing to combine at all: EFAULT, nothing changes. */
	reduce_xfer_both(_metadata, &sd, e->target.pid, f, &lv, 1, &none, 1,
			 -EFAULT);
	reduce_xfer(_metadata, &sd, e->target.pid, f, true, &lv, 1, &ro, 1,
		    -EFAULT);
}

/*
 * A remote page that cannot be had ends the transfer after the elements
 * before it: PROT_NONE or unmapped for both calls, read-only for writev.
 * Elements never straddle pages, so that is a whole number of them.
 */
TEST_F_TIMEOUT(reduce_layout, partial_remote_fault, PVM_TIMEOUT)
{
	const char *why = reduce_unsupported();

	if (why)
		SKIP(return, "%s", why);
	layout_each_type(_metadata, &self->env, 1, remote_fault_case);
}

static void local_fault_case(struct __test_metadata *_metadata,
			     struct pvm_env *e, unsigned int type, size_t w)
{
	const struct sides sd = env_sides(e);
	char *l = e->local.addr;
	const struct iovec lv[] = {
		{ l + 16 * w, 6 * w },
		{ l + e->local.noaccess - 20 * w, 40 * w },
	};
	const struct iovec rv = { e->map.arena + 4 * w, 80 * w };
	const struct iovec none = { l + e->local.noaccess, 8 * w };

	partial(_metadata, e, type, false, lv, 2, &rv, 1, 26 * w);
	partial(_metadata, e, type, true, lv, 2, &rv, 1, 26 * w);
	reduce_xfer_both(_metadata, &sd, e->target.pid, layout_flags(type),
			 &none, 1, &rv, 1, -EFAULT);
}

/* Likewise for a local PROT_NONE page, which readv and writev both need. */
TEST_F_TIMEOUT(reduce_layout, partial_local_fault, PVM_TIMEOUT)
{
	const char *why = reduce_unsupported();

	if (why)
		SKIP(return, "%s", why);
	layout_each_type(_metadata, &self->env, 1, local_fault_case);
}

/*
 * Float results do not depend on the caller's floating-point environment,
 * and the call leaves that environment as it was.
 */
TEST_F_TIMEOUT(reduce_layout, float_ignores_caller_fenv, PVM_TIMEOUT)
{
	const unsigned int ops[] = {
		PROCESS_VM_OP_SUM, PROCESS_VM_OP_PROD,
		PROCESS_VM_OP_MIN, PROCESS_VM_OP_MAX,
	};
	const char *why = unsupported(PROCESS_VM_REDUCE(SUM, F64));
	unsigned int i, type;
	int w;

#if !defined(__x86_64__)
	SKIP(return, "sets MXCSR: x86_64 only");
#endif
	if (why)
		SKIP(return, "%s", why);
	for (type = PROCESS_VM_TYPE_F32; type <= PROCESS_VM_TYPE_F64; type++)
		for (i = 0; i < ARRAY_SIZE(ops); i++)
			for (w = 0; w < 2; w++)
				reduce_matrix(_metadata, &self->env, ops[i],
					      type, w, true);
}

/* Elements of a single iovec across several 4 MiB pinning batches. */
TEST_F_TIMEOUT(pvm, reduce_spans_pin_batches, PVM_TIMEOUT)
{
	const size_t len = 5 * SZ_1M + 3 * self->page + 64;
	const struct iovec lv = { self->local.addr + 8, len };
	const struct iovec rv = { self->map.arena + self->page - 24, len };
	const struct sides sd = pvm_sides(self);
	const char *why = unsupported(PROCESS_VM_REDUCE(SUM, F64));

	if (why)
		SKIP(return, "%s", why);
	reduce_xfer(_metadata, &sd, self->target.pid,
		    PROCESS_VM_REDUCE(SUM, F64), false, &lv, 1, &rv, 1, len);
	reduce_xfer(_metadata, &sd, self->target.pid,
		    PROCESS_VM_REDUCE(MAX, S32), true, &lv, 1, &rv, 1, len);
}

/*
 * IOV_MAX remote elements of assorted lengths, some empty, some across a
 * page, against one local element and against IOV_MAX local elements cut
 * elsewhere: the stream is reduced element by element across both cuts.
 */
TEST_F_TIMEOUT(pvm, reduce_iov_max_remote_elements, PVM_TIMEOUT)
{
	static struct iovec rv[PVM_IOV_MAX], lv[PVM_IOV_MAX];
	const unsigned long flags[] = {
		PROCESS_VM_REDUCE(SUM, U64),
		PROCESS_VM_REDUCE(MIN, F32),
		PROCESS_VM_REDUCE(BXOR, U8),
		PROCESS_VM_NOWAIT | PROCESS_VM_REDUCE(PROD, S16),
	};
	char *r = self->map.arena + self->page - 200;
	char *l = self->local.addr + 3 * self->page - 104;
	const struct sides sd = pvm_sides(self);
	const char *why = unsupported(PROCESS_VM_NOWAIT |
				      PROCESS_VM_REDUCE(MIN, F32));
	size_t rtotal = 0, ltotal = 0, i, k;
	struct iovec one;

	if (why)
		SKIP(return, "%s", why);
	for (k = 0; k < PVM_IOV_MAX; k++) {
		size_t rlen = k % 97 == 5 ? 0 : 8 * (1 + k * 37 % 61);
		size_t llen = 8 * (1 + k * 13 % 29);

		rv[k] = (struct iovec){ r, rlen };
		r += rlen + 8 * (k % 3);
		rtotal += rlen;
		lv[k] = (struct iovec){ l, llen };
		l += llen + 8 * (k % 2);
		ltotal += llen;
	}
	ASSERT_LE(r, self->map.arena + self->map.arena_size);
	ASSERT_LE(l, self->local.addr + self->local.noaccess);
	one = (struct iovec){ self->local.addr + 8, rtotal };
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		reduce_xfer_both(_metadata, &sd, self->target.pid, flags[i],
				 &one, 1, rv, PVM_IOV_MAX, rtotal);
		reduce_xfer_both(_metadata, &sd, self->target.pid, flags[i],
				 lv, PVM_IOV_MAX, rv, PVM_IOV_MAX,
				 ltotal < rtotal ? ltotal : rtotal);
	}
}

/*
 * readv with a reduction reads the local elements and writes the results
 * back, so like a plain readv it needs them writable: a read-only page
 * ends the transfer (EFAULT if nothing came before it) and keeps what it
 * held. writev only reads them, and read-only local memory is enough.
 */
TEST_F_TIMEOUT(pvm, reduce_readonly_local_memory, PVM_TIMEOUT)
{
	const size_t p = self->page;
	const unsigned long flags[] = {
		PROCESS_VM_REDUCE(SUM, U32),
		PROCESS_VM_REDUCE(MAX, F64),
		PROCESS_VM_REDUCE(BOR, U8),
		PROCESS_VM_NOWAIT | PROCESS_VM_REDUCE(SUM, S64),
	};
	char *ro = self->local.addr + 4 * p;
	const struct iovec lv_ro = { ro + 64, 2 * p };
	const struct iovec lv_split = { ro - p + 32, 2 * p };
	const struct iovec rv = { self->map.arena + 3 * p + 16, 2 * p };
	const struct sides sd = pvm_sides(self);
	const char *why = unsupported(PROCESS_VM_NOWAIT |
				      PROCESS_VM_REDUCE(MAX, F64));
	pid_t pid = self->target.pid;
	unsigned int i;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, mprotect(ro, 3 * p, PROT_READ));
	xfer(_metadata, self, &self->target, false, &lv_ro, 1, &rv, 1,
	     -EFAULT);
	xfer(_metadata, self, &self->target, false, &lv_split, 1, &rv, 1,
	     p - 32);
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		reduce_xfer(_metadata, &sd, pid, flags[i], false, &lv_ro, 1,
			    &rv, 1, -EFAULT);
		reduce_xfer(_metadata, &sd, pid, flags[i], false, &lv_split, 1,
			    &rv, 1, p - 32);
		reduce_xfer(_metadata, &sd, pid, flags[i], true, &lv_ro, 1,
			    &rv, 1, 2 * p);
	}
	ASSERT_EQ(0, mprotect(ro, 3 * p, PROT_READ | PROT_WRITE));
}

/* ------------------------------------------------------------------ */
/* PROCESS_VM_NOWAIT against a userfaultfd handler                    */
/* ------------------------------------------------------------------ */

/*
 * The uffd target's region, UFFD_PAGES pages at the same address in the
 * test process (where it is never touched) and the target:
 *   page 0      resident, pattern(UFFD_SEED)
 *   pages 1, 2  registered with userfaultfd for missing pages: touching
 *               one waits for the target's handler, which fills page i
 *               with pattern(UFFD_SEED + i) when told to (UFFDIO_COPY)
 *   page 3      never touched, not registered
 */
#define UFFD_PAGES	4
#define UFFD_SEED	0x75666664ULL
#define UFFD_WAIT_MS	60000

enum uffd_report_kind {
	UFFD_READY = 1,
	UFFD_FAILED,		/* could not set up; err says why */
	UFFD_FAULT,		/* a fault at addr, with flags */
	UFFD_RESOLVED,		/* UFFDIO_COPY at addr; err if it failed */
};

struct uffd_report {
	int32_t kind;
	int32_t err;
	uint64_t addr;
	uint64_t flags;
};

FIXTURE(uffd) {
	size_t page;
	char *region;
	char *local;		/* UFFD_PAGES pages, pattern(LOCAL_SEED) */
	pid_t pid;
	int cmd, reply;
	int uffd_err;		/* why the target has no userfaultfd */
};

static int uffd_report(int fd, int kind, int err, uint64_t addr,
		       uint64_t flags)
{
	struct uffd_report r = { kind, err, addr, flags };

	return write(fd, &r, sizeof(r)) == sizeof(r) ? 0 : -1;
}

/* The target's handler: reports faults, resolves those it is told to. */
static int uffd_serve(int uffd, char *region, size_t page, int cmd,
		      int reply)
{
	char *src = malloc(page);

	if (!src)
		return 1;
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = cmd, .events = POLLIN },
			{ .fd = uffd, .events = POLLIN },
		};
		struct uffdio_copy copy = { .len = page };
		struct uffd_msg msg;
		uint64_t addr;
		ssize_t n;
		int err;

		if (poll(p, 2, -1) < 0)
			return 1;
		if (p[1].revents & POLLIN) {
			n = read(uffd, &msg, sizeof(msg));
			if (n == sizeof(msg) &&
			    msg.event == UFFD_EVENT_PAGEFAULT &&
			    uffd_report(reply, UFFD_FAULT, 0,
					msg.arg.pagefault.address,
					msg.arg.pagefault.flags))
				return 1;
		}
		if (!(p[0].revents & (POLLIN | POLLHUP)))
			continue;
		n = read(cmd, &addr, sizeof(addr));
		if (n == 0)
			return 0;
		if (n != sizeof(addr))
			return 1;
		copy.dst = addr & ~(uint64_t)(page - 1);
		copy.src = (uintptr_t)src;
		pattern_fill(src, page, UFFD_SEED +
			     (copy.dst - (uintptr_t)region) / page);
		err = ioctl(uffd, UFFDIO_COPY, &copy) ? errno : 0;
		if (uffd_report(reply, UFFD_RESOLVED, err, copy.dst, 0))
			return 1;
	}
}

static int uffd_target(char *region, size_t page, int cmd, int reply)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { (uintptr_t)region + page, 2 * page },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int uffd;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
		return 1;
	pattern_fill(region, page, UFFD_SEED);
	/* Not UFFD_USER_MODE_ONLY: the faults come from the kernel. */
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) ||
	    ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		uffd_report(reply, UFFD_FAILED, errno, 0, 0);
		return 1;
	}
	if (uffd_report(reply, UFFD_READY, 0, 0, 0))
		return 1;
	return uffd_serve(uffd, region, page, cmd, reply);
}

/* The target's next report, within @ms: 0, or -1. */
static int uffd_wait(struct _test_data_uffd *self, struct uffd_report *r,
		     int ms)
{
	struct pollfd p = { .fd = self->reply, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return read(self->reply, r, sizeof(*r)) == sizeof(*r) ? 0 : -1;
}

FIXTURE_SETUP(uffd)
{
	size_t len = UFFD_PAGES * sysconf(_SC_PAGESIZE);
	struct uffd_report r;
	int cmd[2], reply[2];

	self->page = sysconf(_SC_PAGESIZE);
	self->cmd = -1;
	self->reply = -1;
	self->region = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->region);
	/* A huge page would make the missing pages resident. */
	madvise(self->region, len, MADV_NOHUGEPAGE);
	self->local = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->local);
	pattern_fill(self->local, len, LOCAL_SEED);

	ASSERT_EQ(0, pipe2(cmd, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(reply, O_CLOEXEC));
	self->pid = fork();
	ASSERT_GE(self->pid, 0);
	if (self->pid == 0) {
		close(cmd[1]);
		close(reply[0]);
		_exit(uffd_target(self->region, self->page, cmd[0],
				  reply[1]));
	}
	close(cmd[0]);
	close(reply[1]);
	self->cmd = cmd[1];
	self->reply = reply[0];
	ASSERT_EQ(0, uffd_wait(self, &r, UFFD_WAIT_MS))
		TH_LOG("the userfaultfd target did not start");
	self->uffd_err = r.kind == UFFD_READY ? 0 : r.err;
}

FIXTURE_TEARDOWN(uffd)
{
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	if (self->cmd >= 0)
		close(self->cmd);
	if (self->reply >= 0)
		close(self->reply);
	munmap(self->local, UFFD_PAGES * self->page);
	munmap(self->region, UFFD_PAGES * self->page);
}

/* Why a uffd test of @flags cannot run, or NULL. */
static const char *uffd_unsupported(struct _test_data_uffd *self,
				    unsigned long flags)
{
	static char why[128];

	if (unsupported(flags))
		return unsupported(flags);
	if (!self->uffd_err)
		return NULL;
	snprintf(why, sizeof(why), "userfaultfd: %s",
		 strerror(self->uffd_err));
	return why;
}

/* What page @i of the region holds once it is there. */
static void uffd_page_pattern(char *buf, size_t page, unsigned int i)
{
	pattern_fill(buf, page, UFFD_SEED + i);
}

/* Read back @len bytes at @addr in the target, with a plain copy. */
static void uffd_read_back(struct __test_metadata *_metadata,
			   struct _test_data_uffd *self, char *buf,
			   const void *addr, size_t len)
{
	struct iovec lv = { buf, len }, rv = { (void *)addr, len };

	ASSERT_EQ((ssize_t)len, pvm_rw(false, self->pid, &lv, 1, &rv, 1, 0));
}

TEST_F_TIMEOUT(uffd, nowait_missing_page_efault, PVM_TIMEOUT)
{
	size_t p = self->page;
	char *before = malloc(UFFD_PAGES * p);
	const struct iovec lv = { self->local, 2 * p };
	const struct iovec rv[] = {
		{ self->region + p, 64 },
		{ self->region + 2 * p + 100, 200 },
		{ self->region + p, 2 * p },
		{ self->region + p + p / 2, p },
	};
	const char *why = uffd_unsupported(self, PROCESS_VM_NOWAIT);
	struct uffd_report r;
	unsigned int i;
	int w;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_NE(NULL, before);
	memcpy(before, self->local, UFFD_PAGES * p);
	for (i = 0; i < ARRAY_SIZE(rv); i++) {
		for (w = 0; w < 2; w++) {
			ssize_t ret = pvm_rw(w, self->pid, &lv, 1, &rv[i], 1,
					     PROCESS_VM_NOWAIT);

			check_result(_metadata, "missing page", w, ret,
				     errno, -EFAULT);
		}
	}
	ASSERT_EQ(0, memcmp(before, self->local, UFFD_PAGES * p))
		TH_LOG("EFAULT, yet the local buffer changed");
	ASSERT_NE(0, uffd_wait(self, &r, 500))
		TH_LOG("the handler heard of a fault at %#llx",
		       (unsigned long long)r.addr);
	free(before);
}

TEST_F_TIMEOUT(uffd, nowait_stops_at_missing_page, PVM_TIMEOUT)
{
	size_t p = self->page;
	char *l = self->local, *r = self->region;
	char *before = malloc(UFFD_PAGES * p), *want = malloc(p);
	const struct iovec lv = { l, 2 * p };
	const struct iovec rv = { r, 2 * p };
	const struct iovec rv_split[] = {
		{ r + 100, p - 100 }, { r + p, 64 }, { r + 3 * p, 64 },
	};
	const struct iovec lv_split[] = {
		{ l + 2 * p + 5, 50 }, { l + 3 * p, p },
	};
	const struct iovec rv_across = { r + p - 300, 600 };
	const char *why = uffd_unsupported(self, PROCESS_VM_NOWAIT);
	ssize_t ret;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_TRUE(before && want);
	memcpy(before, l, UFFD_PAGES * p);
	uffd_page_pattern(want, p, 0);

	/* readv: page 0 comes, page 1 does not, nothing after it either. */
	ASSERT_EQ((ssize_t)p, pvm_rw(false, self->pid, &lv, 1, &rv, 1,
				     PROCESS_VM_NOWAIT))
		TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, memcmp(l, want, p));
	ASSERT_EQ(0, memcmp(l + p, before + p, 3 * p));
	memcpy(before, l, p);
	ASSERT_EQ((ssize_t)(p - 100),
		  pvm_rw(false, self->pid, &lv, 1, rv_split, 3,
			 PROCESS_VM_NOWAIT))
		TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, memcmp(l, want + 100, p - 100));
	ASSERT_EQ(0, memcmp(l + p - 100, before + p - 100, 3 * p + 100));
	ASSERT_EQ(300, pvm_rw(false, self->pid, lv_split, 2, &rv_across, 1,
			      PROCESS_VM_NOWAIT))
		TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, memcmp(l + 2 * p + 5, want + p - 300, 50));
	ASSERT_EQ(0, memcmp(l + 3 * p, want + p - 250, 250));
	ASSERT_EQ(0, memcmp(l + 3 * p + 250, before + 3 * p + 250, p - 250));

	/* writev: page 0 is written, page 1 is not made. */
	ASSERT_EQ((ssize_t)p, pvm_rw(true, self->pid, &lv, 1, &rv, 1,
				     PROCESS_VM_NOWAIT))
		TH_LOG("%s", strerror(errno));
	uffd_read_back(_metadata, self, want, r, p);
	ASSERT_EQ(0, memcmp(want, l, p));
	ret = pvm_rw(false, self->pid, &lv, 1, &rv_split[1], 1,
		     PROCESS_VM_NOWAIT);
	check_result(_metadata, "page 1 still missing", false, ret, errno,
		     -EFAULT);
	free(before);
	free(want);
}

/*
 * Anonymous memory never touched needs no I/O and no handler, but it is
 * not mapped: NOWAIT moves nothing and does not fault it in. Read once
 * without the flag, the zero page is mapped and NOWAIT reads it; writing
 * it needs a page of its own first, so NOWAIT writev still fails until a
 * writev without the flag has made one.
 */
TEST_F_TIMEOUT(uffd, nowait_untouched_anonymous_page_not_faulted_in,
	       PVM_TIMEOUT)
{
	size_t p = self->page;
	char *zero = calloc(1, p), *back = malloc(p);
	char *page3 = self->region + 3 * p;
	const struct iovec lv = { self->local, p };
	const struct iovec lv2 = { self->local + p, p };
	const struct iovec rv = { page3, p };
	const char *why = uffd_unsupported(self, PROCESS_VM_NOWAIT);
	ssize_t ret;
	int w;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_TRUE(zero && back);
	ASSERT_EQ(0, page_present(self->pid, page3));
	for (w = 0; w < 2; w++) {
		ret = pvm_rw(w, self->pid, &lv, 1, &rv, 1, PROCESS_VM_NOWAIT);
		check_result(_metadata, "untouched page", w, ret, errno,
			     -EFAULT);
		ASSERT_EQ(0, page_present(self->pid, page3))
			TH_LOG("%s with NOWAIT faulted the page in",
			       dir_name[w]);
	}
	memcpy(back, self->local, p);
	uffd_read_back(_metadata, self, self->local, page3, p);
	ASSERT_EQ(0, memcmp(self->local, zero, p));
	memcpy(self->local, back, p);
	ASSERT_EQ((ssize_t)p, pvm_rw(false, self->pid, &lv, 1, &rv, 1,
				     PROCESS_VM_NOWAIT))
		TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, memcmp(self->local, zero, p));
	ret = pvm_rw(true, self->pid, &lv2, 1, &rv, 1, PROCESS_VM_NOWAIT);
	check_result(_metadata, "zero page", true, ret, errno, -EFAULT);
	ASSERT_EQ((ssize_t)p, pvm_rw(true, self->pid, &lv2, 1, &rv, 1, 0))
		TH_LOG("%s", strerror(errno));
	ASSERT_EQ((ssize_t)p, pvm_rw(true, self->pid, &lv, 1, &rv, 1,
				     PROCESS_VM_NOWAIT))
		TH_LOG("%s", strerror(errno));
	uffd_read_back(_metadata, self, back, page3, p);
	ASSERT_EQ(0, memcmp(back, self->local, p));
	free(zero);
	free(back);
}

TEST_F_TIMEOUT(uffd, nowait_with_pidfd_and_reduce, PVM_TIMEOUT)
{
	const unsigned long nw = PROCESS_VM_NOWAIT;
	size_t p = self->page, i;
	char *l = self->local, *r = self->region;
	char *before = malloc(UFFD_PAGES * p), *want = malloc(p);
	const struct iovec lv = { l, 2 * p };
	const struct iovec rv = { r, 2 * p };
	const struct iovec rv1 = { r + p, p };
	/* Calls of page 1, with TOP_FLAG for writev. */
	const unsigned long missing[] = {
		nw | PROCESS_VM_PIDFD,
		nw | PROCESS_VM_PIDFD | TOP_FLAG,
		nw | PROCESS_VM_REDUCE(BXOR, U32) | TOP_FLAG,
		nw | PROCESS_VM_PIDFD | PROCESS_VM_REDUCE(MAX, S16),
		nw | PROCESS_VM_PIDFD | PROCESS_VM_REDUCE(MIN, F32) | TOP_FLAG,
	};
	const char *why = uffd_unsupported(self, missing[4] & ~TOP_FLAG);
	int pidfd;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_TRUE(before && want);
	memcpy(before, l, UFFD_PAGES * p);
	pidfd = sys_pidfd_open(self->pid, 0);
	ASSERT_GE(pidfd, 0) TH_LOG("pidfd_open: %s", strerror(errno));

	for (i = 0; i < ARRAY_SIZE(missing); i++) {
		bool w = missing[i] & TOP_FLAG;
		unsigned long f = missing[i] & ~TOP_FLAG;
		int pid = f & PROCESS_VM_PIDFD ? pidfd : self->pid;
		ssize_t ret = pvm_rw(w, pid, &lv, 1, &rv1, 1, f);

		check_result(_metadata, reduce_name(f), w, ret, errno,
			     -EFAULT);
	}
	ASSERT_EQ(0, memcmp(before, l, UFFD_PAGES * p));

	/* Up to the missing page: local = local + page 0, as u64. */
	ASSERT_EQ((ssize_t)p, pvm_rw(false, pidfd, &lv, 1, &rv, 1,
				     nw | PROCESS_VM_PIDFD |
				     PROCESS_VM_REDUCE(SUM, U64)))
		TH_LOG("%s", strerror(errno));
	memcpy(want, before, p);
	uffd_page_pattern(before, p, 0);
	reduce_ref(PROCESS_VM_OP_SUM, PROCESS_VM_TYPE_U64, want, before,
		   p / 8);
	ASSERT_EQ(-1, first_element_mismatch(want, l, p / 8,
					     PROCESS_VM_TYPE_U64));
	close(pidfd);
	free(before);
	free(want);
}

/* A call that the test expects to wait for the target's handler. */
struct blocked_call {
	pid_t pid;
	bool write;
	struct iovec lv, rv;
	unsigned long flags;
	ssize_t ret;
	int err;
	int done;		/* written to once the call has returned */
};

static void *blocked_call_fn(void *arg)
{
	struct blocked_call *c = arg;

	c->ret = pvm_rw(c->write, c->pid, &c->lv, 1, &c->rv, 1, c->flags);
	c->err = errno;
	if (write(c->done, "", 1) != 1)
		c->err = EPIPE;
	return NULL;
}

/*
 * Without NOWAIT the call faults on page @i, the handler hears of it, and
 * the call waits until the handler has put the page there.
 */
static void uffd_blocking(struct __test_metadata *_metadata,
			  struct _test_data_uffd *self, bool wr,
			  unsigned long flags, unsigned int i,
			  const struct iovec *lv, const struct iovec *rv)
{
	/* Static: a call that never returns still has it to write to. */
	static struct blocked_call c;
	uintptr_t page = (uintptr_t)self->region + i * self->page;
	struct pollfd done;
	struct uffd_report r;
	pthread_t th;
	int fds[2];

	ASSERT_EQ(0, pipe(fds));
	c = (struct blocked_call){
		self->pid, wr, *lv, *rv, flags, 0, 0, fds[1],
	};
	done = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	ASSERT_EQ(0, pthread_create(&th, NULL, blocked_call_fn, &c));

	ASSERT_EQ(0, uffd_wait(self, &r, UFFD_WAIT_MS))
		TH_LOG("the handler heard of no fault");
	ASSERT_EQ(UFFD_FAULT, r.kind);
	ASSERT_EQ(page, r.addr & ~(uint64_t)(self->page - 1));
	if (wr)
		ASSERT_TRUE(!!(r.flags & UFFD_PAGEFAULT_FLAG_WRITE));
	ASSERT_EQ(0, poll(&done, 1, 100))
		TH_LOG("the call returned (%zd: %s) without the page",
		       c.ret, strerror(c.err));

	ASSERT_EQ((ssize_t)sizeof(r.addr),
		  write(self->cmd, &r.addr, sizeof(r.addr)));
	ASSERT_EQ(0, uffd_wait(self, &r, UFFD_WAIT_MS));
	ASSERT_EQ(UFFD_RESOLVED, r.kind);
	ASSERT_EQ(0, r.err) TH_LOG("UFFDIO_COPY: %s", strerror(r.err));
	ASSERT_EQ(1, poll(&done, 1, UFFD_WAIT_MS))
		TH_LOG("the call did not return once the page was there");
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ((ssize_t)lv->iov_len, c.ret) TH_LOG("%s", strerror(c.err));
	close(fds[0]);
	close(fds[1]);
}

TEST_F_TIMEOUT(uffd, blocking_readv_waits_for_handler, PVM_TIMEOUT)
{
	size_t p = self->page;
	char *want = malloc(2 * p);
	const struct iovec lv = { self->local, p };
	const struct iovec rv = { self->region + p / 2, p };
	const char *why = uffd_unsupported(self, PROCESS_VM_NOWAIT);

	if (why)
		SKIP(return, "%s", why);
	ASSERT_NE(NULL, want);
	uffd_blocking(_metadata, self, false, 0, 1, &lv, &rv);
	uffd_page_pattern(want, p, 0);
	uffd_page_pattern(want + p, p, 1);
	ASSERT_EQ(0, memcmp(self->local, want + p / 2, p));
	free(want);
}

TEST_F_TIMEOUT(uffd, blocking_writev_waits_for_handler, PVM_TIMEOUT)
{
	size_t p = self->page;
	char *back = malloc(2 * p);
	const struct iovec lv = { self->local + 100, p };
	const struct iovec rv = { self->region + 2 * p, p };
	const char *why = uffd_unsupported(self, PROCESS_VM_NOWAIT);

	if (why)
		SKIP(return, "%s", why);
	ASSERT_NE(NULL, back);
	uffd_blocking(_metadata, self, true, 0, 2, &lv, &rv);
	uffd_read_back(_metadata, self, back, self->region + 2 * p, p);
	ASSERT_EQ(0, memcmp(back, self->local + 100, p));
	free(back);
}

TEST_F_TIMEOUT(uffd, blocking_reduce_waits_for_handler, PVM_TIMEOUT)
{
	const unsigned long f = PROCESS_VM_REDUCE(SUM, U32);
	size_t p = self->page;
	char *want = malloc(p), *page1 = malloc(p);
	const struct iovec lv = { self->local + 8, p };
	const struct iovec rv = { self->region + p, p };
	const char *why = uffd_unsupported(self, PROCESS_VM_NOWAIT | f);

	if (why)
		SKIP(return, "%s", why);
	ASSERT_TRUE(want && page1);
	memcpy(want, self->local + 8, p);
	uffd_page_pattern(page1, p, 1);
	reduce_ref(PROCESS_VM_OP_SUM, PROCESS_VM_TYPE_U32, want, page1, p / 4);
	uffd_blocking(_metadata, self, false, f, 1, &lv, &rv);
	ASSERT_EQ(-1, first_element_mismatch(want, self->local + 8, p / 4,
					     PROCESS_VM_TYPE_U32));
	free(want);
	free(page1);
}

TEST_HARNESS_MAIN
