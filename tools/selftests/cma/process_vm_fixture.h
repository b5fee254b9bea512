/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture of the process_vm_readv()/process_vm_writev() selftests: a
 * local space, a target holding the remote layout (process_vm_util.h), and
 * helpers that make a call, check its result and verify that both sides
 * hold exactly what the stream-copy model says they must.
 */
#ifndef PROCESS_VM_FIXTURE_H
#define PROCESS_VM_FIXTURE_H

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

/* The 6.1 harness's __timeout_handler() leaves ucontext unused. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "process_vm_util.h"

/* Never a pid: pid_max is at most PID_MAX_LIMIT (4M). */
#define NO_PID		INT_MAX
/* The top page: kernel space wherever user and kernel share an address space. */
#define KERNEL_ADDR	((void *)-4096UL)
#define TOP_FLAG	(1UL << (sizeof(long) * CHAR_BIT - 1))

#define PVM_TIMEOUT	300	/* per test: the guest is emulated, with KASAN */
#define PVM_CLAMP_TIMEOUT 900	/* each clamp test copies 2 GiB */

static const char *const dir_name[] = { "readv", "writev" };

/*
 * Helpers below take the fixture as struct _test_data_pvm, which is what
 * FIXTURE_DATA(pvm) expands to: checkpatch parses "FIXTURE_DATA(pvm) *self"
 * in a parameter list as a multiplication.
 */

FIXTURE(pvm) {
	size_t page;
	struct remote_map map;
	struct space local;
	struct space remote;
	struct target target;	/* the default target */
	struct target extra;	/* another, for some tests */
	pid_t child;		/* any other child */
	struct iovec lv, rv;	/* a valid 64-byte element on each side */
	struct iovec *edge;	/* the first iovec slot of a PROT_NONE page */
	void *edge_map;
};

FIXTURE_SETUP(pvm)
{
	self->page = sysconf(_SC_PAGESIZE);
	self->target.cmd = -1;
	self->target.reply = -1;
	self->extra.cmd = -1;
	self->extra.reply = -1;

	ASSERT_EQ(0, remote_map_create(&self->map));
	remote_space_init(&self->remote, &self->map);
	ASSERT_EQ(0, local_space_create(&self->local, self->page));
	self->lv = (struct iovec){ self->local.addr, 64 };
	self->rv = (struct iovec){ self->map.arena, 64 };

	self->edge_map = mmap(NULL, 2 * self->page, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->edge_map);
	self->edge = (struct iovec *)((char *)self->edge_map + self->page);
	ASSERT_EQ(0, mprotect(self->edge, self->page, PROT_NONE));

	ASSERT_EQ(0, target_spawn(&self->target, &self->map,
				  &target_opts_default))
		TH_LOG("cannot start the target: %s", strerror(errno));
}

FIXTURE_TEARDOWN(pvm)
{
	target_stop(&self->extra);
	target_stop(&self->target);
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	munmap(self->edge_map, 2 * self->page);
	local_space_destroy(&self->local);
	remote_map_destroy(&self->map);
}

/* @expect: bytes moved, or -errno. */
static inline void check_result(struct __test_metadata *_metadata,
				const char *what, bool write, ssize_t ret,
				int err, ssize_t expect)
{
	if (expect >= 0) {
		ASSERT_EQ(expect, ret)
			TH_LOG("%s: %s: %s", what, dir_name[write],
			       ret < 0 ? strerror(err) : "wrong count");
		return;
	}
	ASSERT_EQ(-1, ret)
		TH_LOG("%s: %s returned %zd, expected %s", what,
		       dir_name[write], ret, strerror(-expect));
	ASSERT_EQ(-expect, err)
		TH_LOG("%s: %s: %s, expected %s", what, dir_name[write],
		       strerror(err), strerror(-expect));
}

/* @local and @t hold exactly what the model says: nothing else moved. */
static inline void verify_spaces(struct __test_metadata *_metadata,
				 const struct space *local,
				 const struct target *t)
{
	ssize_t off = space_mismatch(local);
	size_t roff = 0;

	ASSERT_EQ(-1, off) TH_LOG("local memory differs at offset %zd", off);
	ASSERT_EQ(0, target_check(t, &roff))
		TH_LOG("remote memory differs at offset %zu", roff);
}

/* Both sides hold exactly what the model says: nothing else moved. */
static inline void verify(struct __test_metadata *_metadata,
			  struct _test_data_pvm *self, const struct target *t)
{
	verify_spaces(_metadata, &self->local, t);
}

/*
 * One call to @t, addressed as @pid with @flags (a copy: no reduce
 * operation), its result checked, the model advanced by the bytes moved and
 * both sides verified against it.
 */
static inline void xfer_flags(struct __test_metadata *_metadata,
			      struct _test_data_pvm *self,
			      const struct target *t, int pid,
			      unsigned long flags, bool write,
			      const struct iovec *lv, size_t ln,
			      const struct iovec *rv, size_t rn, ssize_t expect)
{
	ssize_t ret = pvm_rw(write, pid, lv, ln, rv, rn, flags);

	check_result(_metadata, "xfer", write, ret, errno, expect);
	if (ret > 0 && write)
		ASSERT_EQ(0, model_copy(&self->remote, rv, rn,
					&self->local, lv, ln, ret));
	if (ret > 0 && !write)
		ASSERT_EQ(0, model_copy(&self->local, lv, ln,
					&self->remote, rv, rn, ret));
	verify(_metadata, self, t);
}

/* xfer_flags() by pid, without flags. */
static inline void xfer(struct __test_metadata *_metadata,
			struct _test_data_pvm *self, const struct target *t,
			bool write, const struct iovec *lv, size_t ln,
			const struct iovec *rv, size_t rn, ssize_t expect)
{
	xfer_flags(_metadata, self, t, t->pid, 0, write, lv, ln, rv, rn,
		   expect);
}

static inline void xfer_both(struct __test_metadata *_metadata,
			     struct _test_data_pvm *self,
			     const struct iovec *lv, size_t ln,
			     const struct iovec *rv, size_t rn, ssize_t expect)
{
	xfer(_metadata, self, &self->target, false, lv, ln, rv, rn, expect);
	xfer(_metadata, self, &self->target, true, lv, ln, rv, rn, expect);
}

/* Both syscalls, same arguments, same result; for calls that move nothing. */
static inline void call_both(struct __test_metadata *_metadata,
			     const char *what, pid_t pid,
			     const struct iovec *lv, unsigned long ln,
			     const struct iovec *rv, unsigned long rn,
			     unsigned long flags, ssize_t expect)
{
	int w;

	for (w = 0; w < 2; w++) {
		ssize_t ret = pvm_rw(w, pid, lv, ln, rv, rn, flags);

		check_result(_metadata, what, w, ret, errno, expect);
	}
}

#define NO_KERNEL_ADDR	"access_ok() accepts every address here"
#define NO_UNPRIVILEGED	"cannot drop CAP_SYS_PTRACE"

#endif /* PROCESS_VM_FIXTURE_H */
