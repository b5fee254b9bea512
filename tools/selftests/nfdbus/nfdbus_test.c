// SPDX-License-Identifier: GPL-2.0
/*
 * nfdbus selftests: real AF_BUS buses of protocol BUS_PROTO_DBUS, peers
 * sending D-Bus messages, and nfdbus configured over generic netlink.
 *
 * A send that nfdbus filters still succeeds (a dropped copy makes its
 * recipient ineligible, it is no error), so every test checks what each
 * peer's receive queue holds afterwards, and the bus's counters.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "../af_bus/af_bus_util.h"
#include "dbus_msg.h"
#include "nfdbus_nl.h"

#define NPEERS		6
#define MCAST		BUS_MULTICAST(0)

/* Send one signal (or method call) from @fd to @to; returns its serial. */
static uint32_t send_msg(struct __test_metadata *_metadata, int fd,
			 uint64_t to, const struct dbus_hdr *h,
			 const struct dbus_arg *args, unsigned int nargs)
{
	static uint32_t serial = 100;
	struct dbus_hdr hh = *h;
	uint8_t buf[DBUS_MSG_MAX];
	int len;

	hh.serial = ++serial;
	len = dbus_build(buf, &hh, args, nargs);
	ASSERT_LT(0, len);
	ASSERT_EQ(len, bus_send(fd, to, buf, len, MSG_DONTWAIT));
	return hh.serial;
}

/* The serials queued on @fd, without blocking; returns how many. */
static int queued_serials(int fd, uint32_t *serials, int max)
{
	uint8_t buf[DBUS_MSG_MAX];
	ssize_t n;
	int count = 0;

	while ((n = bus_recv(fd, NULL, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		if (count < max)
			serials[count] = dbus_serial(buf, n);
		count++;
	}
	return count;
}

/* @fd holds exactly the message @serial (0: nothing). */
#define EXPECT_QUEUE(fd, serial) do {					\
	uint32_t _s[4] = {}, _want = (serial);				\
	int _n = queued_serials((fd), _s, 4);				\
									\
	EXPECT_EQ(_want ? 1 : 0, _n);					\
	if (_want && _n)						\
		EXPECT_EQ(_want, _s[0]);				\
} while (0)

FIXTURE(bus)
{
	struct bus_master m;
	struct bus_peer p[NPEERS];
	char name[NPEERS][32];	/* unique names */
	struct nfdbus_nl nl;
};

FIXTURE_SETUP(bus)
{
	int err, i;

	self->m.listen_fd = -1;
	for (i = 0; i < NPEERS; i++) {
		self->p[i].fd = -1;
		self->p[i].ctl = -1;
	}
	err = nfdbus_nl_open(&self->nl);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, bus_master_open_proto(&self->m, BUS_PROTO_DBUS, false,
					   0, 0));
	for (i = 0; i < NPEERS; i++) {
		ASSERT_EQ(0, bus_peer_connect(&self->m, &self->p[i], true));
		dbus_unique_name(self->name[i], sizeof(self->name[i]),
				 self->p[i].addr);
	}
}

FIXTURE_TEARDOWN(bus)
{
	int i;

	for (i = 0; i < NPEERS; i++)
		bus_peer_close(&self->p[i]);
	bus_master_close(&self->m);
	nfdbus_nl_close(&self->nl);
}

static int add_match(struct _test_data_bus *self, int peer, const char *r)
{
	return nfdbus_match(&self->nl, NFDBUS_CMD_ADD_MATCH, &self->m,
			    self->p[peer].addr, r);
}

