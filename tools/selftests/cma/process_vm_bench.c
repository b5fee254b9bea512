// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel reduce against reduce in userspace, for an MPI-style reduction
 * of a buffer that lives in another process:
 *
 *  (a) one process_vm_readv() with PROCESS_VM_REDUCE(op, type) flags,
 *      which combines the target's elements into the local buffer;
 *  (b) a plain process_vm_readv() into a bounce buffer, then a plain
 *      loop (as -O2 compiles it) that combines the bounce buffer into the
 *      local buffer.
 *
 * For f64 SUM and u32 BXOR, at 4 KiB, 64 KiB, 1 MiB, 16 MiB and 64 MiB,
 * each path is repeated for a time budget (default 150 ms, so about 0.3 s
 * per cell), after one verified run of each: both must give the
 * elementwise result, bit for bit (the f64 values are finite, so no NaN
 * canonicalisation is involved). Prints ns per call for (a) and (b), their
 * ratio b/a (how many times faster the kernel is), and a summary per op.
 *
 * Usage: process_vm_bench [-b budget_ms] [-m max_size_mib]
 * Exit: 0 done, 1 a result was wrong or a call failed, 4 (skip) the kernel
 * lacks reduce. Installed with the kselftests, not run by them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
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
#include <sys/wait.h>

#include "kselftest.h"
#include "process_vm_util.h"

#define MAX_SIZE	(64 * SZ_1M)

static const size_t sizes[] = {
	4096, 64 * 1024, SZ_1M, 16 * SZ_1M, 64 * SZ_1M,
};

enum bench_op { F64_SUM, U32_BXOR, NR_OPS };

static const char *const op_name[NR_OPS] = { "f64 SUM", "u32 BXOR" };

static const unsigned long op_flags[NR_OPS] = {
	PROCESS_VM_REDUCE(SUM, F64), PROCESS_VM_REDUCE(BXOR, U32),
};

struct bench {
	pid_t pid;		/* the target */
	int cmd;		/* the target exits when this is closed */
	char *remote;		/* MAX_SIZE bytes, filled only in the target */
	char *local;
	char *bounce;
	long budget_ns;
};

/* What the target's buffer holds: finite doubles in [1, 2). */
static double remote_value(size_t i)
{
	return 1.0 + (double)((i * 7919) % 4096) / 4096.0;
}

/* What the local buffer starts from, as f64 and as u32 elements. */
static double local_f64(size_t i)
{
	return (double)(i & 1023) * 0.25;
}

