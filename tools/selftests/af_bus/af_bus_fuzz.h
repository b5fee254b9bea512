/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What af_bus_fuzz_test.c shares with af_bus_fuzz_nfdbus.c, its nfdbus part
 * (built only where the nfdbus selftests are: the Makefile defines
 * AF_BUS_FUZZ_NFDBUS then): the per-thread random stream and the helpers
 * that make addresses and report violations.
 */
#ifndef AF_BUS_FUZZ_H
#define AF_BUS_FUZZ_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "af_bus_util.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* The most iovec segments an operation uses (above UIO_MAXIOV: EMSGSIZE). */
#define FUZZ_IOV_MAX		1030

#define SBUS_PATH_OFF		offsetof(struct sockaddr_bus, sbus_path)

struct fuzz_thread {
	uint64_t rng;
	int idx;
	int slot;		/* the slot with_slot() handed to the op */
	uint8_t *big;		/* BUS_MAX_MSGSIZE + a page, for big sends */
	struct iovec iov[FUZZ_IOV_MAX];
};

/* Random numbers: splitmix64, one stream per thread, so a seed replays. */

static inline uint64_t rnd64(struct fuzz_thread *t)
{
	uint64_t z = (t->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline unsigned int rnd(struct fuzz_thread *t, unsigned int n)
{
	return n ? rnd64(t) % n : 0;
}

/* true one time in @n */
static inline bool one_in(struct fuzz_thread *t, unsigned int n)
{
	return rnd(t, n) == 0;
}

static inline void rnd_bytes(struct fuzz_thread *t, void *buf, size_t len)
{
	uint8_t *p = buf;
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			v = rnd64(t);
		p[i] = v >> (8 * (i & 7));
	}
}

/* A value near the edges integer options care about. */
static inline int rnd_int(struct fuzz_thread *t)
{
	static const int edges[] = {
		0, 1, -1, 2, 16, 64, 1024, 4096, 65536, BUS_MAX_MSGSIZE - 1,
		BUS_MAX_MSGSIZE, BUS_MAX_MSGSIZE + 1, 0x7fffffff, INT_MIN,
	};

	if (one_in(t, 3))
		return (int)rnd64(t);
	return edges[rnd(t, ARRAY_SIZE(edges))];
}

/* A broken invariant: printed at once, and it fails the worker. */
void violation(const char *fmt, ...);

/* Whether this worker runs as root (else nobody, no capabilities). */
bool fuzz_privileged(void);

/* A bus path for bind (@bind: of this worker's class) or connect. */
socklen_t fuzz_path(struct fuzz_thread *t, struct sockaddr_bus *sa,
		    bool bind);

/* An address for a destination or an option. */
uint64_t fuzz_bus_addr(struct fuzz_thread *t);

#ifdef AF_BUS_FUZZ_NFDBUS
/* The worker's generic netlink socket (none if nfdbus is absent). */
void fuzz_nfdbus_setup(void);
void fuzz_nfdbus_teardown(void);
/* One random nfdbus command; true if the kernel accepted it. */
bool fuzz_nfdbus_op(struct fuzz_thread *t);
/* A D-Bus message in @buf (DBUS_MSG_MAX bytes); its length, 0 for none. */
size_t fuzz_dbus_payload(struct fuzz_thread *t, uint8_t *buf);
#else
static inline void fuzz_nfdbus_setup(void)
{
}

static inline void fuzz_nfdbus_teardown(void)
{
}

static inline bool fuzz_nfdbus_op(struct fuzz_thread *t)
{
	(void)t;
	return false;
}

static inline size_t fuzz_dbus_payload(struct fuzz_thread *t, uint8_t *buf)
{
	(void)t;
	(void)buf;
	return 0;
}
#endif

#endif /* AF_BUS_FUZZ_H */