/* Signals reach exactly the peers with a matching rule. */
TEST_F(bus, signal_routing)
{
	struct dbus_hdr h = { .type = DBUS_SIGNAL };
	struct dbus_arg wanted[] = { { 's', "wanted" }, { 'o', "/a/b/c" } };
	struct dbus_arg nope[] = { { 's', "nope" } };
	uint32_t s1, s2, s3, s4;
	int i;

	/* p0 sends and owns org.example.Service; p5 has no rule at all */
	ASSERT_EQ(0, nfdbus_name(&self->nl, NFDBUS_CMD_ADD_NAME, &self->m,
				 self->p[0].addr, "org.example.Service"));
	ASSERT_EQ(0, add_match(self, 1,
			       "type='signal',interface='org.example.Iface',member='Changed'"));
	ASSERT_EQ(0, add_match(self, 1, "type='method_call'"));
	ASSERT_EQ(0, add_match(self, 2, "type='signal',arg0='wanted'"));
	ASSERT_EQ(0, add_match(self, 3, "path_namespace='/org/example/sub'"));
	ASSERT_EQ(0, add_match(self, 4, "sender='org.example.Service',member='Ping'"));
	ASSERT_EQ(0, add_match(self, 4, "arg1path='/a/'"));

	h.sender = self->name[0];
	h.path = "/org/example/sub/x";
	h.interface = "org.example.Iface";
	h.member = "Changed";
	s1 = send_msg(_metadata, self->p[0].fd, MCAST, &h, nope, 1);
	h.path = "/org/other";
	h.interface = "org.example.Other";
	h.member = "Ping";
	s2 = send_msg(_metadata, self->p[0].fd, MCAST, &h, nope, 1);
	h.path = "/org/examples";
	h.interface = "org.x.Y";
	h.member = "Z";
	s3 = send_msg(_metadata, self->p[0].fd, MCAST, &h, wanted, 1);
	s4 = send_msg(_metadata, self->p[0].fd, MCAST, &h, wanted, 2);

	{
		uint32_t got[8];
		int n;

		/* p1: interface+member */
		n = queued_serials(self->p[1].fd, got, 8);
		ASSERT_EQ(1, n);
		EXPECT_EQ(s1, got[0]);
		/* p2: arg0 */
		n = queued_serials(self->p[2].fd, got, 8);
		ASSERT_EQ(2, n);
		EXPECT_EQ(s3, got[0]);
		EXPECT_EQ(s4, got[1]);
		/* p3: path_namespace (not /org/examples) */
		n = queued_serials(self->p[3].fd, got, 8);
		ASSERT_EQ(1, n);
		EXPECT_EQ(s1, got[0]);
		/* p4: sender by well-known name, and arg1path */
		n = queued_serials(self->p[4].fd, got, 8);
		ASSERT_EQ(2, n);
		EXPECT_EQ(s2, got[0]);
		EXPECT_EQ(s4, got[1]);
	}
	/* the sender and the peer without rules get nothing */
	EXPECT_QUEUE(self->p[0].fd, 0);
	EXPECT_QUEUE(self->p[5].fd, 0);

	/* Once p0 no longer owns the name, sender= does not match it. */
	ASSERT_EQ(0, nfdbus_name(&self->nl, NFDBUS_CMD_DEL_NAME, &self->m,
				 self->p[0].addr, "org.example.Service"));
	h.path = "/org/other";
	h.member = "Ping";
	send_msg(_metadata, self->p[0].fd, MCAST, &h, nope, 1);
	for (i = 0; i < NPEERS; i++)
		EXPECT_QUEUE(self->p[i].fd, 0);
}

/* RemoveMatch removes one instance of an equal rule. */
TEST_F(bus, rules_are_counted)
{
	struct dbus_hdr h = {
		.type = DBUS_SIGNAL, .path = "/o", .interface = "org.e.I",
		.member = "M",
	};
	const char *rule = "type='signal',member='M'";
	uint32_t s;

	h.sender = self->name[0];
	ASSERT_EQ(0, add_match(self, 1, rule));
	ASSERT_EQ(0, add_match(self, 1, rule));
	ASSERT_EQ(0, nfdbus_match(&self->nl, NFDBUS_CMD_REMOVE_MATCH, &self->m,
				  self->p[1].addr, "member=M,type=signal"));
	s = send_msg(_metadata, self->p[0].fd, MCAST, &h, NULL, 0);
	EXPECT_QUEUE(self->p[1].fd, s);
	ASSERT_EQ(0, nfdbus_match(&self->nl, NFDBUS_CMD_REMOVE_MATCH, &self->m,
				  self->p[1].addr, rule));
	EXPECT_EQ(-ENOENT, nfdbus_match(&self->nl, NFDBUS_CMD_REMOVE_MATCH,
					&self->m, self->p[1].addr, rule));
	EXPECT_STRNE("", self->nl.ext_msg);
	send_msg(_metadata, self->p[0].fd, MCAST, &h, NULL, 0);
	EXPECT_QUEUE(self->p[1].fd, 0);

	/* REMOVE_ALL */
	ASSERT_EQ(0, add_match(self, 2, rule));
	ASSERT_EQ(0, add_match(self, 2, "member='Other'"));
	ASSERT_EQ(0, nfdbus_simple(&self->nl, NFDBUS_CMD_REMOVE_ALL, &self->m,
				   self->p[2].addr));
	send_msg(_metadata, self->p[0].fd, MCAST, &h, NULL, 0);
	EXPECT_QUEUE(self->p[2].fd, 0);
}

