/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cma-pingpong: the MPI ping-pong benchmark between two processes, with
 * libcma as the single-copy transport.
 *
 *   cma-pingpong [--max-size SIZE] [--iterations N]
 *
 * Two ranks (this process and a fork child) bounce a message back and forth
 * for each size from 1 byte to SIZE (64M by default; K, M and G suffixes are
 * powers of 1024), as MPI's rendezvous protocol does it over CMA: the sender
 * posts the address and length of its buffer in a shared mailbox, the
 * receiver pulls the data with cma_read() and then posts its own message,
 * which also tells the first rank that its buffer is free again. Each line
 * gives the one-way latency (half a round trip) and the bandwidth that
 * implies. Large messages are split across the CPUs by a libcma context.
 *
 * Each rank opens the other from a pidfd where it can. Before the child
 * reads from its parent, the parent names it with prctl(PR_SET_PTRACER):
 * under Yama's ptrace_scope 1 a child may not otherwise access its parent.
 * If CMA does not work here, cma_probe() says why, and the program exits
 * with status 77.
 */
#define _GNU_SOURCE

#include <cma/cma.h>

#include <errno.h>
#include <signal.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_SKIP 77

/* One mailbox per rank: where its current message is. */
struct mailbox {
	_Atomic uint64_t seq; /* messages posted */
	uint64_t address;
	uint64_t length;
};

struct shared {
	_Atomic int allowed;    /* rank 0 has named rank 1 its ptracer */
	_Atomic int ready;      /* ranks that have set up */
	_Atomic int failed;     /* a rank gave up */
	struct mailbox box[2];
};

struct rank {
	int id;
	struct shared *shared;
	struct cma_process *peer;
	struct cma_context *pool;
	unsigned char *send;
	unsigned char *recv;
};

