// SPDX-License-Identifier: GPL-2.0
/*
 * nfdbus_bench: what the nfdbus hook costs. One sender multicasts signals
 * to 64 peers, each with 10 match rules of which one matches, first on a
 * BUS_PROTO_DBUS bus (every copy parsed and judged), then the same on a
 * BUS_PROTO_NONE bus (no hook). Both deliver every signal to every peer;
 * the time per signal (send and all receives) and the ratio are printed.
 * Timing is reported, never asserted.
 *
 * Then the parser's worst cases (dbus_worst_body()): messages of about
 * 480 KB shaped to cost the most parse work per byte, each sent to one
 * subscriber on a BUS_PROTO_DBUS bus, against a plain ay of the same
 * length. The hook parses with the bus's lock held, so the time over the
 * ay's is how long such a message holds every other sender back.
 *
 * Usage: nfdbus_bench [signals]	(default 2000)
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/bus.h>

#include "../af_bus/af_bus_util.h"
#include "dbus_msg.h"
#include "nfdbus_nl.h"

#define PEERS	64
#define RULES	10
#define BATCH	32	/* below the default queue limit of 64 */

static int run(int proto, struct nfdbus_nl *nl, int signals, double *ns)
{
	static struct bus_peer p[PEERS + 1];
	struct dbus_arg args[] = { { 's', "org.example.Name" }, { 'o', "/a/b" } };
	struct dbus_hdr h = {
		.type = DBUS_SIGNAL, .path = "/org/example/Obj",
		.interface = "org.example.Iface", .member = "Changed",
	};
	uint8_t msg[DBUS_MSG_MAX];
	char sender[32], rule[128];
	struct bus_master m;
	uint64_t t0, t1;
	int len, i, j, sent, err;

	err = bus_master_open_proto(&m, proto, false, 0, 0);
	if (err)
		return err;
	for (i = 0; i <= PEERS; i++) {
		err = bus_peer_connect(&m, &p[i], true);
		if (err)
			goto out;
	}
	/* p[0] sends; p[1..64] have 9 rules that miss and one that hits */
	for (i = 1; proto == BUS_PROTO_DBUS && i <= PEERS; i++) {
		for (j = 0; j < RULES; j++) {
			if (j == RULES - 1)
				snprintf(rule, sizeof(rule),
					 "type='signal',interface='org.example.Iface',member='Changed',arg0='org.example.Name'");
			else
				snprintf(rule, sizeof(rule),
					 "type='signal',interface='org.example.I%d',member='M%d'",
					 i, j);
			err = nfdbus_match(nl, NFDBUS_CMD_ADD_MATCH, &m,
					   p[i].addr, rule);
			if (err)
				goto out;
		}
	}
	h.sender = dbus_unique_name(sender, sizeof(sender), p[0].addr);
	len = dbus_build(msg, &h, args, 2);

	t0 = now_ns();
	for (sent = 0; sent < signals; sent += BATCH) {
		for (j = 0; j < BATCH; j++)
			if (bus_send(p[0].fd, BUS_MULTICAST(0), msg, len, 0) != len) {
				err = -EIO;
				goto out;
			}
		for (i = 1; i <= PEERS; i++)
			if (bus_drain(p[i].fd) != BATCH) {
				fprintf(stderr, "peer %d: lost signals\n", i);
				err = -EIO;
				goto out;
			}
		/* the sender's own copy comes back without nfdbus only */
		bus_drain(p[0].fd);
	}
	t1 = now_ns();
	*ns = (double)(t1 - t0) / sent;
	err = 0;
out:
	for (i = 0; i <= PEERS; i++)
		bus_peer_close(&p[i]);
	bus_master_close(&m);
	return err;
}

#define WORST_BYTES	(480 * 1000 + 8)
#define WORST_SENDS	5