/* Policy denies unicast between peers, and multicast, until flushed. */
TEST_F(bus, policy_denies_unicast)
{
	struct nfdbus_policy deny = {
		.action = NFDBUS_POLICY_DENY, .uid = -1,
		.interface = "org.example.Secret",
	};
	struct nfdbus_policy deny_b = {
		.action = NFDBUS_POLICY_DENY, .uid = -1,
		.destination = "org.example.B", .type = DBUS_METHOD_CALL,
	};
	struct nfdbus_policy allow_root = {
		.action = NFDBUS_POLICY_ALLOW, .uid = 0, .member = "Root",
	};
	struct dbus_hdr h = {
		.type = DBUS_METHOD_CALL, .path = "/o",
		.interface = "org.example.Secret", .member = "Get",
	};
	uint32_t s;

	h.sender = self->name[0];
	ASSERT_EQ(0, nfdbus_add_policy(&self->nl, &self->m, &deny));
	send_msg(_metadata, self->p[0].fd, self->p[1].addr, &h, NULL, 0);
	EXPECT_QUEUE(self->p[1].fd, 0);
	h.interface = "org.example.Public";
	s = send_msg(_metadata, self->p[0].fd, self->p[1].addr, &h, NULL, 0);
	EXPECT_QUEUE(self->p[1].fd, s);

	/* the last rule that applies decides: root may call Root */
	ASSERT_EQ(0, nfdbus_add_policy(&self->nl, &self->m, &allow_root));
	h.interface = "org.example.Secret";
	h.member = "Root";
	s = send_msg(_metadata, self->p[0].fd, self->p[1].addr, &h, NULL, 0);
	EXPECT_QUEUE(self->p[1].fd, s);

	/* by destination name: only the owner of org.example.B is guarded */
	ASSERT_EQ(0, nfdbus_add_policy(&self->nl, &self->m, &deny_b));
	ASSERT_EQ(0, nfdbus_name(&self->nl, NFDBUS_CMD_ADD_NAME, &self->m,
				 self->p[2].addr, "org.example.B"));
	h.interface = "org.example.Public";
	h.member = "Get";
	send_msg(_metadata, self->p[0].fd, self->p[2].addr, &h, NULL, 0);
	EXPECT_QUEUE(self->p[2].fd, 0);
	s = send_msg(_metadata, self->p[0].fd, self->p[3].addr, &h, NULL, 0);
	EXPECT_QUEUE(self->p[3].fd, s);

	/* multicast is subject to policy too */
	ASSERT_EQ(0, add_match(self, 4, "type='signal'"));
	h.type = DBUS_SIGNAL;
	h.interface = "org.example.Secret";
	h.member = "Changed";
	send_msg(_metadata, self->p[0].fd, MCAST, &h, NULL, 0);
	EXPECT_QUEUE(self->p[4].fd, 0);

	ASSERT_EQ(0, nfdbus_simple(&self->nl, NFDBUS_CMD_FLUSH_POLICY,
				   &self->m, 0));
	s = send_msg(_metadata, self->p[0].fd, MCAST, &h, NULL, 0);
	EXPECT_QUEUE(self->p[4].fd, s);
}

