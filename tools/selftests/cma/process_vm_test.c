// SPDX-License-Identifier: GPL-2.0
/*
 * process_vm_readv(2) and process_vm_writev(2) as Linux 6.1 implements them
 * (mm/process_vm_access.c, lib/iov_iter.c), in the order it checks things:
 *
 *  1. flags != 0 (any bit this kernel does not implement)  EINVAL
 *  2. local iovecs, import_iovec(): count > IOV_MAX   EINVAL
 *     array unreadable                                EFAULT
 *     any iov_len < 0 (as ssize_t)                    EINVAL
 *     any buffer failing access_ok()                  EFAULT
 *     then the total is clamped to MAX_RW_COUNT
 *  3. local total 0                                   returns 0
 *  4. remote iovecs, iovec_from_user(): count, array and lengths as in 2;
 *     remote addresses are not checked here
 *  5. remote total 0                                  returns 0
 *  6. pid lookup in the caller's pid namespace        ESRCH
 *  7. mm_access(): no mm (zombie, kernel thread)      ESRCH
 *     ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS)
 *     unless the mm is the caller's own               EPERM
 *  8. the copy: remote pages pinned without FOLL_FORCE, up to 4 MiB at a
 *     time; a stream copy between the two flattened iovec lists that stops
 *     at the first fault on either side; returns the bytes moved if any,
 *     otherwise EFAULT.
 *
 * Each test pins down one of these, or which of two adjacent checks wins.
 * Data moves between the local space and a target: a forked child with the
 * same address layout, whose memory is only ever read by the target itself,
 * when asked to compare it with what the test expects (process_vm_util.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "process_vm_fixture.h"

/* ------------------------------------------------------------------ */
/* Arguments                                                          */
/* ------------------------------------------------------------------ */

/*
 * A flag bit is implemented iff the probe call (nothing to move, no target)
 * accepts it. 6.1 implements none. Kernels that define flags (the
 * extensions later in this series) must still reject every other bit, and
 * must reject a bit in a real call exactly when the probe does.
 */
static bool flag_implemented(unsigned long flag)
{
	return syscall(SYS_process_vm_readv, 0, NULL, 0, NULL, 0, flag) == 0;
}

TEST_F_TIMEOUT(pvm, flags_every_bit_einval, PVM_TIMEOUT)
{
	unsigned int bit, rejected = 0;
	int w;

	for (bit = 0; bit < sizeof(long) * CHAR_BIT; bit++) {
		if (flag_implemented(1UL << bit))
			continue;
		rejected++;
		for (w = 0; w < 2; w++) {
			ssize_t ret = pvm_rw(w, self->target.pid, &self->lv,
					     1, &self->rv, 1, 1UL << bit);

			EXPECT_EQ(-1, ret)
				TH_LOG("%s accepted flag bit %u",
				       dir_name[w], bit);
			EXPECT_EQ(EINVAL, errno)
				TH_LOG("%s, flag bit %u: %s", dir_name[w],
				       bit, strerror(errno));
		}
	}
	/* Whatever a kernel adds, most of the word stays reserved. */
	EXPECT_GE(rejected, sizeof(long) * CHAR_BIT - 8);
	verify(_metadata, self, &self->target);
	xfer_both(_metadata, self, &self->lv, 1, &self->rv, 1, 64);
}

/* flags != 0 wins over everything else, including the local import. */
TEST_F_TIMEOUT(pvm, order_flags_first, PVM_TIMEOUT)
{
	struct iovec kern = { KERNEL_ADDR, 64 };

	call_both(_metadata, "NULL iovecs, no such pid", NO_PID,
		  NULL, 1, NULL, 1, TOP_FLAG, -EINVAL);
	call_both(_metadata, "unreadable iovecs", NO_PID,
		  self->edge, 1, self->edge, 1, TOP_FLAG, -EINVAL);
	call_both(_metadata, "kernel buffers", NO_PID, &kern, 1, &kern, 1,
		  TOP_FLAG, -EINVAL);
	call_both(_metadata, "unreadable local iovecs", self->target.pid,
		  self->edge, 1, &self->rv, 1, 1UL << 2, -EINVAL);
	call_both(_metadata, "control", self->target.pid,
		  self->edge, 1, &self->rv, 1, 0, -EFAULT);
}

TEST_F_TIMEOUT(pvm, iovcnt_above_iov_max_einval, PVM_TIMEOUT)
{
	static struct iovec lv[PVM_IOV_MAX + 1], rv[PVM_IOV_MAX + 1];
	const unsigned long counts[] = {
		PVM_IOV_MAX + 1, INT_MAX, 1UL << 31, ULONG_MAX,
	};
	pid_t pid = self->target.pid;
	unsigned int i;

	for (i = 0; i <= PVM_IOV_MAX; i++) {
		lv[i] = (struct iovec){ self->local.addr + 2 * i, 1 };
		rv[i] = (struct iovec){ self->map.arena + 3 * i, 1 };
	}
	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		call_both(_metadata, "liovcnt", pid, lv, counts[i], rv,
			  PVM_IOV_MAX, 0, -EINVAL);
		call_both(_metadata, "riovcnt", pid, lv, PVM_IOV_MAX, rv,
			  counts[i], 0, -EINVAL);
	}
	/*
	 * riovcnt is an unsigned long all the way down; liovcnt is truncated
	 * to import_iovec()'s unsigned int, so 1 << 32 is only tried here.
	 */
	if (sizeof(long) == 8)
		call_both(_metadata, "riovcnt 1 << 32", pid, lv, PVM_IOV_MAX,
			  rv, (unsigned long)UINT_MAX + 1, 0, -EINVAL);
	verify(_metadata, self, &self->target);
}