/* The fastest of WORST_SENDS sends of each worst-case shape, in @ns. */
static int run_worst(struct nfdbus_nl *nl, double ns[DBUS_WORST_MAX])
{
	struct dbus_hdr h = {
		.type = DBUS_SIGNAL, .path = "/o", .interface = "org.e.I",
		.member = "Big",
	};
	uint8_t *body = malloc(BUS_MAX_MSGSIZE), *msg = malloc(BUS_MAX_MSGSIZE);
	char sig[DBUS_WORST_SIG_MAX];
	struct bus_peer p[2] = { { .fd = -1, .ctl = -1 }, { .fd = -1, .ctl = -1 } };
	struct bus_master m;
	uint64_t t0, t;
	int w, i, len, err;
	size_t blen;

	if (!body || !msg) {
		err = -ENOMEM;
		goto out_free;
	}
	err = bus_master_open_proto(&m, BUS_PROTO_DBUS, false, 0,
				    BUS_MAX_MSGSIZE);
	if (err)
		goto out_free;
	for (i = 0; i < 2; i++) {
		err = bus_peer_connect(&m, &p[i], true);
		if (err)
			goto out;
	}
	err = nfdbus_match(nl, NFDBUS_CMD_ADD_MATCH, &m, p[1].addr,
			   "member='Big'");
	if (err)
		goto out;
	for (w = 0; w < DBUS_WORST_MAX; w++) {
		blen = dbus_worst_body(w, body, WORST_BYTES, sig);
		len = dbus_build_raw(msg, BUS_MAX_MSGSIZE, &h, sig, body, blen);
		ns[w] = 0;
		for (i = 0; i < WORST_SENDS; i++) {
			t0 = now_ns();
			if (bus_send(p[0].fd, BUS_MULTICAST(0), msg, len, 0) != len ||
			    bus_drain(p[1].fd) != 1) {
				err = -EIO;
				goto out;
			}
			t = now_ns() - t0;
			if (!ns[w] || t < ns[w])
				ns[w] = t;
		}
	}
	err = 0;
out:
	bus_peer_close(&p[1]);
	bus_peer_close(&p[0]);
	bus_master_close(&m);
out_free:
	free(msg);
	free(body);
	return err;
}

int main(int argc, char **argv)
{
	int signals = argc > 1 ? atoi(argv[1]) : 2000;
	double dbus_ns, none_ns, worst_ns[DBUS_WORST_MAX];
	struct nfdbus_nl nl;
	int err, w;

	if (signals < BATCH)
		signals = BATCH;
	err = nfdbus_nl_open(&nl);
	if (err) {
		fprintf(stderr, "nfdbus_bench: no nfdbus family (%d)\n", err);
		return 4;
	}
	err = run(BUS_PROTO_NONE, &nl, signals, &none_ns);
	if (!err)
		err = run(BUS_PROTO_DBUS, &nl, signals, &dbus_ns);
	if (!err)
		err = run_worst(&nl, worst_ns);
	nfdbus_nl_close(&nl);
	if (err) {
		fprintf(stderr, "nfdbus_bench: %s\n", strerror(-err));
		return 1;
	}
	printf("signal fan-out to %d peers, %d rules each, %d signals\n",
	       PEERS, RULES, signals);
	printf("  BUS_PROTO_NONE (no hook): %10.0f ns/signal\n", none_ns);
	printf("  BUS_PROTO_DBUS (nfdbus):  %10.0f ns/signal\n", dbus_ns);
	printf("  ratio dbus/none:          %10.2f\n", dbus_ns / none_ns);
	printf("parser worst cases, %d-byte messages to one subscriber (fastest of %d)\n",
	       WORST_BYTES, WORST_SENDS);
	for (w = 0; w < DBUS_WORST_MAX; w++)
		printf("  %-20s %10.2f ms  x%.1f\n", dbus_worst_names[w],
		       worst_ns[w] / 1e6, worst_ns[w] / worst_ns[DBUS_WORST_AY]);
	return 0;
}
