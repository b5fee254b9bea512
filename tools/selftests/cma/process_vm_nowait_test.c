// SPDX-License-Identifier: GPL-2.0
/*
 * PROCESS_VM_NOWAIT moves only what the target already has mapped and never
 * waits for the target (Documentation/userspace-api/process_vm.rst). Each
 * test puts the target where a plain call would wait, and checks that a
 * NOWAIT call returns at once with EFAULT (nothing moved), faults nothing
 * in and starts no I/O, while the same call without the flag still works:
 *
 *  file_*   a file page evicted from the page cache (read synchronously by a
 *           fault), and a cached file page the target has not mapped
 *  mmap_*   the target's mmap lock held for writing (mprotect() in a loop)
 *  exec_*   the target in the middle of execve(), which holds its
 *           exec_update_lock while the old address space is torn down
 *
 * process_vm_ext_test.c has the userfaultfd and untouched-memory cases.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/process_vm.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* The 6.1 harness's __timeout_handler() leaves ucontext unused. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "process_vm_util.h"

#define NW			PROCESS_VM_NOWAIT
#define NOWAIT_TIMEOUT		300	/* per test: the guest is emulated */
#define WAIT_MS			60000	/* for a child to report */

#define MMAP_BUSY_SIZE		(32 * SZ_1M)
#define MMAP_RUN_MS		2000.0
#define MMAP_BLOCKING_CALLS	50

#define EXEC_REGION_SIZE	(128 * SZ_1M)
#define EXEC_MIN_WINDOW_MS	20.0

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One call, its errno and how long it took. */
struct timed {
	ssize_t ret;
	int err;
	double ms;
};

static struct timed timed_rw(bool write, pid_t pid, void *local,
			     void *remote, size_t len, unsigned long flags)
{
	const struct iovec lv = { local, len }, rv = { remote, len };
	struct timed t;
	double t0 = now_ms();

	t.ret = pvm_rw(write, pid, &lv, 1, &rv, 1, flags);
	t.err = errno;
	t.ms = now_ms() - t0;
	return t;
}

/* 1 if the page of @addr is in the page cache of the file mapped there. */
static int page_cached(void *addr)
{
	size_t page = sysconf(_SC_PAGESIZE);
	unsigned char vec = 0;

	if (mincore((void *)((uintptr_t)addr & ~(page - 1)), 1, &vec))
		return -1;
	return vec & 1;
}

/* Read one byte from @fd within WAIT_MS: 0, or -1. */
static int wait_byte(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, WAIT_MS) != 1)
		return -1;
	return read(fd, &c, 1) == 1 ? 0 : -1;
}

/*
 * A child that keeps what the test process mapped before the fork, untouched,
 * until the write end returned in @release is closed.
 */
