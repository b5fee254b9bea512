// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the process_vm_readv()/process_vm_writev() selftests; see
 * process_vm_util.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "process_vm_util.h"

const struct target_opts target_opts_default = {
	.uid = (uid_t)-1,
	.gid = (gid_t)-1,
	.dumpable = 1,
};

/* splitmix64's finalizer: every input bit affects every output bit. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void pattern_fill(void *buf, size_t len, uint64_t seed)
{
	uint8_t *p = buf;
	size_t i, j;

	for (i = 0; i < len; i += 8) {
		uint64_t w = mix64(seed + i / 8);

		for (j = 0; j < 8 && i + j < len; j++)
			p[i + j] = w >> (j * 8);
	}
}

uint64_t pattern_next(uint64_t *state)
{
	return mix64((*state)++);
}

int remote_map_create(struct remote_map *m)
{
	return remote_map_create_sized(m, REMOTE_ARENA_SIZE);
}

int remote_map_create_sized(struct remote_map *m, size_t arena_size)
{
	memset(m, 0, sizeof(*m));
	m->page = sysconf(_SC_PAGESIZE);
	m->arena_size = arena_size;
	m->span = arena_size + (REMOTE_RO_PAGES + 3) * m->page;
	m->base = mmap(NULL, m->span, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		return -1;
	}
	m->arena = m->base;
	m->ro = m->arena + arena_size;
	m->none = m->ro + REMOTE_RO_PAGES * m->page;
	m->hole = m->none + m->page;

	m->expect_size = arena_size + REMOTE_RO_PAGES * m->page;
	m->expect = mmap(NULL, m->expect_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m->expect == MAP_FAILED) {
		m->expect = NULL;
		remote_map_destroy(m);
		return -1;
	}
	pattern_fill(m->expect, m->expect_size, REMOTE_SEED);
	return 0;
}

void remote_map_destroy(struct remote_map *m)
{
	if (m->base)
		munmap(m->base, m->span);
	if (m->expect)
		munmap(m->expect, m->expect_size);
	m->base = NULL;
	m->expect = NULL;
}

/* Turn the PROT_NONE reservation into the layout a target must have. */
int remote_map_populate(const struct remote_map *m)
{
	if (mprotect(m->arena, m->expect_size, PROT_READ | PROT_WRITE))
		return -1;
	pattern_fill(m->arena, m->expect_size, REMOTE_SEED);
	if (mprotect(m->ro, REMOTE_RO_PAGES * m->page, PROT_READ))
		return -1;
	return munmap(m->hole, m->page);
}

enum target_op {
	TARGET_CHECK = 1,
};