/* Strict mode: a SENDER the sending address does not own is dropped. */
TEST_F(bus, strict_sender)
{
	struct dbus_hdr h = {
		.type = DBUS_METHOD_CALL, .path = "/o", .interface = "org.e.I",
		.member = "M",
	};
	uint32_t s;

	/* off: anything goes */
	h.sender = self->name[2];
	s = send_msg(_metadata, self->p[0].fd, self->p[1].addr, &h, NULL, 0);
	EXPECT_QUEUE(self->p[1].fd, s);

	ASSERT_EQ(0, nfdbus_set_strict(&self->nl, &self->m, 1));
	send_msg(_metadata, self->p[0].fd, self->p[1].addr, &h, NULL, 0);
	EXPECT_QUEUE(self->p[1].fd, 0);
	h.sender = "org.freedesktop.DBus";
	send_msg(_metadata, self->p[0].fd, self->p[1].addr, &h, NULL, 0);
	EXPECT_QUEUE(self->p[1].fd, 0);
	h.sender = NULL;
	send_msg(_metadata, self->p[0].fd, self->p[1].addr, &h, NULL, 0);
	EXPECT_QUEUE(self->p[1].fd, 0);
	h.sender = "org.example.Mine";
	send_msg(_metadata, self->p[0].fd, self->p[1].addr, &h, NULL, 0);
	EXPECT_QUEUE(self->p[1].fd, 0);

	/* the sender's own unique name and the names it owns pass */
	h.sender = self->name[0];
	s = send_msg(_metadata, self->p[0].fd, self->p[1].addr, &h, NULL, 0);
	EXPECT_QUEUE(self->p[1].fd, s);
	ASSERT_EQ(0, nfdbus_name(&self->nl, NFDBUS_CMD_ADD_NAME, &self->m,
				 self->p[0].addr, "org.example.Mine"));
	h.sender = "org.example.Mine";
	s = send_msg(_metadata, self->p[0].fd, self->p[1].addr, &h, NULL, 0);
	EXPECT_QUEUE(self->p[1].fd, s);

	/* the master speaks as the bus driver */
	h.sender = "org.freedesktop.DBus";
	s = send_msg(_metadata, self->p[1].ctl, self->p[1].addr, &h, NULL, 0);
	EXPECT_QUEUE(self->p[1].fd, s);

	ASSERT_EQ(0, nfdbus_set_strict(&self->nl, &self->m, 0));
	h.sender = self->name[3];
	s = send_msg(_metadata, self->p[0].fd, self->p[1].addr, &h, NULL, 0);
	EXPECT_QUEUE(self->p[1].fd, s);
}

/* Eavesdropped copies need eavesdrop='true'. */
TEST_F(bus, eavesdrop_needs_rule)
{
	struct dbus_hdr h = {
		.type = DBUS_METHOD_CALL, .path = "/o", .interface = "org.e.I",
		.member = "M",
	};
	uint32_t s;

	h.sender = self->name[0];
	ASSERT_EQ(0, setsockopt(self->p[5].ctl, SOL_BUS, BUS_SET_EAVESDROP,
				NULL, 0));
	ASSERT_EQ(0, add_match(self, 5, "type='method_call'"));
	s = send_msg(_metadata, self->p[0].fd, self->p[1].addr, &h, NULL, 0);
	EXPECT_QUEUE(self->p[1].fd, s);
	EXPECT_QUEUE(self->p[5].fd, 0);
	ASSERT_EQ(0, add_match(self, 5, "type='method_call',eavesdrop='true'"));
	s = send_msg(_metadata, self->p[0].fd, self->p[1].addr, &h, NULL, 0);
	EXPECT_QUEUE(self->p[1].fd, s);
	EXPECT_QUEUE(self->p[5].fd, s);
}

/* The counters move by exactly the copies judged. */
TEST_F(bus, stats_exact)
{
	struct nfdbus_policy deny = {
		.action = NFDBUS_POLICY_DENY, .uid = -1, .member = "Denied",
	};
	struct dbus_hdr h = {
		.type = DBUS_SIGNAL, .path = "/o", .interface = "org.e.I",
		.member = "M",
	};
	struct nfdbus_stats st;
	int i;

	ASSERT_EQ(0, nfdbus_get_stats(&self->nl, &self->m, &st));
	for (i = 0; i < __NFDBUS_STATS_MAX; i++)
		EXPECT_EQ(0ULL, st.c[i]);

	/* malformed multicast: one copy per peer (the sender included) */
	ASSERT_EQ(7, bus_send(self->p[0].fd, MCAST, "garbage", 7, 0));
	/* a signal one peer wants */
	ASSERT_EQ(0, add_match(self, 1, "member='M'"));
	h.sender = self->name[0];
	send_msg(_metadata, self->p[0].fd, MCAST, &h, NULL, 0);
	/* a denied unicast, a spoofed unicast */
	ASSERT_EQ(0, nfdbus_add_policy(&self->nl, &self->m, &deny));
	h.member = "Denied";
	send_msg(_metadata, self->p[0].fd, self->p[2].addr, &h, NULL, 0);
	ASSERT_EQ(0, nfdbus_set_strict(&self->nl, &self->m, 1));
	h.member = "M";
	h.sender = self->name[3];
	send_msg(_metadata, self->p[0].fd, self->p[2].addr, &h, NULL, 0);
	/* copies to the master are not judged */
	send_msg(_metadata, self->p[0].fd, BUS_MASTER_ADDR, &h, NULL, 0);
	EXPECT_EQ(1, bus_drain(self->p[0].ctl));

	ASSERT_EQ(0, nfdbus_get_stats(&self->nl, &self->m, &st));
	EXPECT_EQ((uint64_t)NPEERS, st.c[NFDBUS_STATS_DROPPED_MALFORMED]);
	EXPECT_EQ((uint64_t)NPEERS + 2, st.c[NFDBUS_STATS_PARSED]);
	/* each message parsed once, not once per copy */
	EXPECT_EQ(4ULL, st.c[NFDBUS_STATS_MESSAGES]);
	EXPECT_EQ(1ULL, st.c[NFDBUS_STATS_ACCEPTED]);
	EXPECT_EQ((uint64_t)NPEERS - 1, st.c[NFDBUS_STATS_DROPPED_NO_MATCH]);
	EXPECT_EQ(1ULL, st.c[NFDBUS_STATS_DROPPED_POLICY]);
	EXPECT_EQ(1ULL, st.c[NFDBUS_STATS_DROPPED_SPOOFED]);
	for (i = 0; i < NPEERS; i++)
		EXPECT_EQ(i == 1 ? 1 : 0, bus_drain(self->p[i].fd));
}

