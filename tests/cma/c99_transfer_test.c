/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <cma/cma.h> from strict C99 (-std=c99 -pedantic), linked against the shared
 * libcma.so: one real read and one real write against a forked child, and
 * the -errno convention; then the 0.2 interface: a handle from a pidfd, the
 * probe, a context splitting a 1 MiB read, a reduction and CMA_NOWAIT.
 * Exit status 0 on success, 1 on failure.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* syscall(), for pidfd_open */

#include <cma/cma.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define BUFFER_SIZE 65536
#define BIG_SIZE (1 << 20)
#define INTS 1000

/* Same address in parent and child: the child's copy is the remote memory. */
static unsigned char buffer[BUFFER_SIZE];
static unsigned char big[BIG_SIZE];
static int32_t ints[INTS];

static unsigned char pattern(size_t i, unsigned salt)
{
	return (unsigned char)((i * 131u + (i >> 9) + salt) & 0xffu);
}

static int check(const unsigned char *buf, size_t len, unsigned salt)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != pattern(i, salt))
			return 0;
	return 1;
}

static int child_main(int from_parent, int to_parent)
{
	size_t i;
	char token = 'r';

	for (i = 0; i < BUFFER_SIZE; i++)
		buffer[i] = pattern(i, 1);
	for (i = 0; i < BIG_SIZE; i++)
		big[i] = pattern(i, 3);
	for (i = 0; i < INTS; i++)
		ints[i] = (int32_t)i * 1000;
	if (write(to_parent, &token, 1) != 1 || read(from_parent, &token, 1) != 1)
		return 1;
	/* The parent has written pattern 2 into our buffer by now. */
	return check(buffer, BUFFER_SIZE, 2) ? 0 : 1;
}

#define FAIL(...)                                 \
	do {                                      \
		fprintf(stderr, "FAIL: " __VA_ARGS__); \
		goto out;                         \
	} while (0)

/* The 0.2 interface against the child @pid; 1 if all went well. */
static int version_0_2(pid_t pid)
{
	static unsigned char local[BIG_SIZE];
	static int32_t sums[INTS];
	struct cma_process *proc = NULL;
	struct cma_context *ctx = NULL;
	struct cma_probe_result probe;
	long pidfd;
	ssize_t ret;
	size_t i;
	int ok = 0;

	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		FAIL("pidfd_open: %s\n", strerror(errno));
	if (cma_process_open_pidfd((int)pidfd, 0, &proc) != 0)
		FAIL("cma_process_open_pidfd\n");
	close((int)pidfd); /* the handle has its own */
	if (cma_process_pid(proc) != pid)
		FAIL("cma_process_pid of a pidfd handle\n");

	if (cma_probe(proc, &probe) != 0 || probe.error != 0 || probe.reason != CMA_REASON_OK)
		FAIL("cma_probe: %s\n", probe.message ? probe.message : "(no message)");
	printf("probe: %s\n", probe.message);

	if (cma_context_create(2, 0, &ctx) != 0 || cma_context_threads(ctx) != 2)
		FAIL("cma_context_create\n");
	if (cma_context_set_threshold(ctx, (size_t)256 * 1024) != 0 || cma_process_set_context(proc, ctx) != 0)
		FAIL("context setup\n");
	ret = cma_read(proc, local, big, BIG_SIZE, 0);
	if (ret != BIG_SIZE || !check(local, BIG_SIZE, 3))
		FAIL("split cma_read returned %ld\n", (long)ret);

	for (i = 0; i < INTS; i++)
		sums[i] = 7;
	ret = cma_read(proc, sums, ints, sizeof(sums), CMA_REDUCE(SUM, S32));
	if (ret != (ssize_t)sizeof(sums))
		FAIL("reduce returned %ld\n", (long)ret);
	for (i = 0; i < INTS; i++)
		if (sums[i] != (int32_t)i * 1000 + 7)
			FAIL("reduce: element %lu is %ld\n", (unsigned long)i, (long)sums[i]);
	if (cma_read(proc, sums, ints, sizeof(sums), CMA_REDUCE(BAND, F32)) != -EINVAL)
		FAIL("bitwise float reduce\n");

	ret = cma_read(proc, local, buffer, BUFFER_SIZE, CMA_NOWAIT);
	if ((probe.features & CMA_FEATURE_NOWAIT) ? ret != BUFFER_SIZE : ret != -EOPNOTSUPP)
		FAIL("CMA_NOWAIT returned %ld\n", (long)ret);
	ok = 1;
	printf("ok: C99 pidfd handle, probe, split read, reduce, nowait\n");
out:
	cma_process_close(proc);
	cma_context_destroy(ctx);
	return ok;
}

int main(void)
{
	static unsigned char local[BUFFER_SIZE];
	int to_child[2], to_parent[2];
	struct cma_process *proc = NULL;
	struct iovec liov[2], riov[1];
	int status = 0, ok = 0;
	ssize_t ret;
	size_t i;
	pid_t pid;
	char token;

	if (pipe(to_child) < 0 || pipe(to_parent) < 0) {
		perror("pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(child_main(to_child[0], to_parent[1]));
	}
	if (read(to_parent[0], &token, 1) != 1)
		FAIL("child did not start\n");

	if (cma_process_open(pid, 0, &proc) != 0)
		FAIL("cma_process_open\n");
	if (cma_process_pid(proc) != pid)
		FAIL("cma_process_pid\n");

	/* Errors come back as -errno, not through errno. */
	if (cma_readv(NULL, NULL, 0, NULL, 0, 0) != -EINVAL)
		FAIL("NULL handle\n");
	if (cma_readv(proc, NULL, 1, NULL, 0, 0) != -EINVAL)
		FAIL("NULL list with a count\n");
	if (cma_read(proc, local, buffer, sizeof(local), 1) != -EINVAL)
		FAIL("unknown flag\n");

	liov[0].iov_base = local;
	liov[0].iov_len = 1000;
	liov[1].iov_base = local + 1000;
	liov[1].iov_len = BUFFER_SIZE - 1000;
	riov[0].iov_base = buffer;
	riov[0].iov_len = BUFFER_SIZE;
	ret = cma_readv(proc, liov, 2, riov, 1, 0);
	if (ret != BUFFER_SIZE)
		FAIL("cma_readv returned %ld: %s\n", (long)ret, ret < 0 ? strerror((int)-ret) : "short");
	if (!check(local, BUFFER_SIZE, 1))
		FAIL("cma_readv: wrong bytes\n");

	for (i = 0; i < BUFFER_SIZE; i++)
		local[i] = pattern(i, 2);
	ret = cma_write(proc, local, buffer, BUFFER_SIZE, 0);
	if (ret != BUFFER_SIZE)
		FAIL("cma_write returned %ld: %s\n", (long)ret, ret < 0 ? strerror((int)-ret) : "short");

	if (!version_0_2(pid))
		goto out;

	token = 'c';
	if (write(to_child[1], &token, 1) != 1 || waitpid(pid, &status, 0) != pid)
		FAIL("child lost\n");
	pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		FAIL("child saw wrong bytes after cma_write\n");
	ok = 1;
	printf("ok: C99 cma_readv + cma_write of %d bytes\n", BUFFER_SIZE);
out:
	cma_process_close(proc);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return ok ? 0 : 1;
}