/* In the target: 0, or -errno. */
static int target_setup(const struct remote_map *m,
			const struct target_opts *o, pid_t parent)
{
	if (o->gid != (gid_t)-1 &&
	    (setgroups(0, NULL) || setresgid(o->gid, o->gid, o->gid)))
		return -errno;
	if (o->uid != (uid_t)-1 && setresuid(o->uid, o->uid, o->uid))
		return -errno;
	if (prctl(PR_SET_DUMPABLE, o->dumpable, 0, 0, 0))
		return -errno;
	/* After the credential changes, which clear it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
		return -errno;
	if (getppid() != parent)
		return -ESRCH;
	if (remote_map_populate(m))
		return -errno;
	return 0;
}

static int64_t first_difference(const char *a, const char *b, size_t len)
{
	size_t i;

	if (!memcmp(a, b, len))
		return -1;
	for (i = 0; a[i] == b[i]; i++)
		;
	return i;
}

/*
 * Close every descriptor but stdio, @a and @b, so that a target holds no
 * pipe end of another target: each must see EOF when the test process
 * closes its command pipe, even where the test cannot kill it any more.
 */
static void close_other_fds(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	syscall(__NR_close_range, 3, lo - 1, 0);
	syscall(__NR_close_range, lo + 1, hi - 1, 0);
	syscall(__NR_close_range, hi + 1, ~0U, 0);
}

/* The target's life; returns its exit code. */
static int target_main(const struct remote_map *m,
		       const struct target_opts *o, pid_t parent,
		       int cmd, int reply)
{
	int status;
	uint32_t op;
	int64_t res;

	close_other_fds(cmd, reply);
	status = target_setup(m, o, parent);
	if (write(reply, &status, sizeof(status)) != sizeof(status) || status)
		return 1;

	for (;;) {
		ssize_t n = read(cmd, &op, sizeof(op));

		if (n == 0)
			return 0;
		if (n != sizeof(op) || op != TARGET_CHECK)
			return 1;
		res = first_difference(m->arena, m->expect, m->expect_size);
		if (write(reply, &res, sizeof(res)) != sizeof(res))
			return 1;
	}
}

int target_spawn(struct target *t, const struct remote_map *m,
		 const struct target_opts *opts)
{
	pid_t parent = getpid();
	int cmd[2], reply[2];
	int status;

	t->pid = 0;
	t->cmd = -1;
	t->reply = -1;
	if (pipe2(cmd, O_CLOEXEC))
		return -1;
	if (pipe2(reply, O_CLOEXEC)) {
		close(cmd[0]);
		close(cmd[1]);
		return -1;
	}

	t->pid = fork();
	if (t->pid < 0) {
		t->pid = 0;
		close(cmd[0]);
		close(cmd[1]);
		close(reply[0]);
		close(reply[1]);
		return -1;
	}
	if (t->pid == 0) {
		close(cmd[1]);
		close(reply[0]);
		_exit(target_main(m, opts, parent, cmd[0], reply[1]));
	}

	close(cmd[0]);
	close(reply[1]);
	t->cmd = cmd[1];
	t->reply = reply[0];
	if (read(t->reply, &status, sizeof(status)) != sizeof(status))
		status = -EPIPE;
	if (status) {
		target_stop(t);
		errno = -status;
		return -1;
	}
	return 0;
}

int target_check(const struct target *t, size_t *bad_off)
{
	uint32_t op = TARGET_CHECK;
	int64_t res;

	if (write(t->cmd, &op, sizeof(op)) != sizeof(op) ||
	    read(t->reply, &res, sizeof(res)) != sizeof(res))
		return -1;
	if (res < 0)
		return 0;
	*bad_off = res;
	return 1;
}

void target_stop(struct target *t)
{
	if (t->pid > 0)
		kill(t->pid, SIGKILL);	/* EPERM after dropping privileges */
	if (t->cmd >= 0)
		close(t->cmd);		/* so the target exits on EOF */
	if (t->reply >= 0)
		close(t->reply);
	if (t->pid > 0)
		while (waitpid(t->pid, NULL, 0) < 0 && errno == EINTR)
			;
	t->pid = 0;
	t->cmd = -1;
	t->reply = -1;
}

int local_space_create(struct space *s, size_t page)
{
	return local_space_create_sized(s, page, LOCAL_ARENA_SIZE);
}

int local_space_create_sized(struct space *s, size_t page, size_t arena_size)
{
	memset(s, 0, sizeof(*s));
	s->size = arena_size + 2 * page;
	s->noaccess = arena_size;
	s->noaccess_len = page;
	s->addr = mmap(NULL, s->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->addr == MAP_FAILED) {
		s->addr = NULL;
		return -1;
	}
	s->shadow = malloc(s->size);
	if (!s->shadow)
		return -1;
	pattern_fill(s->addr, s->size, LOCAL_SEED);
	pattern_fill(s->shadow, s->size, LOCAL_SEED);
	return mprotect(s->addr + s->noaccess, s->noaccess_len, PROT_NONE);
}

void local_space_destroy(struct space *s)
{
	if (s->addr)
		munmap(s->addr, s->size);
	free(s->shadow);
	s->addr = NULL;
	s->shadow = NULL;
}

void remote_space_init(struct space *s, const struct remote_map *m)
{
	memset(s, 0, sizeof(*s));
	s->addr = m->arena;
	s->shadow = m->expect;
	s->size = m->expect_size;
}

ssize_t space_mismatch(const struct space *s)
{
	size_t end = s->noaccess_len ? s->noaccess : s->size;
	int64_t off = first_difference(s->addr, s->shadow, end);

	if (off >= 0 || !s->noaccess_len)
		return off;
	end = s->noaccess + s->noaccess_len;
	off = first_difference(s->addr + end, s->shadow + end, s->size - end);
	return off < 0 ? -1 : (ssize_t)(end + off);
}

/* The shadow of [@addr, @addr + @len) in @s, or NULL if outside it. */
static char *shadow_of(const struct space *s, const void *addr, size_t len)
{
	uintptr_t off = (uintptr_t)addr - (uintptr_t)s->addr;

	if ((uintptr_t)addr < (uintptr_t)s->addr || off > s->size ||
	    len > s->size - off)
		return NULL;
	return s->shadow + off;
}

int model_apply(const struct space *dst, const struct iovec *dv, size_t dn,
		const struct space *src, const struct iovec *sv, size_t sn,
		size_t n, model_apply_fn apply, void *arg)
{
	size_t di = 0, si = 0, doff = 0, soff = 0;

	while (n) {
		char *d, *s;
		size_t chunk;

		while (di < dn && doff == dv[di].iov_len) {
			di++;
			doff = 0;
		}
		while (si < sn && soff == sv[si].iov_len) {
			si++;
			soff = 0;
		}
		if (di == dn || si == sn)
			return -1;

		chunk = n;
		if (chunk > dv[di].iov_len - doff)
			chunk = dv[di].iov_len - doff;
		if (chunk > sv[si].iov_len - soff)
			chunk = sv[si].iov_len - soff;
		d = shadow_of(dst, (char *)dv[di].iov_base + doff, chunk);
		s = shadow_of(src, (char *)sv[si].iov_base + soff, chunk);
		if (!d || !s)
			return -1;
		apply(d, s, chunk, arg);
		doff += chunk;
		soff += chunk;
		n -= chunk;
	}
	return 0;
}

static void apply_copy(char *d, const char *s, size_t len, void *arg)
{
	(void)arg;
	memmove(d, s, len);
}

int model_copy(const struct space *dst, const struct iovec *dv, size_t dn,
	       const struct space *src, const struct iovec *sv, size_t sn,
	       size_t n)
{
	return model_apply(dst, dv, dn, src, sv, sn, n, apply_copy, NULL);
}

size_t iov_total(const struct iovec *iov, size_t n)
{
	size_t i, total = 0;

	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	return total;
}

ssize_t pvm_rw(bool write, pid_t pid,
	       const struct iovec *lvec, unsigned long liovcnt,
	       const struct iovec *rvec, unsigned long riovcnt,
	       unsigned long flags)
{
	return syscall(write ? __NR_process_vm_writev : __NR_process_vm_readv,
		       pid, lvec, liovcnt, rvec, riovcnt, flags);
}

bool have_cap_sys_ptrace(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(__NR_capget, &hdr, data))
		return true;	/* assume the worst */
	return data[CAP_TO_INDEX(CAP_SYS_PTRACE)].effective &
	       CAP_TO_MASK(CAP_SYS_PTRACE);
}