/*
 * A message larger than a head allocation (about 16 KiB) reaches the hook
 * in a paged skb, which nfdbus copies to its scratch buffer to parse: the
 * rule still picks the one peer that wants it, the message arrives intact,
 * and a large message whose header lies about its length is dropped.
 */
TEST_F(bus, large_message_in_paged_skb)
{
	enum { BIG = 60 * 1024 };
	struct dbus_hdr h = {
		.type = DBUS_SIGNAL, .serial = 7, .path = "/o",
		.interface = "org.e.I", .member = "Big",
	};
	struct dbus_arg arg = { 's', NULL };
	struct nfdbus_stats st;
	uint8_t *msg, *got;
	char *text;
	uint32_t body;
	int len, i;

	msg = malloc(BIG + 512);
	got = malloc(BIG + 512);
	text = malloc(BIG);
	ASSERT_TRUE(msg && got && text);
	memset(text, 'x', BIG - 1);
	text[BIG - 1] = 0;
	arg.value = text;
	h.sender = self->name[0];
	len = dbus_build_size(msg, BIG + 512, &h, &arg, 1);
	ASSERT_LT(BIG, len);

	ASSERT_EQ(0, add_match(self, 1, "member='Big'"));
	ASSERT_EQ(0, add_match(self, 2, "member='Small'"));
	ASSERT_EQ(len, bus_send(self->p[0].fd, MCAST, msg, len, 0));
	ASSERT_EQ(len, bus_recv(self->p[1].fd, NULL, got, BIG + 512,
				MSG_DONTWAIT));
	EXPECT_EQ(0, memcmp(msg, got, len));
	for (i = 0; i < NPEERS; i++)
		EXPECT_EQ(0, bus_drain(self->p[i].fd));

	/* The body length (bytes 4..7) now claims 8 bytes more than sent. */
	memcpy(&body, msg + 4, 4);
	body += 8;
	memcpy(msg + 4, &body, 4);
	ASSERT_EQ(len, bus_send(self->p[0].fd, MCAST, msg, len, 0));
	for (i = 0; i < NPEERS; i++)
		EXPECT_EQ(0, bus_drain(self->p[i].fd));

	ASSERT_EQ(0, nfdbus_get_stats(&self->nl, &self->m, &st));
	EXPECT_EQ((uint64_t)NPEERS, st.c[NFDBUS_STATS_PARSED]);
	EXPECT_EQ(2ULL, st.c[NFDBUS_STATS_MESSAGES]);
	EXPECT_EQ(1ULL, st.c[NFDBUS_STATS_ACCEPTED]);
	EXPECT_EQ((uint64_t)NPEERS, st.c[NFDBUS_STATS_DROPPED_MALFORMED]);
	free(text);
	free(got);
	free(msg);
}

/*
 * Invalid requests: EINVAL, or ERANGE where the netlink core finds an
 * integer or a length out of range, always with an extended ack.
 */
