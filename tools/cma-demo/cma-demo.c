/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cma-demo: one copy between two processes with libcma.
 *
 *   cma-demo [SIZE]     SIZE in bytes, with an optional K, M or G suffix
 *                       (powers of 1024); 64M by default.
 *
 * A child maps SIZE bytes, fills them with a known pattern and sends the
 * address, size and checksum over a pipe, as an MPI peer would announce a
 * buffer. The parent pulls the buffer with cma_read(), checks it, pushes a
 * transformed copy (every byte XOR 0x5a) back with cma_write(), and the child
 * checks that. One line per step; exit status 0 only if every check passed.
 */
#include <cma/cma.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_SIZE (64ULL << 20)
#define TRANSFORM 0x5a
#define PATTERN_SEED 0x243f6a8885a308d3ULL

/* What the child announces, and what it reports after its check. */
struct announce {
	uint64_t address;
	uint64_t size;
	uint64_t checksum;
};

struct verdict {
	uint64_t ok;
	uint64_t checksum;
};

static uint8_t pattern_byte(uint64_t i)
{
	uint64_t x = (i >> 3) + PATTERN_SEED;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (uint8_t)(x >> ((i & 7) * 8));
}

static void fill_pattern(uint8_t *buf, size_t size, uint8_t xor_with)
{
	for (size_t i = 0; i < size; i++)
		buf[i] = pattern_byte(i) ^ xor_with;
}

/* Index of the first byte that is not pattern ^ xor_with, or size. */
static size_t find_mismatch(const uint8_t *buf, size_t size, uint8_t xor_with)
{
	for (size_t i = 0; i < size; i++)
		if (buf[i] != (uint8_t)(pattern_byte(i) ^ xor_with))
			return i;
	return size;
}

/* FNV-1a, 64 bit. */
static uint64_t checksum(const uint8_t *buf, size_t size)
{
	uint64_t hash = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < size; i++)
		hash = (hash ^ buf[i]) * 0x100000001b3ULL;
	return hash;
}