static uint32_t local_u32(size_t i)
{
	return (uint32_t)i * 2654435761U;
}

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static int target_start(struct bench *b)
{
	int ready[2], cmd[2];
	char c;

	if (pipe(ready) || pipe(cmd))
		return -1;
	b->pid = fork();
	if (b->pid < 0)
		return -1;
	if (b->pid == 0) {
		double *r = (double *)b->remote;
		size_t i;

		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		close(ready[0]);
		close(cmd[1]);
		for (i = 0; i < MAX_SIZE / sizeof(double); i++)
			r[i] = remote_value(i);
		if (write(ready[1], "", 1) != 1)
			_exit(1);
		while (read(cmd[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(cmd[0]);
	b->cmd = cmd[1];
	if (read(ready[0], &c, 1) != 1)
		return -1;
	close(ready[0]);
	return 0;
}

static void target_end(struct bench *b)
{
	close(b->cmd);
	kill(b->pid, SIGKILL);
	waitpid(b->pid, NULL, 0);
}

static void local_init(struct bench *b, enum bench_op op, size_t size)
{
	size_t i;

	if (op == F64_SUM)
		for (i = 0; i < size / 8; i++)
			((double *)b->local)[i] = local_f64(i);
	else
		for (i = 0; i < size / 4; i++)
			((uint32_t *)b->local)[i] = local_u32(i);
}

/* (a): one call. */
static int run_kernel(struct bench *b, enum bench_op op, size_t size)
{
	struct iovec lv = { b->local, size }, rv = { b->remote, size };

	return pvm_rw(false, b->pid, &lv, 1, &rv, 1, op_flags[op]) ==
	       (ssize_t)size ? 0 : -1;
}

/* (b): a plain copy, then the loop. */
static int run_user(struct bench *b, enum bench_op op, size_t size)
{
	struct iovec lv = { b->bounce, size }, rv = { b->remote, size };
	size_t i;

	if (pvm_rw(false, b->pid, &lv, 1, &rv, 1, 0) != (ssize_t)size)
		return -1;
	if (op == F64_SUM) {
		double *l = (double *)b->local;
		const double *s = (const double *)b->bounce;

		for (i = 0; i < size / 8; i++)
			l[i] += s[i];
	} else {
		uint32_t *l = (uint32_t *)b->local;
		const uint32_t *s = (const uint32_t *)b->bounce;

		for (i = 0; i < size / 4; i++)
			l[i] ^= s[i];
	}
	return 0;
}

/* After one run from local_init(): every element exactly as expected. */
static int verify(struct bench *b, enum bench_op op, size_t size)
{
	size_t i;

	if (op == F64_SUM) {
		for (i = 0; i < size / 8; i++) {
			double want = local_f64(i) + remote_value(i);

			if (memcmp(&want, &((double *)b->local)[i], 8))
				return -1;
		}
		return 0;
	}
	for (i = 0; i < size / 4; i++) {
		double v = remote_value(i / 2);
		uint32_t half;

		/* The remote u32 elements are the halves of its doubles. */
		memcpy(&half, (char *)&v + 4 * (i & 1), 4);
		if (((uint32_t *)b->local)[i] != (local_u32(i) ^ half))
			return -1;
	}
	return 0;
}

typedef int (*bench_fn)(struct bench *b, enum bench_op op, size_t size);

/* One run of @fn from local_init(), verified: 0, or -1 (reported). */
static int check_once(struct bench *b, bench_fn fn, enum bench_op op,
		      size_t size)
{
	const char *path = fn == run_kernel ? "(a) in-kernel" : "(b) userspace";

	local_init(b, op, size);
	if (fn(b, op, size)) {
		printf("%s %s, %zu bytes: the call failed: %s\n", op_name[op],
		       path, size, strerror(errno));
		return -1;
	}
	if (verify(b, op, size)) {
		printf("%s %s, %zu bytes: wrong result\n", op_name[op], path,
		       size);
		return -1;
	}
	return 0;
}

/* ns per call of @fn, repeated for the budget; -1 on failure. */
static double time_calls(struct bench *b, bench_fn fn, enum bench_op op,
			 size_t size, unsigned long *calls)
{
	long start = now_ns(), elapsed;
	unsigned long n = 0;

	do {
		if (fn(b, op, size))
			return -1;
		n++;
		elapsed = now_ns() - start;
	} while (elapsed < b->budget_ns);
	*calls = n;
	return (double)elapsed / n;
}

static void size_name(char *buf, size_t len, size_t size)
{
	if (size >= SZ_1M)
		snprintf(buf, len, "%zu MiB", size / SZ_1M);
	else
		snprintf(buf, len, "%zu KiB", size / 1024);
}

int main(int argc, char **argv)
{
	double log_sum[NR_OPS] = {}, lo[NR_OPS], hi[NR_OPS];
	size_t max_size = MAX_SIZE, i;
	struct bench b = { .budget_ns = 150 * 1000000L };
	unsigned int cells[NR_OPS] = {};
	int opt, op, ret = KSFT_PASS;

	while ((opt = getopt(argc, argv, "b:m:")) != -1) {
		switch (opt) {
		case 'b':
			b.budget_ns = atol(optarg) * 1000000L;
			break;
		case 'm':
			max_size = strtoul(optarg, NULL, 0) * SZ_1M;
			break;
		default:
			fprintf(stderr, "usage: %s [-b ms] [-m max_mib]\n",
				argv[0]);
			return KSFT_FAIL;
		}
	}
	for (op = 0; op < NR_OPS; op++) {
		if (pvm_rw(false, 0, NULL, 0, NULL, 0, op_flags[op])) {
			printf("process_vm_bench: kernel lacks reduce (%s: %s)\n",
			       op_name[op], strerror(errno));
			return KSFT_SKIP;
		}
	}

	b.remote = mmap(NULL, MAX_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (b.remote == MAP_FAILED || target_start(&b)) {
		perror("process_vm_bench: target");
		return KSFT_FAIL;
	}
	b.local = mmap(NULL, MAX_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	b.bounce = mmap(NULL, MAX_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (b.local == MAP_FAILED || b.bounce == MAP_FAILED) {
		perror("process_vm_bench: mmap");
		target_end(&b);
		return KSFT_FAIL;
	}

	printf("%-8s %-9s %14s %14s %8s  (budget %ld ms per path)\n", "size",
	       "op", "(a) kernel ns", "(b) user ns", "b/a", b.budget_ns / 1000000);
	for (i = 0; i < ARRAY_SIZE(sizes) && sizes[i] <= max_size; i++) {
		for (op = 0; op < NR_OPS; op++) {
			unsigned long na = 0, nb = 0;
			double ta, tb;
			char name[24];

			size_name(name, sizeof(name), sizes[i]);
			/* One verified run of each path first. */
			if (check_once(&b, run_kernel, op, sizes[i]) ||
			    check_once(&b, run_user, op, sizes[i])) {
				ret = KSFT_FAIL;
				continue;
			}
			ta = time_calls(&b, run_kernel, op, sizes[i], &na);
			tb = time_calls(&b, run_user, op, sizes[i], &nb);
			if (ta <= 0 || tb <= 0) {
				printf("%-8s %-9s a call failed: %s\n", name,
				       op_name[op], strerror(errno));
				ret = KSFT_FAIL;
				continue;
			}
			printf("%-8s %-9s %14.0f %14.0f %7.2fx faster in-kernel (%lu, %lu calls)\n",
			       name, op_name[op], ta, tb, tb / ta, na, nb);
			fflush(stdout);
			if (!cells[op] || tb / ta < lo[op])
				lo[op] = tb / ta;
			if (!cells[op] || tb / ta > hi[op])
				hi[op] = tb / ta;
			log_sum[op] += log(tb / ta);
			cells[op]++;
		}
	}
	/* The geometric mean of the ratios, and their range. */
	for (op = 0; op < NR_OPS; op++)
		if (cells[op])
			printf("summary: %-9s %.2fx faster in-kernel (%u sizes: %.2fx to %.2fx)\n",
			       op_name[op], exp(log_sum[op] / cells[op]),
			       cells[op], lo[op], hi[op]);
	target_end(&b);
	return ret;
}
