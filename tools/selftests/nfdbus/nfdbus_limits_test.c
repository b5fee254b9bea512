// SPDX-License-Identifier: GPL-2.0
/*
 * nfdbus under hostile use: what one user can make the kernel hold.
 *
 * Every bind() of a BUS_PROTO_DBUS master creates a bus and nfdbus's state
 * for it, so the kernel memory a bus costs is what any user can pin, many
 * times over. The tests bind NBUSES buses at once and check that
 * unreclaimable kernel memory (SUnreclaim, plus vmalloc for kvmalloc()
 * fallbacks) grew by at most MAX_BYTES_PER_BUS each, as root and as an
 * unprivileged user.
 *
 * The hook parses a message with the bus's spinlock held, so the parse time
 * of the costliest message a peer can send is how long it can hold every
 * other sender of the bus back. The tests time the send of such a message
 * (an array of structs nested DBUS_WORST_DEPTH deep, the issue 23 shape)
 * against that of a plain ay of the same length.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "../af_bus/af_bus_util.h"
#include "dbus_msg.h"
#include "nfdbus_nl.h"

#define NBUSES			200
/*
 * A bus is a listening socket, AF_BUS's struct bus and nfdbus's tables
 * (two 256-bucket hash tables and a parse result): about 12 KiB, more
 * with the debug kernel's kmemleak metadata. The bound leaves room for
 * that and for other programs' allocations during the measurement, and
 * is far below the 512 KiB buffer each bus once had.
 */
#define MAX_BYTES_PER_BUS	(64 * 1024)
#define TRIES			3

/* Unreclaimable kernel memory now, in bytes: SUnreclaim + VmallocUsed. */
static long long kernel_unreclaimable(void)
{
	long long total = 0, kb;
	char line[256];
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "SUnreclaim: %lld kB", &kb) == 1 ||
		    sscanf(line, "VmallocUsed: %lld kB", &kb) == 1)
			total += kb * 1024;
	}
	fclose(f);
	return total;
}

/*
 * Bytes of unreclaimable kernel memory per bus while NBUSES D-Bus buses
 * are bound; the smallest of TRIES measurements, as other programs in the
 * guest may allocate meanwhile (never free on our behalf).
 */
static long long bytes_per_bus(struct __test_metadata *_metadata)
{
	static struct bus_master m[NBUSES];
	long long best = -1, before, after;
	int t, i, err;

	/* The first D-Bus socket loads nfdbus: not part of the cost. */
	ASSERT_EQ(0, bus_master_open_proto(&m[0], BUS_PROTO_DBUS, false, 0, 0));
	bus_master_close(&m[0]);

	for (t = 0; t < TRIES; t++) {
		before = kernel_unreclaimable();
		ASSERT_LT(0, before);
		for (i = 0; i < NBUSES; i++) {
			err = bus_master_open_proto(&m[i], BUS_PROTO_DBUS,
						    false, 0, 0);
			ASSERT_EQ(0, err) TH_LOG("bus %d: %s", i, strerror(-err));
		}
		after = kernel_unreclaimable();
		for (i = 0; i < NBUSES; i++)
			bus_master_close(&m[i]);
		TH_LOG("try %d: %d D-Bus buses: +%lld kB unreclaimable, %lld bytes per bus",
		       t + 1, NBUSES, (after - before) / 1024,
		       (after - before) / NBUSES);
		if (best < 0 || after - before < best)
			best = after - before;
		if (best <= (long long)MAX_BYTES_PER_BUS * NBUSES)
			break;
		/* let the closed buses' RCU frees happen before trying again */
		usleep(200 * 1000);
	}
	return best / NBUSES;
}

TEST(memory_per_bus)
{
	if (!bus_supported())
		SKIP(return, "AF_BUS not available");
	EXPECT_GE(MAX_BYTES_PER_BUS, bytes_per_bus(_metadata));
}

/* Binding a bus needs no privilege, so the bound matters most here. */
TEST(memory_per_bus_unprivileged)
{
	if (!bus_supported())
		SKIP(return, "AF_BUS not available");
	if (geteuid() == 0)
		ASSERT_EQ(0, drop_privileges());
	ASSERT_NE((uid_t)0, geteuid());
	EXPECT_GE(MAX_BYTES_PER_BUS, bytes_per_bus(_metadata));
}

/*
 * DBUS_WORST_NESTED_Y (a(((...y...))) 32 deep) in HOSTILE_BYTES: each
 * element one byte and seven of padding, 1.9 million struct openings and
 * closings in all, the most containers per byte a message can hold.
 */