TEST_F_TIMEOUT(pvm, iovcnt_iov_max_both_sides_works, PVM_TIMEOUT)
{
	static struct iovec lv[PVM_IOV_MAX], rv[PVM_IOV_MAX];
	unsigned int i;

	for (i = 0; i < PVM_IOV_MAX; i++) {
		lv[i] = (struct iovec){ self->local.addr + 4000 * i, 3 };
		rv[i] = (struct iovec){ self->map.arena + 4000 * i + 1, 3 };
	}
	/* Elements that do not line up; the remote side ends first. */
	lv[7].iov_len = 4;
	rv[PVM_IOV_MAX - 1].iov_len = 2;
	xfer_both(_metadata, self, lv, PVM_IOV_MAX, rv, PVM_IOV_MAX,
		  3 * PVM_IOV_MAX - 1);
}

TEST_F_TIMEOUT(pvm, negative_iov_len_einval, PVM_TIMEOUT)
{
	const size_t bad[] = { (size_t)-1, (size_t)SSIZE_MAX + 1 };
	struct iovec lv[3], rv[3];
	unsigned int i, pos, j;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		for (pos = 0; pos < 3; pos++) {
			for (j = 0; j < 3; j++) {
				lv[j] = (struct iovec){
					self->local.addr + 100 * j, 16 };
				rv[j] = (struct iovec){
					self->map.arena + 100 * j, 16 };
			}
			lv[pos].iov_len = bad[i];
			call_both(_metadata, "local", self->target.pid,
				  lv, 3, rv, 3, 0, -EINVAL);
			lv[pos].iov_len = 16;
			rv[pos].iov_len = bad[i];
			call_both(_metadata, "remote", self->target.pid,
				  lv, 3, rv, 3, 0, -EINVAL);
		}
	}
	verify(_metadata, self, &self->target);
}

TEST_F_TIMEOUT(pvm, iovec_array_unreadable_efault, PVM_TIMEOUT)
{
	struct iovec *e = self->edge;
	pid_t pid = self->target.pid;

	call_both(_metadata, "local NULL", pid, NULL, 1, &self->rv, 1, 0,
		  -EFAULT);
	call_both(_metadata, "local PROT_NONE", pid, e, 1, &self->rv, 1, 0,
		  -EFAULT);
	call_both(_metadata, "remote NULL", pid, &self->lv, 1, NULL, 1, 0,
		  -EFAULT);
	call_both(_metadata, "remote PROT_NONE", pid, &self->lv, 1, e, 1, 0,
		  -EFAULT);
	/* A good first element does not make it a partial transfer. */
	e[-1] = self->lv;
	call_both(_metadata, "local straddling PROT_NONE", pid, &e[-1], 2,
		  &self->rv, 1, 0, -EFAULT);
	e[-1] = self->rv;
	call_both(_metadata, "remote straddling PROT_NONE", pid, &self->lv, 1,
		  &e[-1], 2, 0, -EFAULT);
	verify(_metadata, self, &self->target);
}

TEST_F_TIMEOUT(pvm, local_kernel_address_efault_before_pid_lookup, PVM_TIMEOUT)
{
	struct iovec lv[2] = { self->lv, { KERNEL_ADDR, 64 } };

	if (!kernel_addr_rejected())
		SKIP(return, NO_KERNEL_ADDR);
	call_both(_metadata, "no such pid", NO_PID, &lv[1], 1, &self->rv, 1,
		  0, -EFAULT);
	call_both(_metadata, "live target", self->target.pid, &lv[1], 1,
		  &self->rv, 1, 0, -EFAULT);
	call_both(_metadata, "second element", self->target.pid, lv, 2,
		  &self->rv, 1, 0, -EFAULT);
	verify(_metadata, self, &self->target);
}

/*
 * access_ok() is given the unclamped length: a range running past the end
 * of user space is refused although MAX_RW_COUNT would have cut it short.
 * (Since v6.4 a lone element goes through import_ubuf(), which clamps
 * first; 6.1 has no such path.)
 */
TEST_F_TIMEOUT(pvm, local_range_past_user_space_efault, PVM_TIMEOUT)
{
	struct iovec lv[2] = {
		self->lv,
		{ self->local.addr + 64, SSIZE_MAX },
	};

	if (!kernel_addr_rejected())
		SKIP(return, NO_KERNEL_ADDR);
	call_both(_metadata, "second of two", NO_PID, lv, 2, &self->rv, 1, 0,
		  -EFAULT);
	call_both(_metadata, "only one", NO_PID, &lv[1], 1, &self->rv, 1, 0,
		  -EFAULT);
}

TEST_F_TIMEOUT(pvm, local_total_zero_returns_0_before_pid_lookup, PVM_TIMEOUT)
{
	struct iovec lv[3] = {
		{ self->local.addr, 0 },
		{ NULL, 0 },
		{ self->local.addr + 100, 0 },
	};

	call_both(_metadata, "liovcnt 0", NO_PID, NULL, 0, &self->rv, 1, 0, 0);
	call_both(_metadata, "zero lengths", NO_PID, lv, 3, &self->rv, 1, 0,
		  0);
	call_both(_metadata, "pid -1", -1, lv, 3, &self->rv, 1, 0, 0);
	call_both(_metadata, "live target", self->target.pid, lv, 3,
		  &self->rv, 1, 0, 0);
	verify(_metadata, self, &self->target);
}