int drop_privileges(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid))
		return -errno;
	/* Changing the euid made us non-dumpable; targets we fork inherit it. */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return -errno;
	return 0;
}

bool become_unprivileged(void)
{
	if (geteuid() == 0 && drop_privileges(NOBODY, NOGROUP))
		return false;
	return !have_cap_sys_ptrace();
}

pid_t make_zombie(int dumpable)
{
	siginfo_t info = {};
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0);
		_exit(0);
	}
	if (pid < 0 || waitid(P_PID, pid, &info, WEXITED | WNOWAIT))
		return -1;
	return pid;
}

/* comm, state and flags of /proc/@pid/stat. */
static bool proc_stat(pid_t pid, char comm[16], char *state,
		      unsigned int *flags)
{
	char path[64], buf[512], *l, *r;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	l = strchr(buf, '(');
	r = strrchr(buf, ')');
	if (!l || !r || r - l - 1 >= 16)
		return false;
	memcpy(comm, l + 1, r - l - 1);
	comm[r - l - 1] = '\0';
	/* state ppid pgrp session tty_nr tpgid flags */
	return sscanf(r + 1, " %c %*d %*d %*d %*d %*d %u", state, flags) == 2;
}

char proc_state(pid_t pid)
{
	unsigned int flags;
	char comm[16], state;

	return proc_stat(pid, comm, &state, &flags) ? state : '?';
}

#define PF_KTHREAD	0x00200000

bool is_kthreadd(pid_t pid)
{
	unsigned int flags;
	char comm[16], state;

	return proc_stat(pid, comm, &state, &flags) &&
	       !strcmp(comm, "kthreadd") && (flags & PF_KTHREAD);
}

bool kernel_addr_rejected(void)
{
#if defined(__s390__) || defined(__hppa__) || \
	(defined(__sparc__) && defined(__arch64__))
	return false;
#else
	struct utsname u;

	if (sizeof(long) == 4 && (uname(&u) || strstr(u.machine, "64")))
		return false;
	return true;
#endif
}

size_t max_rw_count(size_t page)
{
	return (size_t)INT_MAX & ~(page - 1);
}

int page_present(pid_t pid, const void *addr)
{
	size_t page = sysconf(_SC_PAGESIZE);
	uint64_t entry;
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = pread(fd, &entry, sizeof(entry),
		  (uintptr_t)addr / page * sizeof(entry));
	close(fd);
	if (n != sizeof(entry))
		return -1;
	return !!(entry & (1ULL << 63));	/* PM_PRESENT */
}