TEST_F(bus, invalid_attributes)
{
	static struct nl_req r;
	uint32_t addr32 = 1;
	char longpath[BUS_PATH_MAX + 1];

#define EXPECT_ERR(err, call) do {					\
	EXPECT_EQ(err, call);						\
	EXPECT_TRUE(self->nl.ext_msg[0] || self->nl.miss_type)		\
		TH_LOG("no extack message");				\
} while (0)

	EXPECT_ERR(-EINVAL, add_match(self, 1, "type='bogus'"));
	EXPECT_STREQ("invalid match rule", self->nl.ext_msg);
	EXPECT_ERR(-EINVAL, add_match(self, 1, "member='M',member='N'"));
	/* missing bus path */
	nl_req_init(&r, &self->nl, NFDBUS_CMD_GET_STATS);
	EXPECT_ERR(-EINVAL, nl_call(&self->nl, &r, NULL, 0));
	EXPECT_EQ((uint32_t)NFDBUS_ATTR_BUS_PATH, self->nl.miss_type);
	/* missing address */
	EXPECT_ERR(-EINVAL, nfdbus_simple(&self->nl, NFDBUS_CMD_REMOVE_ALL,
					  &self->m, 0));
	EXPECT_EQ((uint32_t)NFDBUS_ATTR_ADDR, self->nl.miss_type);
	/* unknown attribute, an attribute a request may not carry */
	nl_req_init(&r, &self->nl, NFDBUS_CMD_FLUSH_POLICY);
	nl_put_bus(&r, &self->m);
	nl_put_u32(&r, NFDBUS_ATTR_MAX + 1, 0);
	EXPECT_ERR(-EINVAL, nl_call(&self->nl, &r, NULL, 0));
	nl_req_init(&r, &self->nl, NFDBUS_CMD_FLUSH_POLICY);
	nl_put_bus(&r, &self->m);
	nl_put_u32(&r, NFDBUS_ATTR_STATS, 0);
	EXPECT_ERR(-EINVAL, nl_call(&self->nl, &r, NULL, 0));
	/* wrong sizes */
	nl_req_init(&r, &self->nl, NFDBUS_CMD_REMOVE_ALL);
	nl_put_bus(&r, &self->m);
	nl_put(&r, NFDBUS_ATTR_ADDR, &addr32, sizeof(addr32));
	EXPECT_ERR(-EINVAL, nl_call(&self->nl, &r, NULL, 0));
	memset(longpath, 'x', sizeof(longpath));
	nl_req_init(&r, &self->nl, NFDBUS_CMD_FLUSH_POLICY);
	nl_put(&r, NFDBUS_ATTR_BUS_PATH, longpath, sizeof(longpath));
	EXPECT_ERR(-ERANGE, nl_call(&self->nl, &r, NULL, 0));
	/* not a peer's address; no such peer; no such bus */
	EXPECT_ERR(-EINVAL, nfdbus_simple(&self->nl, NFDBUS_CMD_REMOVE_ALL,
					  &self->m, BUS_ADDR(1, 5)));
	EXPECT_ERR(-EINVAL, nfdbus_simple(&self->nl, NFDBUS_CMD_REMOVE_ALL,
					  &self->m, MCAST));
	EXPECT_ERR(-ENXIO, nfdbus_simple(&self->nl, NFDBUS_CMD_REMOVE_ALL,
					 &self->m, BUS_ADDR(0, 999999)));
	nl_req_init(&r, &self->nl, NFDBUS_CMD_FLUSH_POLICY);
	nl_put(&r, NFDBUS_ATTR_BUS_PATH, "\0nfdbus-no-such-bus", 19);
	EXPECT_ERR(-ENOENT, nl_call(&self->nl, &r, NULL, 0));
	/* names: unique names are implied, the driver's is the master's */
	EXPECT_ERR(-EINVAL, nfdbus_name(&self->nl, NFDBUS_CMD_ADD_NAME,
					&self->m, self->p[1].addr, ":1.5"));
	EXPECT_ERR(-EINVAL, nfdbus_name(&self->nl, NFDBUS_CMD_ADD_NAME,
					&self->m, self->p[1].addr,
					"org.freedesktop.DBus"));
	EXPECT_ERR(-EINVAL, nfdbus_name(&self->nl, NFDBUS_CMD_ADD_NAME,
					&self->m, self->p[1].addr, "no-dots"));
	/* policy: an action is required, values are checked */
	{
		struct nfdbus_policy bad_member = {
			.action = NFDBUS_POLICY_DENY, .uid = -1,
			.member = "not.a.member",
		};
		struct nfdbus_policy bad_type = {
			.action = NFDBUS_POLICY_DENY, .uid = -1, .type = 9,
		};
		struct nfdbus_policy bad_action = {
			.action = 7, .uid = -1,
		};
		struct nlattr *nest;

		EXPECT_ERR(-EINVAL, nfdbus_add_policy(&self->nl, &self->m,
						      &bad_member));
		EXPECT_ERR(-ERANGE, nfdbus_add_policy(&self->nl, &self->m,
						      &bad_type));
		EXPECT_ERR(-ERANGE, nfdbus_add_policy(&self->nl, &self->m,
						      &bad_action));
		nl_req_init(&r, &self->nl, NFDBUS_CMD_ADD_POLICY);
		nl_put_bus(&r, &self->m);
		nest = nl_nest_start(&r, NFDBUS_ATTR_POLICY);
		nl_put_str(&r, NFDBUS_POLICY_ATTR_MEMBER, "M");
		nl_nest_end(&r, nest);
		EXPECT_ERR(-EINVAL, nl_call(&self->nl, &r, NULL, 0));
	}
	EXPECT_ERR(-ERANGE, nfdbus_set_strict(&self->nl, &self->m, 2));