/* Remote zero-length elements are never looked at, wherever they point. */
TEST_F_TIMEOUT(pvm, remote_total_zero_returns_0_before_pid_lookup, PVM_TIMEOUT)
{
	struct iovec rv[2] = {
		{ self->map.hole, 0 },
		{ KERNEL_ADDR, 0 },
	};

	call_both(_metadata, "riovcnt 0", NO_PID, &self->lv, 1, NULL, 0, 0, 0);
	call_both(_metadata, "zero lengths", NO_PID, &self->lv, 1, rv, 2, 0,
		  0);
	call_both(_metadata, "live target", self->target.pid, &self->lv, 1,
		  rv, 2, 0, 0);
	verify(_metadata, self, &self->target);
}

/* ------------------------------------------------------------------ */
/* Order of the checks: which of two adjacent ones wins               */
/* ------------------------------------------------------------------ */

/* Within either import: the count is checked before the array is read. */
TEST_F_TIMEOUT(pvm, order_iovcnt_before_iovec_array, PVM_TIMEOUT)
{
	call_both(_metadata, "local", NO_PID, NULL, PVM_IOV_MAX + 1,
		  &self->rv, 1, 0, -EINVAL);
	call_both(_metadata, "remote", NO_PID, &self->lv, 1, NULL,
		  PVM_IOV_MAX + 1, 0, -EINVAL);
}

/*
 * Within either import, 6.1's copy_iovec_from_user() copies the whole array
 * before it looks at any length, so a fault anywhere in the array wins over
 * a negative length before it. (Since v6.4 each length is checked as it is
 * read, and the negative length wins.)
 */
TEST_F_TIMEOUT(pvm, order_whole_iovec_array_read_before_len_check, PVM_TIMEOUT)
{
	struct iovec *e = self->edge;

	e[-1] = (struct iovec){ self->local.addr, -1 };
	call_both(_metadata, "local", NO_PID, &e[-1], 2, &self->rv, 1, 0,
		  -EFAULT);
	call_both(_metadata, "remote", NO_PID, &self->lv, 1, &e[-1], 2, 0,
		  -EFAULT);
	call_both(_metadata, "control", NO_PID, &e[-1], 1, &self->rv, 1, 0,
		  -EINVAL);
}

/* Within the local import: every length is checked before any access_ok(). */
TEST_F_TIMEOUT(pvm, order_local_len_check_before_access_ok, PVM_TIMEOUT)
{
	struct iovec lv[2] = {
		{ KERNEL_ADDR, 64 },
		{ self->local.addr, -1 },
	};

	if (!kernel_addr_rejected())
		SKIP(return, NO_KERNEL_ADDR);
	call_both(_metadata, "kernel address, then negative length", NO_PID,
		  lv, 2, &self->rv, 1, 0, -EINVAL);
	call_both(_metadata, "control", NO_PID, lv, 1, &self->rv, 1, 0,
		  -EFAULT);
}

TEST_F_TIMEOUT(pvm, order_local_import_before_zero_total, PVM_TIMEOUT)
{
	static struct iovec zeros[PVM_IOV_MAX + 1];
	struct iovec kern = { KERNEL_ADDR, 0 };

	call_both(_metadata, "IOV_MAX + 1 empty elements", NO_PID,
		  zeros, PVM_IOV_MAX + 1, &self->rv, 1, 0, -EINVAL);
	call_both(_metadata, "control: IOV_MAX", NO_PID, zeros, PVM_IOV_MAX,
		  &self->rv, 1, 0, 0);
	if (!kernel_addr_rejected())
		SKIP(return, NO_KERNEL_ADDR);
	/* access_ok() applies to empty elements too. */
	call_both(_metadata, "empty kernel address", NO_PID, &kern, 1,
		  &self->rv, 1, 0, -EFAULT);
}

TEST_F_TIMEOUT(pvm, order_zero_total_before_remote_import, PVM_TIMEOUT)
{
	struct iovec lv = { self->local.addr, 0 };
	struct iovec rv = { self->map.arena, -1 };

	call_both(_metadata, "NULL remote array", NO_PID, &lv, 1, NULL, 1, 0,
		  0);
	call_both(_metadata, "unreadable remote array", NO_PID, &lv, 1,
		  self->edge, 1, 0, 0);
	call_both(_metadata, "riovcnt ULONG_MAX", NO_PID, &lv, 1, NULL,
		  ULONG_MAX, 0, 0);
	call_both(_metadata, "negative remote length", NO_PID, &lv, 1, &rv, 1,
		  0, 0);
	lv.iov_len = 1;
	call_both(_metadata, "control", NO_PID, &lv, 1, &rv, 1, 0, -EINVAL);
}

/* Not adjacent (the zero-total shortcut sits between), but direct proof. */
TEST_F_TIMEOUT(pvm, order_local_import_before_remote_import, PVM_TIMEOUT)
{
	struct iovec lbad = { self->local.addr, -1 };
	struct iovec rbad = { self->map.arena, -1 };

	call_both(_metadata, "local EFAULT, remote EINVAL", NO_PID,
		  NULL, 1, &rbad, 1, 0, -EFAULT);
	call_both(_metadata, "local EINVAL, remote EFAULT", NO_PID,
		  &lbad, 1, NULL, 1, 0, -EINVAL);
}