#define HOSTILE_BYTES	(480 * 1000 + 8)
#define SENDS		5
/*
 * The bound: the costliest message may cost at most this many times a
 * plain ay of the same length (a copy and no parse, so what any 480 KB
 * message costs), plus HOSTILE_SLACK_NS for a noisy shared guest. Walked
 * one container at a time it cost 46-74 times (0.17-0.57 s).
 */
#define HOSTILE_MAX_RATIO	8
#define HOSTILE_SLACK_NS	(20 * 1000 * 1000ULL)

FIXTURE(big)
{
	struct bus_master m;
	struct bus_peer p[2];
	struct nfdbus_nl nl;
	uint8_t *msg, *got, *body;
};

FIXTURE_SETUP(big)
{
	self->m.listen_fd = -1;
	for (int i = 0; i < 2; i++) {
		self->p[i].fd = -1;
		self->p[i].ctl = -1;
	}
	if (!bus_supported())
		SKIP(return, "AF_BUS not available");
	self->msg = malloc(BUS_MAX_MSGSIZE);
	self->got = malloc(BUS_MAX_MSGSIZE);
	self->body = malloc(BUS_MAX_MSGSIZE);
	ASSERT_TRUE(self->msg && self->got && self->body);
	ASSERT_EQ(0, nfdbus_nl_open(&self->nl));
	ASSERT_EQ(0, bus_master_open_proto(&self->m, BUS_PROTO_DBUS, false, 0,
					   BUS_MAX_MSGSIZE));
	ASSERT_EQ(0, bus_peer_connect(&self->m, &self->p[0], true));
	ASSERT_EQ(0, bus_peer_connect(&self->m, &self->p[1], true));
	ASSERT_EQ(0, nfdbus_match(&self->nl, NFDBUS_CMD_ADD_MATCH, &self->m,
				  self->p[1].addr, "member='Big'"));
}

FIXTURE_TEARDOWN(big)
{
	bus_peer_close(&self->p[1]);
	bus_peer_close(&self->p[0]);
	bus_master_close(&self->m);
	nfdbus_nl_close(&self->nl);
	free(self->body);
	free(self->got);
	free(self->msg);
}

/*
 * The fastest of SENDS multicasts of @msg, which the hook parses with the
 * bus's lock held; each must reach p[1] intact.
 */
static uint64_t send_time(struct __test_metadata *_metadata,
			  struct _test_data_big *self, int len)
{
	uint64_t best = UINT64_MAX, t0, t;
	int i;

	for (i = 0; i < SENDS; i++) {
		t0 = now_ns();
		ASSERT_EQ(len, bus_send(self->p[0].fd, BUS_MULTICAST(0),
					self->msg, len, 0));
		t = now_ns() - t0;
		if (t < best)
			best = t;
		ASSERT_EQ(len, bus_recv(self->p[1].fd, NULL, self->got,
					BUS_MAX_MSGSIZE, MSG_DONTWAIT));
		EXPECT_EQ(0, memcmp(self->msg, self->got, len));
	}
	return best;
}

TEST_F(big, hostile_nesting_is_bounded)
{
	struct dbus_hdr h = {
		.type = DBUS_SIGNAL, .path = "/o", .interface = "org.e.I",
		.member = "Big",
	};
	char sig[DBUS_WORST_SIG_MAX];
	uint64_t hostile, plain;
	size_t blen;
	int len;

	blen = dbus_worst_body(DBUS_WORST_NESTED_Y, self->body, HOSTILE_BYTES,
			       sig);
	len = dbus_build_raw(self->msg, BUS_MAX_MSGSIZE, &h, sig, self->body,
			     blen);
	ASSERT_LT(0, len);
	hostile = send_time(_metadata, self, len);

	blen = dbus_worst_body(DBUS_WORST_AY, self->body, HOSTILE_BYTES, sig);
	len = dbus_build_raw(self->msg, BUS_MAX_MSGSIZE, &h, sig, self->body,
			     blen);
	ASSERT_LT(0, len);
	plain = send_time(_metadata, self, len);

	TH_LOG("%d-byte messages: %s %.2f ms, %s %.2f ms, ratio %.1f",
	       len, dbus_worst_names[DBUS_WORST_NESTED_Y], hostile / 1e6,
	       dbus_worst_names[DBUS_WORST_AY], plain / 1e6,
	       (double)hostile / plain);
	EXPECT_GE(HOSTILE_MAX_RATIO * plain + HOSTILE_SLACK_NS, hostile);
}

TEST_HARNESS_MAIN