static void relax(unsigned *rounds)
{
	if (++*rounds < 4096) {
#if defined(__x86_64__)
		__builtin_ia32_pause();
#endif
	} else {
		sched_yield(); /* the peer may need this CPU */
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned char pattern(size_t i, uint64_t seq)
{
	return (unsigned char)((i * 2654435761u) ^ (seq * 40503u) ^ (i >> 11));
}

/* Posts @len bytes of our send buffer as message number @seq. */
static void post(struct rank *r, size_t len, uint64_t seq)
{
	struct mailbox *box = &r->shared->box[r->id];

	box->address = (uint64_t)(uintptr_t)r->send;
	box->length = len;
	atomic_store_explicit(&box->seq, seq, memory_order_release);
}

/* Waits for the peer's message number @seq and pulls it; 0 or -errno. */
static int receive(struct rank *r, uint64_t seq)
{
	struct mailbox *box = &r->shared->box[1 - r->id];
	unsigned rounds = 0;
	ssize_t got;

	while (atomic_load_explicit(&box->seq, memory_order_acquire) < seq) {
		if (atomic_load_explicit(&r->shared->failed, memory_order_relaxed))
			return -ECANCELED;
		relax(&rounds);
	}
	got = cma_read(r->peer, r->recv, (const void *)(uintptr_t)box->address, (size_t)box->length, 0);
	if (got < 0)
		return (int)got;
	return (uint64_t)got == box->length ? 0 : -EIO;
}

static int check(const struct rank *r, size_t len, uint64_t seq)
{
	for (size_t i = 0; i < len; i++)
		if (r->recv[i] != pattern(i, seq))
			return 0;
	return 1;
}

/*
 * @iterations round trips of @len bytes. Rank 0 sends odd-numbered
 * messages, rank 1 even ones; the last message of each rank carries a
 * pattern the other checks. Returns 0 or -errno, and the seconds taken.
 */
static int pingpong(struct rank *r, size_t len, unsigned iterations, uint64_t *seq, double *seconds)
{
	double start = now();
	int err;

	for (unsigned i = 0; i < iterations; i++) {
		uint64_t ping = *seq + 1, pong = *seq + 2;
		int last = i + 1 == iterations;

		if (r->id == 0) {
			if (last)
				for (size_t k = 0; k < len; k++)
					r->send[k] = pattern(k, ping);
			post(r, len, ping);
			err = receive(r, pong);
			if (err == 0 && last && !check(r, len, pong))
				err = -EBADMSG;
		} else {
			err = receive(r, ping);
			if (err == 0 && last && !check(r, len, ping))
				err = -EBADMSG;
			if (err == 0 && last)
				for (size_t k = 0; k < len; k++)
					r->send[k] = pattern(k, pong);
			if (err == 0)
				post(r, len, pong);
		}
		if (err < 0)
			return err;
		*seq = pong;
	}
	*seconds = now() - start;
	return 0;
}

/* A handle on @pid, from a pidfd if the kernel has pidfd_open. */
static int open_peer(pid_t pid, struct cma_process **out)
{
	long pidfd = syscall(SYS_pidfd_open, pid, 0);
	int err;

	if (pidfd < 0)
		return cma_process_open(pid, 0, out);
	err = cma_process_open_pidfd((int)pidfd, 0, out);
	close((int)pidfd);
	return err;
}

/* SIZE with an optional K, M or G suffix (powers of 1024). */
static size_t parse_size(const char *text)
{
	static const char suffixes[] = "KMG";
	char *end;
	unsigned long long value = strtoull(text, &end, 10);
	const char *suffix = *end != '\0' ? strchr(suffixes, *end) : NULL;

	if (suffix != NULL)
		value <<= 10 * (suffix - suffixes + 1);
	return (size_t)value;
}

/* Runs rank @id against @peer_pid; returns the exit status. */
static int run_rank(int id, pid_t peer_pid, struct shared *shared, size_t max_size, unsigned iterations)
{
	struct rank r = { .id = id, .shared = shared, .send = MAP_FAILED, .recv = MAP_FAILED };
	struct cma_probe_result probe;
	uint64_t seq = 0;
	unsigned rounds = 0;
	int status = 1, err;

	r.send = mmap(NULL, max_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	r.recv = mmap(NULL, max_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (r.send == MAP_FAILED || r.recv == MAP_FAILED) {
		perror("mmap");
		goto out;
	}
	err = open_peer(peer_pid, &r.peer);
	if (err < 0) {
		fprintf(stderr, "rank %d: cannot open pid %d: %s\n", id, (int)peer_pid, strerror(-err));
		goto out;
	}
	if (cma_probe(r.peer, &probe) == 0 && probe.error != 0) {
		fprintf(stderr, "rank %d: CMA does not work here: %s\n", id, probe.message);
		status = EXIT_SKIP;
		goto out;
	}
	if (id == 0)
		printf("%s\n", probe.message);
	if (cma_context_create(0, 0, &r.pool) == 0)
		(void)cma_process_set_context(r.peer, r.pool);

	atomic_fetch_add(&shared->ready, 1);
	while (atomic_load(&shared->ready) < 2) {
		if (atomic_load(&shared->failed))
			goto out;
		relax(&rounds);
	}
	if (id == 0)
		printf("%12s %10s %14s %14s\n", "bytes", "round trips", "latency (us)", "bandwidth (MB/s)");
	for (size_t len = 1; len <= max_size; len *= 4) {
		unsigned n = len >= (1u << 20) ? (iterations + 9) / 10 : iterations;
		double seconds = 0;

		/* A warm-up round trip, then the measured ones. */
		err = pingpong(&r, len, 1, &seq, &seconds);
		if (err == 0)
			err = pingpong(&r, len, n, &seq, &seconds);
		if (err < 0) {
			fprintf(stderr, "rank %d: %zu bytes: %s\n", id, len, strerror(-err));
			goto out;
		}
		if (id == 0) {
			double one_way = seconds / n / 2;

			printf("%12zu %10u %14.2f %14.1f\n", len, n, one_way * 1e6, (double)len / one_way / 1e6);
			fflush(stdout);
		}
	}
	/* Rank 1's last message is pulled after rank 1 has posted it: it may
	 * unmap its buffers only once rank 0 says it is done. */
	if (id == 0) {
		post(&r, 0, seq + 1);
	} else {
		rounds = 0;
		while (atomic_load_explicit(&shared->box[0].seq, memory_order_acquire) < seq + 1) {
			if (atomic_load(&shared->failed))
				goto out;
			relax(&rounds);
		}
	}
	status = 0;
out:
	if (status != 0)
		atomic_store(&shared->failed, 1);
	cma_process_close(r.peer);
	cma_context_destroy(r.pool);
	if (r.send != MAP_FAILED)
		munmap(r.send, max_size);
	if (r.recv != MAP_FAILED)
		munmap(r.recv, max_size);
	return status;
}

int main(int argc, char **argv)
{
	size_t max_size = (size_t)64 << 20;
	unsigned iterations = 1000;
	struct shared *shared;
	pid_t parent = getpid(), child;
	int status = 0, wstatus = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--max-size") == 0 && i + 1 < argc) {
			max_size = parse_size(argv[++i]);
		} else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
			iterations = (unsigned)strtoul(argv[++i], NULL, 10);
		} else {
			fprintf(stderr, "usage: %s [--max-size SIZE] [--iterations N]\n", argv[0]);
			return 2;
		}
	}
	if (max_size == 0 || iterations == 0) {
		fprintf(stderr, "cma-pingpong: SIZE and N must be positive\n");
		return 2;
	}

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	fflush(stdout);
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		unsigned rounds = 0;

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		while (!atomic_load(&shared->allowed))
			relax(&rounds);
		_exit(run_rank(1, parent, shared, max_size, iterations));
	}
	/* Let the child read our memory under Yama ptrace_scope 1 (EINVAL
	 * without Yama: nothing to allow). */
	(void)prctl(PR_SET_PTRACER, child, 0, 0, 0);
	atomic_store(&shared->allowed, 1);
	status = run_rank(0, child, shared, max_size, iterations);
	if (waitpid(child, &wstatus, 0) != child || !WIFEXITED(wstatus)) {
		fprintf(stderr, "cma-pingpong: rank 1 died\n");
		return 1;
	}
	if (status == 0)
		status = WEXITSTATUS(wstatus);
	return status;
}