#undef EXPECT_ERR
}

/* Per-connection limits: rules ENOSPC, names E2BIG/ENOSPC. */
TEST_F(bus, limits)
{
	static struct nl_req r;
	struct nlattr *nest;
	char text[64];
	int i;

	for (i = 0; i < 512; i++) {
		snprintf(text, sizeof(text), "member='M%d'", i);
		ASSERT_EQ(0, add_match(self, 1, text));
	}
	EXPECT_EQ(-ENOSPC, add_match(self, 1, "member='One_more'"));
	EXPECT_STRNE("", self->nl.ext_msg);

	nl_req_init(&r, &self->nl, NFDBUS_CMD_SET_NAMES);
	nl_put_bus(&r, &self->m);
	nl_put_u64(&r, NFDBUS_ATTR_ADDR, self->p[2].addr);
	nest = nl_nest_start(&r, NFDBUS_ATTR_NAMES);
	for (i = 0; i < 513; i++) {
		snprintf(text, sizeof(text), "org.n.N%d", i);
		nl_put_str(&r, NFDBUS_ATTR_NAME, text);
	}
	nl_nest_end(&r, nest);
	EXPECT_EQ(-E2BIG, nl_call(&self->nl, &r, NULL, 0));

	/* 512 fit; one more by ADD_NAME does not */
	nl_req_init(&r, &self->nl, NFDBUS_CMD_SET_NAMES);
	nl_put_bus(&r, &self->m);
	nl_put_u64(&r, NFDBUS_ATTR_ADDR, self->p[2].addr);
	nest = nl_nest_start(&r, NFDBUS_ATTR_NAMES);
	for (i = 0; i < 512; i++) {
		snprintf(text, sizeof(text), "org.n.N%d", i);
		nl_put_str(&r, NFDBUS_ATTR_NAME, text);
	}
	nl_nest_end(&r, nest);
	ASSERT_EQ(0, nl_call(&self->nl, &r, NULL, 0));
	EXPECT_EQ(-ENOSPC, nfdbus_name(&self->nl, NFDBUS_CMD_ADD_NAME,
				       &self->m, self->p[2].addr, "org.n.More"));
	/* a name held by p2 cannot go to p3 */
	EXPECT_EQ(-EADDRINUSE, nfdbus_name(&self->nl, NFDBUS_CMD_ADD_NAME,
					   &self->m, self->p[3].addr,
					   "org.n.N7"));
	EXPECT_EQ(-EEXIST, nfdbus_name(&self->nl, NFDBUS_CMD_ADD_NAME,
				       &self->m, self->p[2].addr, "org.n.N7"));
}

/* A peer that leaves takes its rules and names with it. */
TEST_F(bus, peer_exit_frees_state)
{
	uint64_t gone = self->p[1].addr;

	ASSERT_EQ(0, add_match(self, 1, "member='M'"));
	ASSERT_EQ(0, nfdbus_name(&self->nl, NFDBUS_CMD_ADD_NAME, &self->m,
				 gone, "org.example.Leaving"));
	EXPECT_EQ(-EADDRINUSE, nfdbus_name(&self->nl, NFDBUS_CMD_ADD_NAME,
					   &self->m, self->p[2].addr,
					   "org.example.Leaving"));
	bus_peer_close(&self->p[1]);
	/* the name is free again, the address is gone */
	EXPECT_EQ(0, nfdbus_name(&self->nl, NFDBUS_CMD_ADD_NAME, &self->m,
				 self->p[2].addr, "org.example.Leaving"));
	EXPECT_EQ(-ENXIO, nfdbus_match(&self->nl, NFDBUS_CMD_REMOVE_MATCH,
				       &self->m, gone, "member='M'"));
}