TEST_F_TIMEOUT(pvm, order_remote_import_before_pid_lookup, PVM_TIMEOUT)
{
	struct iovec rv = { self->map.arena, -1 };
	struct iovec kern = { KERNEL_ADDR, 64 };

	call_both(_metadata, "NULL remote array", NO_PID, &self->lv, 1,
		  NULL, 1, 0, -EFAULT);
	call_both(_metadata, "riovcnt IOV_MAX + 1", NO_PID, &self->lv, 1, &rv,
		  PVM_IOV_MAX + 1, 0, -EINVAL);
	call_both(_metadata, "negative remote length", NO_PID, &self->lv, 1,
		  &rv, 1, 0, -EINVAL);
	/* Remote addresses are left to the page walk. */
	call_both(_metadata, "remote kernel address", NO_PID, &self->lv, 1,
		  &kern, 1, 0, -ESRCH);
	call_both(_metadata, "remote kernel address, live target",
		  self->target.pid, &self->lv, 1, &kern, 1, 0, -EFAULT);
	verify(_metadata, self, &self->target);
}

/* mm_access() finds no mm before it would check permission. */
TEST_F_TIMEOUT(pvm, order_missing_mm_before_permission, PVM_TIMEOUT)
{
	struct target_opts opts = target_opts_default;

	/* A zombie that would be off limits if it still had an mm. */
	self->child = make_zombie(0);
	ASSERT_GT(self->child, 0);
	if (!become_unprivileged())
		SKIP(return, NO_UNPRIVILEGED);
	opts.dumpable = 0;
	ASSERT_EQ(0, target_spawn(&self->extra, &self->map, &opts));

	call_both(_metadata, "control: live, not dumpable", self->extra.pid,
		  &self->lv, 1, &self->rv, 1, 0, -EPERM);
	call_both(_metadata, "zombie", self->child, &self->lv, 1, &self->rv, 1,
		  0, -ESRCH);
	if (is_kthreadd(2))
		call_both(_metadata, "kthreadd", 2, &self->lv, 1, &self->rv, 1,
			  0, -ESRCH);
}

TEST_F_TIMEOUT(pvm, order_permission_before_transfer, PVM_TIMEOUT)
{
	struct iovec lnone = { self->local.addr + self->local.noaccess, 64 };
	struct iovec rhole = { self->map.hole, 64 };
	struct target_opts opts = target_opts_default;

	if (!become_unprivileged())
		SKIP(return, NO_UNPRIVILEGED);
	opts.dumpable = 0;
	ASSERT_EQ(0, target_spawn(&self->extra, &self->map, &opts));

	call_both(_metadata, "unmapped remote", self->extra.pid,
		  &self->lv, 1, &rhole, 1, 0, -EPERM);
	call_both(_metadata, "PROT_NONE local", self->extra.pid,
		  &lnone, 1, &self->rv, 1, 0, -EPERM);
	verify(_metadata, self, &self->extra);
}

/* ------------------------------------------------------------------ */
/* The target: ESRCH, EPERM                                           */
/* ------------------------------------------------------------------ */

TEST_F_TIMEOUT(pvm, esrch_nonexistent_pid, PVM_TIMEOUT)
{
	const struct iovec *lv = &self->lv, *rv = &self->rv;

	call_both(_metadata, "INT_MAX", NO_PID, lv, 1, rv, 1, 0, -ESRCH);
	/* Unlike kill()'s, 0 and negative pids mean nothing special. */
	call_both(_metadata, "0", 0, lv, 1, rv, 1, 0, -ESRCH);
	call_both(_metadata, "-1", -1, lv, 1, rv, 1, 0, -ESRCH);
	call_both(_metadata, "-pgrp", -getpgrp(), lv, 1, rv, 1, 0, -ESRCH);
}

TEST_F_TIMEOUT(pvm, esrch_reaped_child, PVM_TIMEOUT)
{
	pid_t pid = make_zombie(1);

	ASSERT_GT(pid, 0);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	call_both(_metadata, "reaped", pid, &self->lv, 1, &self->rv, 1, 0,
		  -ESRCH);
}

TEST_F_TIMEOUT(pvm, esrch_zombie_child, PVM_TIMEOUT)
{
	self->child = make_zombie(1);
	ASSERT_GT(self->child, 0);
	ASSERT_EQ('Z', proc_state(self->child));
	call_both(_metadata, "zombie", self->child, &self->lv, 1, &self->rv, 1,
		  0, -ESRCH);
}

TEST_F_TIMEOUT(pvm, esrch_kernel_thread, PVM_TIMEOUT)
{
	if (!is_kthreadd(2))
		SKIP(return, "pid 2 is not kthreadd (in a pid namespace?)");
	call_both(_metadata, "kthreadd", 2, &self->lv, 1, &self->rv, 1, 0,
		  -ESRCH);
	verify(_metadata, self, &self->target);
}

static void *leader_thread_fn(void *arg)
{
	pid_t tid = syscall(SYS_gettid);

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (write(*(int *)arg, &tid, sizeof(tid)) != sizeof(tid))
		_exit(1);
	for (;;)
		pause();
	return NULL;
}

/*
 * A pid names its thread-group leader; once that has exited it has no mm,
 * even though the process lives on in its other threads.
 */
