// SPDX-License-Identifier: GPL-2.0
/*
 * The nfdbus part of af_bus_fuzz_test: D-Bus messages for BUS_PROTO_DBUS
 * buses, and generic netlink commands of the "nfdbus" family with random
 * attributes, using the nfdbus selftests' marshaller and client.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>

#include "../nfdbus/dbus_msg.h"
#include "../nfdbus/nfdbus_nl.h"
#include "af_bus_fuzz.h"

static struct {
	pthread_mutex_t lock;	/* nfdbus_nl keeps static buffers */
	struct nfdbus_nl nl;
	bool have;
} nl;

static const char *const dbus_names[] = {
	"org.example.Fuzz", "org.freedesktop.DBus", ":1.1", ":1.2", "a.b",
	"org.example.Fuzz.Sub", "bad..name", "", ":1.999999999999999999",
};

static const char *const dbus_members[] = {
	"Ping", "Changed", "NameOwnerChanged", "Hello", "9bad", "",
};

static const char *dbus_pick(struct fuzz_thread *t, const char *const *v,
			     size_t n)
{
	return one_in(t, 4) ? NULL : v[rnd(t, n)];
}

/* A D-Bus message that nfdbus will parse, sometimes damaged after. */
size_t fuzz_dbus_payload(struct fuzz_thread *t, uint8_t *buf)
{
	struct dbus_arg args[3] = {
		{ 's', "org.example.Fuzz" }, { 'o', "/org/example" },
		{ 's', ":1.1" },
	};
	struct dbus_hdr h = {
		.type = rnd(t, 6),
		.serial = rnd64(t),
		.path = one_in(t, 4) ? NULL : "/org/example/Fuzz",
		.interface = dbus_pick(t, dbus_names, ARRAY_SIZE(dbus_names)),
		.member = dbus_pick(t, dbus_members, ARRAY_SIZE(dbus_members)),
		.destination = dbus_pick(t, dbus_names, ARRAY_SIZE(dbus_names)),
		.sender = dbus_pick(t, dbus_names, ARRAY_SIZE(dbus_names)),
	};
	int len = dbus_build(buf, &h, args, rnd(t, 4));

	if (len < 0)
		return 0;
	if (one_in(t, 4))
		buf[rnd(t, len)] = rnd(t, 256);
	if (one_in(t, 6))
		len = rnd(t, len);
	return len;
}

static const char *const match_rules[] = {
	"type='signal'",
	"type='signal',interface='org.example.Fuzz',member='Changed'",
	"sender='org.example.Fuzz',path_namespace='/org'",
	"arg0='org.example.Fuzz',arg1path='/org/'",
	"arg0namespace='org.example'",
	"eavesdrop=true",
	"destination=':1.1'",
	"type='method_call',member='Ping'",
	"type='bogus'",
	"arg64='x'",
	"interface='unterminated",
	"member=Changed,,",
	"",
};

/* Text for a rule or a name attribute: a known one, random bytes, or one
 * longer than the limits.
 */
static void fuzz_text(struct fuzz_thread *t, char *buf, size_t size,
		      const char *const *known, size_t nknown)
{
	size_t len;

	if (!one_in(t, 4)) {
		snprintf(buf, size, "%s", known[rnd(t, nknown)]);
		return;
	}
	len = one_in(t, 3) ? size - 1 : rnd(t, 64);
	rnd_bytes(t, buf, len);
	buf[len] = 0;
}

static void nl_put_fuzz_path(struct fuzz_thread *t, struct nl_req *r)
{
	struct sockaddr_bus sa;
	socklen_t len = fuzz_path(t, &sa, false);
	uint8_t raw[BUS_PATH_MAX + 16];

	if (one_in(t, 10)) {	/* empty, or longer than a path */
		len = one_in(t, 2) ? 0 : sizeof(raw);
		rnd_bytes(t, raw, len);
		nl_put(r, NFDBUS_ATTR_BUS_PATH, raw, len);
		return;
	}
	if (len <= SBUS_PATH_OFF || len > sizeof(sa))
		len = SBUS_PATH_OFF + 1;
	nl_put(r, NFDBUS_ATTR_BUS_PATH, sa.sbus_path, len - SBUS_PATH_OFF);
}

static void nl_put_fuzz_policy(struct fuzz_thread *t, struct nl_req *r)
{
	struct nlattr *nest = nl_nest_start(r, NFDBUS_ATTR_POLICY);
	char text[NFDBUS_NAME_MAX + 8];

	if (!one_in(t, 8))
		nl_put_u8(r, NFDBUS_POLICY_ATTR_ACTION, rnd(t, 3));
	if (one_in(t, 2))
		nl_put_u32(r, NFDBUS_POLICY_ATTR_UID,
			   one_in(t, 2) ? NOBODY : (uint32_t)rnd64(t));
	if (one_in(t, 2))
		nl_put_u8(r, NFDBUS_POLICY_ATTR_TYPE, rnd(t, 6));
	if (one_in(t, 2)) {
		fuzz_text(t, text, sizeof(text), dbus_names,
			  ARRAY_SIZE(dbus_names));
		nl_put_str(r, NFDBUS_POLICY_ATTR_DESTINATION, text);
	}
	if (one_in(t, 2)) {
		fuzz_text(t, text, sizeof(text), dbus_names,
			  ARRAY_SIZE(dbus_names));
		nl_put_str(r, NFDBUS_POLICY_ATTR_INTERFACE, text);
	}
	if (one_in(t, 2)) {
		fuzz_text(t, text, sizeof(text), dbus_members,
			  ARRAY_SIZE(dbus_members));
		nl_put_str(r, NFDBUS_POLICY_ATTR_MEMBER, text);
	}
	if (one_in(t, 8))	/* unknown inside the nest */
		nl_put_u32(r, NFDBUS_POLICY_ATTR_MAX + 1 + rnd(t, 4), 0);
	nl_nest_end(r, nest);
}