/* All of @len bytes through a pipe, or -1. */
static int pipe_io(int fd, void *data, size_t len, int writing)
{
	char *p = data;

	while (len > 0) {
		ssize_t n = writing ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_full(int fd, void *data, size_t len)
{
	return pipe_io(fd, data, len, 1);
}

static int read_full(int fd, void *data, size_t len)
{
	return pipe_io(fd, data, len, 0);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_size(const char *arg, size_t *size)
{
	unsigned long long value;
	unsigned int shift;
	char *end;

	errno = 0;
	value = strtoull(arg, &end, 10);
	if (errno != 0 || end == arg)
		return -1;
	if (*end != '\0') {
		const char *units = "KMG";
		const char *unit = strchr(units, toupper((unsigned char)*end));

		if (unit == NULL)
			return -1;
		shift = 10 * (unsigned int)(unit - units + 1);
		if (value > (ULLONG_MAX >> shift))
			return -1;
		value <<= shift;
		end++;
	}
	if (*end != '\0' || value == 0 || value > (unsigned long long)SSIZE_MAX)
		return -1;
	*size = (size_t)value;
	return 0;
}

/* The peer: announce a patterned buffer, then check what the parent wrote. */
static int child_main(size_t size, int from_parent, int to_parent)
{
	struct announce hello;
	struct verdict result;
	uint64_t go;
	uint8_t *buf;

	buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 1;
	fill_pattern(buf, size, 0);
	hello.address = (uint64_t)(uintptr_t)buf;
	hello.size = size;
	hello.checksum = checksum(buf, size);
	if (write_full(to_parent, &hello, sizeof(hello)) < 0)
		return 1;

	/* The parent has pulled the buffer and pushed the transformed copy. */
	if (read_full(from_parent, &go, sizeof(go)) < 0)
		return 1;
	result.ok = find_mismatch(buf, size, TRANSFORM) == size;
	result.checksum = checksum(buf, size);
	if (write_full(to_parent, &result, sizeof(result)) < 0)
		return 1;
	return result.ok ? 0 : 1;
}

static void report(const char *step, ssize_t ret, size_t size, double seconds, uint64_t sum, int ok)
{
	printf("%-9s: %zu bytes requested, %zd moved, %.2f ms, %.1f MB/s, checksum %016" PRIx64 " %s\n",
	       step, size, ret, seconds * 1e3, ret > 0 ? (double)ret / seconds / 1e6 : 0.0, sum,
	       ok ? "OK" : "MISMATCH");
}

int main(int argc, char **argv)
{
	int to_child[2], to_parent[2];
	struct cma_process *proc = NULL;
	struct announce hello;
	struct verdict result;
	size_t size = DEFAULT_SIZE, bad;
	uint8_t *local = NULL;
	int status, ok = 0;
	uint64_t sum, go = 1;
	double start, seconds;
	ssize_t ret;
	pid_t pid;

	if (argc > 2 || (argc == 2 && parse_size(argv[1], &size) < 0)) {
		fprintf(stderr, "usage: %s [SIZE[K|M|G]]   (default 64M)\n", argv[0]);
		return 2;
	}
	if (pipe(to_child) < 0 || pipe(to_parent) < 0) {
		perror("cma-demo: pipe");
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("cma-demo: fork");
		return 1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(to_child[1]);
		close(to_parent[0]);
		_exit(child_main(size, to_child[0], to_parent[1]));
	}
	close(to_child[0]);
	close(to_parent[1]);

	if (read_full(to_parent[0], &hello, sizeof(hello)) < 0 || hello.size != size) {
		fprintf(stderr, "cma-demo: the peer did not announce its buffer\n");
		goto out;
	}
	printf("peer     : pid %d filled %zu bytes (%.1f MiB) at 0x%" PRIx64 ", checksum %016" PRIx64 "\n",
	       (int)pid, size, (double)size / (1 << 20), hello.address, hello.checksum);

	ret = cma_process_open(pid, 0, &proc);
	if (ret < 0) {
		fprintf(stderr, "cma-demo: cma_process_open: %s\n", strerror((int)-ret));
		goto out;
	}
	/* Fault the destination in first, so that the rate is the copy's. */
	local = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (local == MAP_FAILED) {
		local = NULL;
		perror("cma-demo: mmap");
		goto out;
	}
	memset(local, 0, size);

	start = now_seconds();
	ret = cma_read(proc, local, (const void *)(uintptr_t)hello.address, size, 0);
	seconds = now_seconds() - start;
	if (ret < 0) {
		fprintf(stderr, "cma-demo: cma_read: %s\n", strerror((int)-ret));
		goto out;
	}
	sum = checksum(local, size);
	bad = find_mismatch(local, size, 0);
	report("cma_read", ret, size, seconds, sum, (size_t)ret == size && bad == size && sum == hello.checksum);
	if ((size_t)ret != size || bad != size || sum != hello.checksum) {
		if (bad != size)
			fprintf(stderr, "cma-demo: first wrong byte at offset %zu\n", bad);
		goto out;
	}

	for (size_t i = 0; i < size; i++)
		local[i] ^= TRANSFORM;
	sum = checksum(local, size);
	start = now_seconds();
	ret = cma_write(proc, local, (void *)(uintptr_t)hello.address, size, 0);
	seconds = now_seconds() - start;
	if (ret < 0) {
		fprintf(stderr, "cma-demo: cma_write: %s\n", strerror((int)-ret));
		goto out;
	}
	if (write_full(to_child[1], &go, sizeof(go)) < 0 || read_full(to_parent[0], &result, sizeof(result)) < 0) {
		fprintf(stderr, "cma-demo: the peer did not report its check\n");
		goto out;
	}
	report("cma_write", ret, size, seconds, result.checksum,
	       (size_t)ret == size && result.ok && result.checksum == sum);
	if ((size_t)ret != size || !result.ok || result.checksum != sum)
		goto out;
	ok = 1;
out:
	cma_process_close(proc);
	if (local)
		munmap(local, size);
	close(to_child[1]);
	if (waitpid(pid, &status, 0) == pid && ok && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
		fprintf(stderr, "cma-demo: the peer exited with status %d\n", status);
		ok = 0;
	}
	printf("cma-demo : %s\n", ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
}