TEST_F_TIMEOUT(pvm, esrch_exited_group_leader_but_tid_works, PVM_TIMEOUT)
{
	pid_t tid = 0;
	int fds[2], i;

	ASSERT_EQ(0, pipe(fds));
	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (self->child == 0) {
		pthread_t th;

		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (remote_map_populate(&self->map) ||
		    pthread_create(&th, NULL, leader_thread_fn, &fds[1]))
			_exit(1);
		syscall(SYS_exit, 0);	/* this thread only */
	}
	close(fds[1]);
	ASSERT_EQ((ssize_t)sizeof(tid), read(fds[0], &tid, sizeof(tid)));
	close(fds[0]);

	for (i = 0; proc_state(self->child) != 'Z'; i++) {
		ASSERT_LT(i, 60000) TH_LOG("the leader did not exit");
		usleep(1000);
	}
	call_both(_metadata, "exited leader", self->child, &self->lv, 1,
		  &self->rv, 1, 0, -ESRCH);
	ASSERT_EQ(64, pvm_rw(false, tid, &self->lv, 1, &self->rv, 1, 0));
	ASSERT_EQ(0, memcmp(self->local.addr, self->map.expect, 64));
}

TEST_F_TIMEOUT(pvm, eperm_cross_uid, PVM_TIMEOUT)
{
	if (geteuid() != 0)
		SKIP(return, "needs root, to be two users");
	/* Control: root may. */
	xfer_both(_metadata, self, &self->lv, 1, &self->rv, 1, 64);
	/* nobody, without CAP_SYS_PTRACE, may not touch root's process. */
	ASSERT_EQ(0, drop_privileges(NOBODY, NOGROUP));
	ASSERT_FALSE(have_cap_sys_ptrace());
	xfer_both(_metadata, self, &self->lv, 1, &self->rv, 1, -EPERM);
}

TEST_F_TIMEOUT(pvm, eperm_same_uid_other_gid, PVM_TIMEOUT)
{
	const struct target_opts opts = {
		.uid = NOBODY, .gid = NOGROUP - 1, .dumpable = 1,
	};
	const struct target *t = &self->extra;

	if (geteuid() != 0)
		SKIP(return, "needs root, to be two groups");
	ASSERT_EQ(0, target_spawn(&self->extra, &self->map, &opts));
	ASSERT_EQ(0, drop_privileges(NOBODY, NOGROUP));
	ASSERT_FALSE(have_cap_sys_ptrace());
	xfer(_metadata, self, t, false, &self->lv, 1, &self->rv, 1, -EPERM);
	xfer(_metadata, self, t, true, &self->lv, 1, &self->rv, 1, -EPERM);
	/* Control: same uid, same gid. */
	target_stop(&self->target);
	ASSERT_EQ(0, target_spawn(&self->target, &self->map,
				  &target_opts_default));
	xfer_both(_metadata, self, &self->lv, 1, &self->rv, 1, 64);
}

TEST_F_TIMEOUT(pvm, eperm_same_uid_not_dumpable, PVM_TIMEOUT)
{
	struct target_opts opts = target_opts_default;
	const struct target *t = &self->extra;

	if (!become_unprivileged())
		SKIP(return, NO_UNPRIVILEGED);
	opts.dumpable = 0;
	ASSERT_EQ(0, target_spawn(&self->extra, &self->map, &opts));
	xfer(_metadata, self, t, false, &self->lv, 1, &self->rv, 1, -EPERM);
	xfer(_metadata, self, t, true, &self->lv, 1, &self->rv, 1, -EPERM);
}

TEST_F_TIMEOUT(pvm, same_uid_dumpable_works_unprivileged, PVM_TIMEOUT)
{
	struct iovec lv = { self->local.addr + 5, 3 * self->page };
	struct iovec rv = { self->map.arena + 7, 3 * self->page };

	if (!become_unprivileged())
		SKIP(return, NO_UNPRIVILEGED);
	target_stop(&self->target);
	ASSERT_EQ(0, target_spawn(&self->target, &self->map,
				  &target_opts_default));
	xfer_both(_metadata, self, &lv, 1, &rv, 1, 3 * self->page);
}

TEST_F_TIMEOUT(pvm, cap_sys_ptrace_overrides_uid_and_dumpable, PVM_TIMEOUT)
{
	const struct target_opts opts = {
		.uid = NOBODY, .gid = NOGROUP, .dumpable = 0,
	};
	const struct target *t = &self->extra;

	if (geteuid() != 0 || !have_cap_sys_ptrace())
		SKIP(return, "needs root with CAP_SYS_PTRACE");
	ASSERT_EQ(0, target_spawn(&self->extra, &self->map, &opts));
	xfer(_metadata, self, t, false, &self->lv, 1, &self->rv, 1, 64);
	xfer(_metadata, self, t, true, &self->lv, 1, &self->rv, 1, 64);
}