static void nl_put_fuzz_names(struct fuzz_thread *t, struct nl_req *r)
{
	struct nlattr *nest = nl_nest_start(r, NFDBUS_ATTR_NAMES);
	char name[NFDBUS_NAME_MAX + 8];
	int i, n = rnd(t, one_in(t, 8) ? 200 : 5);

	for (i = 0; i < n; i++) {
		fuzz_text(t, name, sizeof(name), dbus_names,
			  ARRAY_SIZE(dbus_names));
		nl_put_str(r, one_in(t, 10) ? NFDBUS_ATTR_RULE : NFDBUS_ATTR_NAME,
			   name);
	}
	nl_nest_end(r, nest);
}

/* Each attribute present or not, right or wrong; the command too. */
static void nl_fuzz_request(struct fuzz_thread *t, struct nl_req *r)
{
	char text[NFDBUS_RULE_MAX + 8];
	uint32_t short_addr = rnd64(t);

	nl_req_init(r, &nl.nl, one_in(t, 12) ? rnd(t, 256) :
		    1 + rnd(t, NFDBUS_CMD_MAX));
	if (!one_in(t, 10))
		nl_put_fuzz_path(t, r);
	if (one_in(t, 40))	/* the kernel logs each: keep it rare */
		nl_put(r, NFDBUS_ATTR_ADDR, &short_addr, sizeof(short_addr));
	else if (!one_in(t, 4))
		nl_put_u64(r, NFDBUS_ATTR_ADDR, fuzz_bus_addr(t));
	if (one_in(t, 2)) {
		fuzz_text(t, text, sizeof(text), match_rules,
			  ARRAY_SIZE(match_rules));
		if (one_in(t, 10))	/* no NUL */
			nl_put(r, NFDBUS_ATTR_RULE, text, strlen(text));
		else
			nl_put_str(r, NFDBUS_ATTR_RULE, text);
	}
	if (one_in(t, 3)) {
		fuzz_text(t, text, NFDBUS_NAME_MAX + 8, dbus_names,
			  ARRAY_SIZE(dbus_names));
		nl_put_str(r, NFDBUS_ATTR_NAME, text);
	}
	if (one_in(t, 4))
		nl_put_fuzz_names(t, r);
	if (one_in(t, 4))
		nl_put_fuzz_policy(t, r);
	if (one_in(t, 4))
		nl_put_u8(r, NFDBUS_ATTR_STRICT, rnd(t, 3));
	if (one_in(t, 12))	/* an attribute only replies carry */
		nl_put(r, NFDBUS_ATTR_STATS, &short_addr, 0);
	if (one_in(t, 12))
		nl_put_u32(r, NFDBUS_ATTR_MAX + 1 + rnd(t, 100), 0);
}

/* The bus class a request names, from its path attribute: 'r', 'u' or 0. */
static char nl_req_class(const struct nl_req *r)
{
	const struct nlattr *a;
	const char *p;
	size_t off;

	for (off = NLMSG_HDRLEN + GENL_HDRLEN; off + NLA_HDRLEN <= r->nlh.nlmsg_len;
	     off += NLA_ALIGN(a->nla_len)) {
		a = (const struct nlattr *)(r->buf + off);
		if (a->nla_len < NLA_HDRLEN)
			break;
		if (a->nla_type != NFDBUS_ATTR_BUS_PATH)
			continue;
		p = memrchr((const char *)a + NLA_HDRLEN, '-',
			    a->nla_len - NLA_HDRLEN);
		if (!p)
			p = memrchr((const char *)a + NLA_HDRLEN, '/',
				    a->nla_len - NLA_HDRLEN);
		/* The class letter follows the last separator. */
		if (!p || p + 1 >= (const char *)a + a->nla_len)
			return 0;
		return p[1];
	}
	return 0;
}

bool fuzz_nfdbus_op(struct fuzz_thread *t)
{
	static __thread struct nl_req req;
	int err;

	if (!nl.have)
		return false;
	nl_fuzz_request(t, &req);
	pthread_mutex_lock(&nl.lock);
	err = nl_call(&nl.nl, &req, NULL, 0);
	pthread_mutex_unlock(&nl.lock);
	/* Only the master's uid or CAP_NET_ADMIN may use a bus; nobody
	 * workers never bind root's names.
	 */
	if (!err && !fuzz_privileged() && nl_req_class(&req) == 'r')
		violation("nfdbus obeyed nobody on a root bus (cmd %u)",
			  ((struct genlmsghdr *)NLMSG_DATA(&req.nlh))->cmd);
	return !err;
}

void fuzz_nfdbus_setup(void)
{
	struct timeval tv = { .tv_sec = 2 };

	pthread_mutex_init(&nl.lock, NULL);
	nl.have = !nfdbus_nl_open(&nl.nl);
	/* A lost answer must not hang the worker. */
	if (nl.have)
		setsockopt(nl.nl.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

void fuzz_nfdbus_teardown(void)
{
	if (nl.have)
		nfdbus_nl_close(&nl.nl);
}
