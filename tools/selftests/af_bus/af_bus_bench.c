// SPDX-License-Identifier: GPL-2.0
/*
 * Ping-pong between two processes: AF_BUS unicast between two joined peers
 * against an AF_UNIX SOCK_SEQPACKET socketpair, the floor any local
 * datagram IPC is measured against. Rounds of the two alternate in one run
 * so that both see the same machine; the medians and their ratio are
 * printed. Not a pass/fail test: it exits 0 unless it cannot run (4 when
 * the kernel has no AF_BUS).
 *
 * Usage: af_bus_bench [-n round trips per round] [-r rounds] [-s size]
 * (size: 1 to 65536 bytes, default 64)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "../kselftest.h"
#include "af_bus_util.h"

/* Up to 64 KiB: above one head allocation (about 16 KiB) AF_BUS builds
 * the message in page fragments, a path worth measuring on its own.
 */
#define MAX_SIZE	65536
#define MAX_ROUNDS	101

struct pingpong {
	int fd;		/* this side's socket */
	uint64_t peer;	/* AF_BUS: the other side's address */
	bool bus;
};

static ssize_t pp_send(struct pingpong *pp, const void *buf, size_t len)
{
	if (pp->bus)
		return bus_send(pp->fd, pp->peer, buf, len, 0);
	return send(pp->fd, buf, len, MSG_NOSIGNAL) < 0 ? -errno : (ssize_t)len;
}

static ssize_t pp_recv(struct pingpong *pp, void *buf, size_t len)
{
	ssize_t n = recv(pp->fd, buf, len, 0);

	return n < 0 ? -errno : n;
}

/* The echo side: send back what comes in; a zero-length message ends it. */
static pid_t start_echo(struct pingpong *pp)
{
	static char buf[MAX_SIZE];
	pid_t pid = fork();
	ssize_t n;

	if (pid)
		return pid;
	for (;;) {
		n = pp_recv(pp, buf, sizeof(buf));
		if (n <= 0)
			_exit(n < 0);
		if (pp_send(pp, buf, n) != n)
			_exit(1);
	}
}

/* Mean round trip of @iters ping-pongs, in nanoseconds; 0 on error. */
static double run_round(struct pingpong *pp, int iters, size_t size)
{
	static char buf[MAX_SIZE];
	uint64_t t0 = now_ns();
	int i;

	for (i = 0; i < iters; i++) {
		if (pp_send(pp, buf, size) != (ssize_t)size ||
		    pp_recv(pp, buf, sizeof(buf)) != (ssize_t)size)
			return 0;
	}
	return (double)(now_ns() - t0) / iters;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	int iters = 2000, rounds = 11, size = 64, opt, sv[2], i;
	double bus_ns[MAX_ROUNDS], unix_ns[MAX_ROUNDS], bus_med, unix_med;
	struct pingpong bus_ping, bus_echo, unix_ping, unix_echo;
	struct bus_peer a, b;
	struct bus_master m;
	pid_t bus_pid, unix_pid;
	int err;

	while ((opt = getopt(argc, argv, "n:r:s:")) != -1) {
		switch (opt) {
		case 'n':
			iters = atoi(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 's':
			size = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-n iters] [-r rounds] [-s size]\n",
				argv[0]);
			return 1;
		}
	}
	if (iters < 1 || rounds < 1 || rounds > MAX_ROUNDS || size < 1 ||
	    size > MAX_SIZE) {
		fprintf(stderr, "bad arguments\n");
		return 1;
	}
	if (!bus_supported()) {
		printf("AF_BUS is not supported by this kernel\n");
		return KSFT_SKIP;
	}

	err = bus_master_open(&m, false, 0, 0);
	if (!err)
		err = bus_peer_connect(&m, &a, true);
	if (!err)
		err = bus_peer_connect(&m, &b, true);
	if (err || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		fprintf(stderr, "setup failed: %s\n", strerror(err ? -err : errno));
		return 1;
	}
	bus_ping = (struct pingpong){ .fd = a.fd, .peer = b.addr, .bus = true };
	bus_echo = (struct pingpong){ .fd = b.fd, .peer = a.addr, .bus = true };
	unix_ping = (struct pingpong){ .fd = sv[0] };
	unix_echo = (struct pingpong){ .fd = sv[1] };
	bus_pid = start_echo(&bus_echo);
	unix_pid = start_echo(&unix_echo);
	if (bus_pid < 0 || unix_pid < 0) {
		perror("fork");
		return 1;
	}

	/* A warm-up round of each, then alternate. */
	run_round(&bus_ping, iters / 10 + 1, size);
	run_round(&unix_ping, iters / 10 + 1, size);
	for (i = 0; i < rounds; i++) {
		bus_ns[i] = run_round(&bus_ping, iters, size);
		unix_ns[i] = run_round(&unix_ping, iters, size);
		if (!bus_ns[i] || !unix_ns[i]) {
			fprintf(stderr, "round %d failed\n", i);
			kill(bus_pid, SIGKILL);
			kill(unix_pid, SIGKILL);
			return 1;
		}
	}
	pp_send(&bus_ping, NULL, 0);
	pp_send(&unix_ping, NULL, 0);
	waitpid(bus_pid, NULL, 0);
	waitpid(unix_pid, NULL, 0);

	bus_med = median(bus_ns, rounds);
	unix_med = median(unix_ns, rounds);
	printf("%d-byte ping-pong, %d rounds x %d round trips, medians:\n",
	       size, rounds, iters);
	printf("  af_bus unicast (two joined peers):  %10.0f ns/round trip\n",
	       bus_med);
	printf("  af_unix seqpacket socketpair:       %10.0f ns/round trip\n",
	       unix_med);
	printf("  ratio af_bus/af_unix: %.2f (target <= 1.30)\n",
	       bus_med / unix_med);

	bus_peer_close(&a);
	bus_peer_close(&b);
	bus_master_close(&m);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