/* mm == current->mm skips ptrace_may_access() altogether. */
TEST_F_TIMEOUT(pvm, own_mm_needs_no_permission, PVM_TIMEOUT)
{
	char *a = self->local.addr, *b = self->local.addr + 5000;
	struct iovec lv = { a, 100 }, rv = { b, 100 };
	char want[100];

	if (!become_unprivileged())
		SKIP(return, NO_UNPRIVILEGED);
	ASSERT_EQ(0, prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
	memcpy(want, b, sizeof(want));
	ASSERT_EQ(100, pvm_rw(false, getpid(), &lv, 1, &rv, 1, 0));
	ASSERT_EQ(0, memcmp(a, want, sizeof(want)));
	memset(a, 0x5a, sizeof(want));
	ASSERT_EQ(100, pvm_rw(true, getpid(), &lv, 1, &rv, 1, 0));
	ASSERT_EQ(0, memcmp(b, a, sizeof(want)));
}

struct ns_result {
	pid_t self;
	ssize_t inner_ret;
	int inner_err;
	bool inner_data_ok;
	ssize_t outer_ret;
	int outer_err;
};

/* As init of a new pid namespace: read a target inside and one outside. */
static int ns_caller(struct _test_data_pvm *self, int fd)
{
	struct ns_result r = { .self = getpid() };
	struct target inner;

	if (target_spawn(&inner, &self->map, &target_opts_default))
		return 1;
	r.inner_ret = pvm_rw(false, inner.pid, &self->lv, 1, &self->rv, 1, 0);
	r.inner_err = errno;
	r.inner_data_ok = !memcmp(self->local.addr, self->map.expect, 64);
	r.outer_ret = pvm_rw(false, self->target.pid, &self->lv, 1,
			     &self->rv, 1, 0);
	r.outer_err = errno;
	target_stop(&inner);
	return write(fd, &r, sizeof(r)) == sizeof(r) ? 0 : 1;
}

TEST_F_TIMEOUT(pvm, pid_looked_up_in_callers_pid_namespace, PVM_TIMEOUT)
{
	struct ns_result r;
	int fds[2], status;

	if (unshare(CLONE_NEWPID))
		SKIP(return, "unshare(CLONE_NEWPID): %s", strerror(errno));
	ASSERT_EQ(0, pipe(fds));
	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (self->child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		close(fds[0]);
		_exit(ns_caller(self, fds[1]));
	}
	close(fds[1]);
	ASSERT_EQ((ssize_t)sizeof(r), read(fds[0], &r, sizeof(r)));
	close(fds[0]);
	ASSERT_EQ(self->child, waitpid(self->child, &status, 0));
	self->child = 0;
	ASSERT_EQ(0, status);

	ASSERT_EQ(1, r.self);
	ASSERT_EQ(64, r.inner_ret) TH_LOG("inner: %s", strerror(r.inner_err));
	ASSERT_TRUE(r.inner_data_ok);
	/* The target's pid out here names nothing in there... */
	ASSERT_EQ(-1, r.outer_ret);
	ASSERT_EQ(ESRCH, r.outer_err) TH_LOG("%s", strerror(r.outer_err));
	/* ...and does out here. */
	xfer_both(_metadata, self, &self->lv, 1, &self->rv, 1, 64);
}

/* ------------------------------------------------------------------ */
/* The copy                                                           */
/* ------------------------------------------------------------------ */

TEST_F_TIMEOUT(pvm, single_page, PVM_TIMEOUT)
{
	struct iovec lv = { self->local.addr + self->page, self->page };
	struct iovec rv = { self->map.arena + 2 * self->page, self->page };

	xfer_both(_metadata, self, &lv, 1, &rv, 1, self->page);
}

TEST_F_TIMEOUT(pvm, unaligned_offsets_and_lengths, PVM_TIMEOUT)
{
	char *l = self->local.addr, *r = self->map.arena;
	size_t p = self->page;
	struct iovec lv[] = {
		{ l + 1, 1 },
		{ l + p - 1, 2 },
		{ l + 3 * p - 3, p + 5 },
		{ l + 6 * p + 11, 3 * p + 13 },
		{ l + 11 * p + 7, 1 },
	};
	struct iovec rv[] = {
		{ r + p - 2, 3 },
		{ r + 2 * p + 1, 2 * p - 1 },
		{ r + 5 * p - 1, 2 * p + 17 },
		{ r + 9 * p + 3, 1000 },
	};
	size_t total = iov_total(lv, ARRAY_SIZE(lv));

	ASSERT_LT(total, iov_total(rv, ARRAY_SIZE(rv)));
	xfer_both(_metadata, self, lv, ARRAY_SIZE(lv), rv, ARRAY_SIZE(rv),
		  total);
}

TEST_F_TIMEOUT(pvm, zero_length_elements_interleaved, PVM_TIMEOUT)
{
	char *l = self->local.addr, *r = self->map.arena;
	struct iovec lv[] = {
		{ l, 0 }, { l + 10, 100 }, { NULL, 0 }, { l + 500, 0 },
		{ l + 4090, 50 }, { l + 9000, 0 },
	};
	/* Empty remote elements are skipped, wherever they point. */
	struct iovec rv[] = {
		{ self->map.hole, 0 }, { r + 7, 60 }, { self->map.none, 0 },
		{ KERNEL_ADDR, 0 }, { r + 4093, 90 }, { NULL, 0 },
	};

	xfer_both(_metadata, self, lv, ARRAY_SIZE(lv), rv, ARRAY_SIZE(rv),
		  150);
}

TEST_F_TIMEOUT(pvm, transfer_stops_at_shorter_side, PVM_TIMEOUT)
{
	char *l = self->local.addr, *r = self->map.arena;
	struct iovec lv[] = { { l + 3, 100 }, { l + 7000, 100 } };
	struct iovec rv[] = { { r + 1, 60 }, { r + 5000, 60 } };

	xfer_both(_metadata, self, lv, 2, rv, 1, 60);
	xfer_both(_metadata, self, lv, 1, rv, 2, 100);
	xfer_both(_metadata, self, lv, 2, rv, 2, 120);
}

/*
 * Remote lengths are not range-checked: an element running far past the
 * end of the address space is fine as long as the local side ends first.
 */
TEST_F_TIMEOUT(pvm, remote_len_unchecked_local_total_bounds_it, PVM_TIMEOUT)
{
	struct iovec lv = { self->local.addr + 1, 3 * self->page + 7 };
	struct iovec rv = { self->map.arena + 5, SSIZE_MAX };

	xfer_both(_metadata, self, &lv, 1, &rv, 1, 3 * self->page + 7);
}

/* Elements larger than one pinning batch (4 MiB), and a fault after one. */
TEST_F_TIMEOUT(pvm, element_spanning_pin_batches, PVM_TIMEOUT)
{
	size_t len = 6 * SZ_1M + 5, p = self->page;
	struct iovec lv = { self->local.addr + 3, len };
	struct iovec rv = { self->map.arena + p - 3, len };
	struct iovec rv_fault = {
		self->map.ro - 5 * SZ_1M - 1000,
		5 * SZ_1M + 1000 + REMOTE_RO_PAGES * p + 300,
	};

	xfer_both(_metadata, self, &lv, 1, &rv, 1, len);
	xfer(_metadata, self, &self->target, false, &lv, 1, &rv_fault, 1,
	     5 * SZ_1M + 1000 + REMOTE_RO_PAGES * p);
	xfer(_metadata, self, &self->target, true, &lv, 1, &rv_fault, 1,
	     5 * SZ_1M + 1000);
}

static uint64_t xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* @n elements in @size bytes: random gaps < 1 KiB, lengths <= 6 KiB, some 0. */
static size_t random_iovecs(struct iovec *iov, size_t n, char *base,
			    size_t size, uint64_t *rng)
{
	size_t i, pos = 0;

	for (i = 0; i < n; i++) {
		size_t gap = xorshift64(rng) % 1024;
		size_t len = xorshift64(rng) % 6145;

		if (xorshift64(rng) % 16 == 0)
			len = 0;
		iov[i] = (struct iovec){ base + pos + gap, len };
		pos += gap + len;
	}
	return pos <= size ? iov_total(iov, n) : 0;
}

/*
 * IOV_MAX random elements on each side, a few MiB in all; then half as many
 * on one side, so that each side is the one to end the stream.
 */
TEST_F_TIMEOUT(pvm, scatter_gather_iov_max_random, PVM_TIMEOUT)
{
	static struct iovec lv[PVM_IOV_MAX], rv[PVM_IOV_MAX];
	const unsigned long counts[][2] = {
		{ PVM_IOV_MAX, PVM_IOV_MAX },
		{ PVM_IOV_MAX, PVM_IOV_MAX / 2 },
		{ PVM_IOV_MAX / 2, PVM_IOV_MAX },
	};
	const char *env = getenv("CMA_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x5eed5eedULL;
	uint64_t rng = seed | 1;
	unsigned int i;

	TH_LOG("seed %#llx (CMA_TEST_SEED)", (unsigned long long)seed);
	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		unsigned long ln = counts[i][0], rn = counts[i][1];
		size_t ltotal, rtotal;

		ASSERT_NE((size_t)0, random_iovecs(lv, PVM_IOV_MAX,
						   self->local.addr,
						   LOCAL_ARENA_SIZE, &rng));
		ASSERT_NE((size_t)0, random_iovecs(rv, PVM_IOV_MAX,
						   self->map.arena,
						   REMOTE_ARENA_SIZE, &rng));
		ltotal = iov_total(lv, ln);
		rtotal = iov_total(rv, rn);
		TH_LOG("%lu elements, %zu bytes -> %lu elements, %zu bytes",
		       ln, ltotal, rn, rtotal);
		xfer_both(_metadata, self, lv, ln, rv, rn,
			  ltotal < rtotal ? ltotal : rtotal);
	}
}

TEST_F_TIMEOUT(pvm, remote_protnone_or_unmapped_efault, PVM_TIMEOUT)
{
	struct iovec none = { self->map.none, 64 };
	struct iovec hole = { self->map.hole + 100, 64 };

	xfer_both(_metadata, self, &self->lv, 1, &none, 1, -EFAULT);
	xfer_both(_metadata, self, &self->lv, 1, &hole, 1, -EFAULT);
}

TEST_F_TIMEOUT(pvm, local_protnone_efault, PVM_TIMEOUT)
{
	struct iovec lv = { self->local.addr + self->local.noaccess + 8, 64 };

	xfer_both(_metadata, self, &lv, 1, &self->rv, 1, -EFAULT);
}

/* No FOLL_FORCE: what the target cannot write, the caller cannot either. */
TEST_F_TIMEOUT(pvm, remote_readonly_readable_not_writable, PVM_TIMEOUT)
{
	size_t len = REMOTE_RO_PAGES * self->page;
	struct iovec lv = { self->local.addr, len };
	struct iovec rv = { self->map.ro, len };
	struct iovec rv1 = { self->map.ro + 5, 1 };
	const struct target *t = &self->target;

	xfer(_metadata, self, t, false, &lv, 1, &rv, 1, len);
	xfer(_metadata, self, t, true, &lv, 1, &rv, 1, -EFAULT);
	xfer(_metadata, self, t, true, &lv, 1, &rv1, 1, -EFAULT);
}

TEST_F_TIMEOUT(pvm, partial_remote_later_element_faults, PVM_TIMEOUT)
{
	char *r = self->map.arena;
	struct iovec lv = { self->local.addr, 4 * self->page };
	struct iovec rv[] = {
		{ r + 100, 1000 },
		{ r + 5000, 3000 },
		{ self->map.hole, 64 },
		{ r + 20000, 500 },
	};

	xfer_both(_metadata, self, &lv, 1, rv, ARRAY_SIZE(rv), 4000);
	rv[2].iov_base = self->map.none;
	xfer_both(_metadata, self, &lv, 1, rv, ARRAY_SIZE(rv), 4000);
}

TEST_F_TIMEOUT(pvm, partial_local_later_element_faults, PVM_TIMEOUT)
{
	char *l = self->local.addr;
	struct iovec lv[] = {
		{ l + 10, 1000 },
		{ l + 3000, 2000 },
		{ l + self->local.noaccess, 64 },
		{ l + 9000, 100 },
	};
	struct iovec rv = { self->map.arena + 1, 4 * self->page };

	xfer_both(_metadata, self, lv, ARRAY_SIZE(lv), &rv, 1, 3000);
}

/*
 * A fault in the middle of a local element ends the transfer exactly at
 * the page boundary: the count splits the element, which the man page says
 * never happens.
 */
TEST_F_TIMEOUT(pvm, split_local_element_at_protnone_page, PVM_TIMEOUT)
{
	char *l = self->local.addr;
	size_t p = self->page, none = self->local.noaccess;
	struct iovec lv[] = {
		{ l + 100, 300 },
		{ l + none - 1000, 1000 + p + 500 },	/* across the hole */
	};
	struct iovec rv = { self->map.arena + 77, 4 * p };

	xfer_both(_metadata, self, lv, 2, &rv, 1, 1300);
}

/*
 * Likewise in the middle of a remote element: pinning stops at the first
 * page it cannot have (reading: PROT_NONE; writing: read-only).
 */
TEST_F_TIMEOUT(pvm, split_remote_element_at_inaccessible_page, PVM_TIMEOUT)
{
	size_t p = self->page;
	struct iovec lv = { self->local.addr + 3, 8 * p };
	struct iovec rv = {
		self->map.ro - 1000, 1000 + REMOTE_RO_PAGES * p + 300,
	};

	xfer(_metadata, self, &self->target, false, &lv, 1, &rv, 1,
	     1000 + REMOTE_RO_PAGES * p);
	xfer(_metadata, self, &self->target, true, &lv, 1, &rv, 1, 1000);
}

/*
 * MAX_RW_COUNT (0x7ffff000 with 4 KiB pages) caps the local total in
 * import_iovec(). Asked for 2 GiB with 4 MiB of memory: 1024 local elements
 * of 2 MiB, all the same buffer, and 1024 remote ones, all the target's
 * first 2 MiB. One call; it copies 2 GiB.
 */
TEST_F_TIMEOUT(pvm, clamp_aliased_iovecs_readv_max_rw_count,
	       PVM_CLAMP_TIMEOUT)
{
	static struct iovec lv[PVM_IOV_MAX], rv[PVM_IOV_MAX];
	size_t max = max_rw_count(self->page);
	unsigned int i;
	ssize_t ret;

	for (i = 0; i < PVM_IOV_MAX; i++) {
		lv[i] = (struct iovec){ self->local.addr, SZ_2M };
		rv[i] = (struct iovec){ self->map.arena, SZ_2M };
	}
	ASSERT_GT(iov_total(lv, PVM_IOV_MAX), max);

	ret = pvm_rw(false, self->target.pid, lv, PVM_IOV_MAX, rv,
		     PVM_IOV_MAX, 0);
	ASSERT_EQ((ssize_t)max, ret) TH_LOG("%s", strerror(errno));
	/* Each element brought the same 2 MiB, the last one 4 KiB less. */
	memcpy(self->local.shadow, self->map.expect, SZ_2M);
	verify(_metadata, self, &self->target);
}

/*
 * The same cap splitting a single local element of 2 GiB + 2 MiB: 1025
 * views of one 2 MiB memfd laid end to end (populated up front; half a
 * million faults taken inside the copy are much slower), written to 1024
 * remote elements aliasing the target's first 2 MiB. One call; it copies
 * 2 GiB.
 */
TEST_F_TIMEOUT(pvm, clamp_single_element_writev_max_rw_count,
	       PVM_CLAMP_TIMEOUT)
{
	static struct iovec rv[PVM_IOV_MAX];
	const size_t views = PVM_IOV_MAX + 1;
	size_t max = max_rw_count(self->page);
	struct iovec lv;
	char *big, *src;
	unsigned int i;
	ssize_t ret;
	int fd;

	fd = memfd_create("process_vm_clamp", MFD_CLOEXEC);
	if (fd < 0)
		SKIP(return, "memfd_create: %s", strerror(errno));
	ASSERT_EQ(0, ftruncate(fd, SZ_2M));
	src = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, src);
	pattern_fill(src, SZ_2M, LOCAL_SEED ^ 1);

	big = mmap(NULL, views * SZ_2M, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (big == MAP_FAILED)
		SKIP(return, "no room for 2 GiB: %s", strerror(errno));
	for (i = 0; i < views; i++)
		ASSERT_NE(MAP_FAILED,
			  mmap(big + i * SZ_2M, SZ_2M, PROT_READ,
			       MAP_SHARED | MAP_FIXED | MAP_POPULATE, fd, 0));
	lv = (struct iovec){ big, views * SZ_2M };
	for (i = 0; i < PVM_IOV_MAX; i++)
		rv[i] = (struct iovec){ self->map.arena, SZ_2M };
	ASSERT_GT(lv.iov_len, max);

	ret = pvm_rw(true, self->target.pid, &lv, 1, rv, PVM_IOV_MAX, 0);
	ASSERT_EQ((ssize_t)max, ret) TH_LOG("%s", strerror(errno));
	memcpy(self->map.expect, src, SZ_2M);
	verify(_metadata, self, &self->target);

	munmap(big, views * SZ_2M);
	munmap(src, SZ_2M);
	close(fd);
}

TEST_HARNESS_MAIN