/* When the bus ends, its state goes (kmemleak checks the rest). */
TEST_F(bus, bus_exit_frees_state)
{
	struct bus_master gone = self->m;
	struct nfdbus_stats st;

	ASSERT_EQ(0, add_match(self, 1, "member='M'"));
	ASSERT_EQ(0, nfdbus_name(&self->nl, NFDBUS_CMD_ADD_NAME, &self->m,
				 self->p[1].addr, "org.example.Stays"));
	ASSERT_EQ(0, nfdbus_get_stats(&self->nl, &gone, &st));
	bus_master_close(&self->m);
	EXPECT_EQ(-ENOENT, nfdbus_get_stats(&self->nl, &gone, &st));
}

/* A BUS_PROTO_NONE bus is not nfdbus's. */
TEST(raw_bus_not_filtered)
{
	struct bus_master m;
	struct nfdbus_nl nl;
	struct nfdbus_stats st;
	int err = nfdbus_nl_open(&nl);

	ASSERT_EQ(0, err);
	ASSERT_EQ(0, bus_master_open(&m, false, 0, 0));
	EXPECT_EQ(-EOPNOTSUPP, nfdbus_get_stats(&nl, &m, &st));
	EXPECT_STRNE("", nl.ext_msg);
	bus_master_close(&m);
	nfdbus_nl_close(&nl);
}

/*
 * Without CAP_NET_ADMIN, only the master's uid may configure a bus: an
 * unprivileged process gets EPERM on root's bus, and may configure its own.
 */
TEST(unprivileged_configuration)
{
	struct bus_master m;
	struct bus_peer p;
	struct nfdbus_nl nl;
	int err = nfdbus_nl_open(&nl), status;
	pid_t pid;

	ASSERT_EQ(0, err);
	if (geteuid() != 0)
		SKIP(return, "needs root to drop privileges");
	ASSERT_EQ(0, bus_master_open_proto(&m, BUS_PROTO_DBUS, false, 0, 0));
	ASSERT_EQ(0, bus_peer_connect(&m, &p, true));
	/* root (the master here) may */
	ASSERT_EQ(0, nfdbus_match(&nl, NFDBUS_CMD_ADD_MATCH, &m,
				  p.addr, "member='M'"));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct bus_master own;
		struct bus_peer op;
		struct nfdbus_stats st;
		struct nfdbus_nl unl;

		if (drop_privileges() || nfdbus_nl_open(&unl))
			_exit(10);
		if (nfdbus_match(&unl, NFDBUS_CMD_ADD_MATCH, &m,
				 p.addr, "member='N'") != -EPERM ||
		    !unl.ext_msg[0])
			_exit(11);
		if (nfdbus_get_stats(&unl, &m, &st) != -EPERM)
			_exit(12);
		if (nfdbus_set_strict(&unl, &m, 1) != -EPERM)
			_exit(13);
		/* its own bus: it is the master */
		if (bus_master_open_proto(&own, BUS_PROTO_DBUS, false, 0, 0) ||
		    bus_peer_connect(&own, &op, true))
			_exit(14);
		if (nfdbus_match(&unl, NFDBUS_CMD_ADD_MATCH, &own, op.addr, "member='N'") ||
		    nfdbus_get_stats(&unl, &own, &st))
			_exit(15);
		bus_peer_close(&op);
		bus_master_close(&own);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	bus_peer_close(&p);
	bus_master_close(&m);
	nfdbus_nl_close(&nl);
}

/* The whole program skips (exit 4) without AF_BUS or nfdbus. */
int main(int argc, char **argv)
{
	struct nfdbus_nl nl;

	if (!bus_supported())
		ksft_exit_skip("AF_BUS is not supported by this kernel\n");
	if (nfdbus_nl_open(&nl))
		ksft_exit_skip("no \"nfdbus\" generic netlink family\n");
	nfdbus_nl_close(&nl);
	return test_harness_run(argc, argv);
}