static pid_t idle_child(int *release)
{
	int fds[2];
	pid_t pid;
	char c;

	if (pipe2(fds, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fds[1]);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		while (read(fds[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(fds[0]);
	*release = fds[1];
	return pid;
}

static void reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

FIXTURE(nowait) {
	size_t page;
	pid_t child;
	int release;
};

FIXTURE_SETUP(nowait)
{
	self->page = sysconf(_SC_PAGESIZE);
	self->child = -1;
	self->release = -1;
	if (pvm_rw(false, 0, NULL, 0, NULL, 0, NW))
		SKIP(return, "kernel lacks PROCESS_VM_NOWAIT");
}

FIXTURE_TEARDOWN(nowait)
{
	if (self->release >= 0)
		close(self->release);
	reap(self->child);
}

/* ------------------------------------------------------------------ */
/* File pages                                                         */
/* ------------------------------------------------------------------ */

/*
 * The target maps this test program's own file (on the guest's 9p root or
 * wherever it is installed) and never touches it; the last page, which no
 * loader maps, is evicted from the page cache. A fault would read it from
 * the file system, synchronously; NOWAIT must not: EFAULT at once, and the
 * page still not cached. Without the flag the call reads it, and once the
 * target has it mapped NOWAIT reads it too.
 */
TEST_F_TIMEOUT(nowait, file_page_cache_miss_not_read, NOWAIT_TIMEOUT)
{
	const size_t p = self->page;
	char path[PATH_MAX], *map, *at, *buf, *want;
	struct timed nw, red, blk, again;
	struct stat st;
	size_t len;
	ssize_t n;
	int fd;

	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	ASSERT_GT(n, 0);
	path[n] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0) TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_EQ(0, fstat(fd, &st));
	if ((size_t)st.st_size < 4 * p)
		SKIP(return, "%.200s is too small", path);
	map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	at = map + (st.st_size - 1) / p * p;
	len = map + st.st_size - at;
	buf = malloc(p);
	want = malloc(p);
	ASSERT_TRUE(buf && want);
	memset(buf, 0xa5, p);

	self->child = idle_child(&self->release);
	ASSERT_GT(self->child, 0);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (page_cached(at)) {
		int dc = open("/proc/sys/vm/drop_caches", O_WRONLY);

		if (dc >= 0) {
			if (write(dc, "1", 1) != 1)
				TH_LOG("drop_caches: %s", strerror(errno));
			close(dc);
		}
	}
	if (page_cached(at))
		SKIP(return, "cannot evict the last page of %.200s", path);
	ASSERT_EQ(0, page_present(self->child, at));

	nw = timed_rw(false, self->child, buf, at, len, NW);
	TH_LOG("NOWAIT readv of an evicted file page: %zd (%s) in %.3f ms",
	       nw.ret, nw.ret < 0 ? strerror(nw.err) : "bytes", nw.ms);
	ASSERT_EQ(-1, nw.ret)
		TH_LOG("NOWAIT read the page from the file system");
	ASSERT_EQ(EFAULT, nw.err);
	ASSERT_EQ(0, page_cached(at)) TH_LOG("NOWAIT started I/O");
	ASSERT_EQ(0, page_present(self->child, at));

	red = timed_rw(false, self->child, buf, at, len,
		       NW | PROCESS_VM_REDUCE(BXOR, U8));
	if (!(red.ret < 0 && red.err == EINVAL)) {
		ASSERT_EQ(-1, red.ret) TH_LOG("NOWAIT BXOR read the page");
		ASSERT_EQ(EFAULT, red.err);
		ASSERT_EQ(0, page_cached(at));
	}

	blk = timed_rw(false, self->child, buf, at, len, 0);
	TH_LOG("readv without NOWAIT: %zd in %.3f ms", blk.ret, blk.ms);
	ASSERT_EQ((ssize_t)len, blk.ret) TH_LOG("%s", strerror(blk.err));
	ASSERT_EQ((ssize_t)len, pread(fd, want, len, at - map));
	ASSERT_EQ(0, memcmp(buf, want, len));
	ASSERT_EQ(1, page_present(self->child, at));

	memset(buf, 0, p);
	again = timed_rw(false, self->child, buf, at, len, NW);
	TH_LOG("NOWAIT readv once the target has it: %zd in %.3f ms",
	       again.ret, again.ms);
	ASSERT_EQ((ssize_t)len, again.ret) TH_LOG("%s", strerror(again.err));
	ASSERT_EQ(0, memcmp(buf, want, len));

	munmap(map, st.st_size);
	close(fd);
	free(buf);
	free(want);
}

/*
 * A page in the page cache (tmpfs: no I/O at all) that the target has not
 * mapped yet: a fault would map it without waiting for anything, but NOWAIT
 * moves only what is mapped, so neither direction faults it in.
 */
TEST_F_TIMEOUT(nowait, file_cached_page_not_mapped_in, NOWAIT_TIMEOUT)
{
	const size_t p = self->page;
	char *data = malloc(2 * p), *buf = malloc(p), *back = malloc(2 * p);
	char *map;
	int w, fd;

	ASSERT_TRUE(data && buf && back);
	pattern_fill(data, 2 * p, 0x6d656d6664ULL);
	fd = memfd_create("process_vm_nowait", MFD_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ((ssize_t)(2 * p), pwrite(fd, data, 2 * p, 0));
	map = mmap(NULL, 2 * p, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	self->child = idle_child(&self->release);
	ASSERT_GT(self->child, 0);
	ASSERT_EQ(1, page_cached(map));

	memset(buf, 0x5a, p);
	for (w = 0; w < 2; w++) {
		struct timed t = timed_rw(w, self->child, buf, map + p / 2, p,
					  NW);

		ASSERT_EQ(-1, t.ret)
			TH_LOG("NOWAIT %s faulted a cached page in",
			       w ? "writev" : "readv");
		ASSERT_EQ(EFAULT, t.err);
		ASSERT_EQ(0, page_present(self->child, map));
		ASSERT_EQ(0, page_present(self->child, map + p));
	}
	ASSERT_EQ((ssize_t)(2 * p), pread(fd, back, 2 * p, 0));
	ASSERT_EQ(0, memcmp(back, data, 2 * p)) TH_LOG("writev wrote");

	ASSERT_EQ((ssize_t)p,
		  timed_rw(false, self->child, buf, map + p / 2, p, 0).ret);
	ASSERT_EQ(0, memcmp(buf, data + p / 2, p));
	memset(buf, 0, p);
	ASSERT_EQ((ssize_t)p,
		  timed_rw(false, self->child, buf, map + p / 2, p, NW).ret);
	ASSERT_EQ(0, memcmp(buf, data + p / 2, p));

	munmap(map, 2 * p);
	close(fd);
	free(data);
	free(buf);
	free(back);
}

/* ------------------------------------------------------------------ */
/* The target's mmap lock                                             */
/* ------------------------------------------------------------------ */

static void *mprotect_loop(void *busy)
{
	for (;;) {
		mprotect(busy, MMAP_BUSY_SIZE, PROT_READ);
		mprotect(busy, MMAP_BUSY_SIZE, PROT_READ | PROT_WRITE);
	}
	return NULL;
}

/*
 * A thread of the target changes the protection of 32 MiB of populated
 * memory in a loop: mprotect() holds the mmap lock for writing while it
 * rewrites every PTE. Calls on a resident page either move it all or, when
 * the lock is taken, move nothing and fail with EFAULT at once; calls
 * without the flag wait for the lock.
 */
TEST_F_TIMEOUT(nowait, mmap_lock_held_for_writing, NOWAIT_TIMEOUT)
{
	const size_t p = self->page;
	char *data, *busy, *buf = malloc(p), *want = malloc(p);
	unsigned int calls = 0, moved = 0, efault = 0, other = 0, i;
	double start, nw_max = 0, nw_sum = 0, blk_max = 0, blk_sum = 0;
	int ready[2], other_err = 0;

	ASSERT_TRUE(buf && want);
	pattern_fill(want, p, 0x6d6d6170ULL);
	data = mmap(NULL, p, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	busy = mmap(NULL, MMAP_BUSY_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, data);
	ASSERT_NE(MAP_FAILED, busy);
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (self->child == 0) {
		pthread_t th;

		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		memcpy(data, want, p);
		memset(busy, 1, MMAP_BUSY_SIZE);
		if (pthread_create(&th, NULL, mprotect_loop, busy) ||
		    write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ASSERT_EQ(0, wait_byte(ready[0])) TH_LOG("the target did not start");
	close(ready[0]);

	start = now_ms();
	while (now_ms() - start < MMAP_RUN_MS) {
		bool w = calls++ & 1;
		struct timed t;

		if (w)
			memcpy(buf, want, p);
		t = timed_rw(w, self->child, buf, data, p, NW);
		nw_max = t.ms > nw_max ? t.ms : nw_max;
		nw_sum += t.ms;
		if (t.ret == (ssize_t)p) {
			moved++;
			ASSERT_EQ(0, memcmp(buf, want, p));
		} else if (t.ret == -1 && t.err == EFAULT) {
			efault++;
		} else {
			other++;
			other_err = t.ret < 0 ? t.err : 0;
		}
	}
	for (i = 0; i < MMAP_BLOCKING_CALLS; i++) {
		struct timed t = timed_rw(false, self->child, buf, data, p, 0);

		ASSERT_EQ((ssize_t)p, t.ret) TH_LOG("%s", strerror(t.err));
		blk_max = t.ms > blk_max ? t.ms : blk_max;
		blk_sum += t.ms;
	}
	TH_LOG("NOWAIT: %u calls: %u moved, %u EFAULT, %u other; mean %.3f, max %.3f ms",
	       calls, moved, efault, other, nw_sum / calls, nw_max);
	TH_LOG("without NOWAIT: %u calls: mean %.3f, max %.3f ms",
	       i, blk_sum / i, blk_max);
	ASSERT_EQ(0U, other)
		TH_LOG("a NOWAIT call failed otherwise: %s",
		       strerror(other_err));
	ASSERT_GT(efault, 0U) TH_LOG("the lock was never seen taken");
	munmap(data, p);
	munmap(busy, MMAP_BUSY_SIZE);
	free(buf);
	free(want);
}

/* ------------------------------------------------------------------ */
/* execve() in the target                                             */
/* ------------------------------------------------------------------ */

struct exec_reader {
	pid_t pid;
	char *region;
	unsigned long flags;
	int stop;		/* __atomic: set by the test, read by the thread */
	unsigned int calls, moved, efault, other;
	int other_err;
	double max_ms;
};

/* Calls on the target's region until told to stop; counts and times them. */
static void *exec_reader_fn(void *arg)
{
	struct exec_reader *r = arg;
	size_t p = sysconf(_SC_PAGESIZE);
	char buf[64];

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		char *at = r->region + r->calls % (EXEC_REGION_SIZE / p) * p;
		struct timed t = timed_rw(false, r->pid, buf, at, sizeof(buf),
					  r->flags);

		r->calls++;
		r->max_ms = t.ms > r->max_ms ? t.ms : r->max_ms;
		if (t.ret == sizeof(buf)) {
			r->moved++;
		} else if (t.ret == -1 && t.err == EFAULT) {
			r->efault++;
		} else {
			r->other++;
			r->other_err = t.ret < 0 ? t.err : 0;
		}
	}
	return NULL;
}

/*
 * A target with EXEC_REGION_SIZE of populated memory execs a shell (which
 * reports on fd 3 once it runs) while a thread of the test makes calls with
 * @flags on that memory, before, during and after the execve().
 */
static void exec_run(struct __test_metadata *_metadata,
		     struct _test_data_nowait *self, unsigned long flags,
		     struct exec_reader *r)
{
	char *region = mmap(NULL, EXEC_REGION_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ready[2], go[2], done[2];
	pthread_t th;

	ASSERT_NE(MAP_FAILED, region);
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(done, O_CLOEXEC));
	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (self->child == 0) {
		char c;

		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		memset(region, 0x5a, EXEC_REGION_SIZE);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1 ||
		    dup2(done[1], 3) != 3)
			_exit(1);
		execl("/bin/sh", "sh", "-c", "echo >&3; exec sleep 1000",
		      (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	close(go[0]);
	close(done[1]);
	ASSERT_EQ(0, wait_byte(ready[0])) TH_LOG("the target did not start");

	*r = (struct exec_reader){ .pid = self->child, .region = region,
				   .flags = flags };
	ASSERT_EQ(0, pthread_create(&th, NULL, exec_reader_fn, r));
	usleep(100000);
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(0, wait_byte(done[0])) TH_LOG("the target's exec failed");
	usleep(200000);
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(th, NULL));
	reap(self->child);
	self->child = -1;
	close(ready[0]);
	close(go[1]);
	close(done[0]);
	munmap(region, EXEC_REGION_SIZE);
}

/*
 * execve() holds the target's exec_update_lock for writing while it tears
 * down the old address space, and a call that looks the target's mm up
 * waits for it: here for as long as freeing 128 MiB takes. A NOWAIT call
 * fails with EFAULT instead, and never tears down the old address space
 * itself if it held the last reference.
 */
TEST_F_TIMEOUT(nowait, exec_in_target_does_not_wait, NOWAIT_TIMEOUT)
{
	struct exec_reader blk, nw;

	exec_run(_metadata, self, 0, &blk);
	exec_run(_metadata, self, NW, &nw);
	TH_LOG("without NOWAIT: %u calls (%u moved, %u EFAULT, %u other), longest %.1f ms",
	       blk.calls, blk.moved, blk.efault, blk.other, blk.max_ms);
	TH_LOG("NOWAIT: %u calls (%u moved, %u EFAULT, %u other), longest %.1f ms",
	       nw.calls, nw.moved, nw.efault, nw.other, nw.max_ms);
	ASSERT_EQ(0U, nw.other)
		TH_LOG("a NOWAIT call failed otherwise: %s",
		       strerror(nw.other_err));
	ASSERT_GT(nw.moved, 0U);
	ASSERT_GT(nw.efault, 0U);
	if (blk.max_ms < EXEC_MIN_WINDOW_MS)
		SKIP(return, "the execve() took %.1f ms: too short to tell",
		     blk.max_ms);
	/* Halved: an emulated guest stalls for tens of ms now and then. */
	ASSERT_LT(nw.max_ms * 2, blk.max_ms)
		TH_LOG("a NOWAIT call waited for the execve()");
}

TEST_HARNESS_MAIN
