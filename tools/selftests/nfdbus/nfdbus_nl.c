// SPDX-License-Identifier: GPL-2.0
/* A raw generic netlink client for the "nfdbus" family; see nfdbus_nl.h. */

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/bus.h>
#include <linux/genetlink.h>

#include "../af_bus/af_bus_util.h"
#include "nfdbus_nl.h"

#define NLA_DATA(nla)	((void *)((char *)(nla) + NLA_HDRLEN))

static void nl_put_raw(struct nl_req *r, uint16_t type, const void *data,
		       size_t len)
{
	struct nlattr *nla;

	if (NLMSG_ALIGN(r->nlh.nlmsg_len) + NLA_ALIGN(NLA_HDRLEN + len) >
	    NL_REQ_MAX)
		return; /* the kernel then sees a request without it */
	nla = (struct nlattr *)(r->buf + NLMSG_ALIGN(r->nlh.nlmsg_len));
	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	memcpy(NLA_DATA(nla), data, len);
	memset((char *)NLA_DATA(nla) + len, 0, NLA_ALIGN(len) - len);
	r->nlh.nlmsg_len = NLMSG_ALIGN(r->nlh.nlmsg_len) +
			   NLA_ALIGN(nla->nla_len);
}

void nl_put(struct nl_req *r, uint16_t type, const void *data, size_t len)
{
	nl_put_raw(r, type, data, len);
}

void nl_put_str(struct nl_req *r, uint16_t type, const char *s)
{
	nl_put_raw(r, type, s, strlen(s) + 1);
}

void nl_put_u8(struct nl_req *r, uint16_t type, uint8_t v)
{
	nl_put_raw(r, type, &v, sizeof(v));
}

void nl_put_u32(struct nl_req *r, uint16_t type, uint32_t v)
{
	nl_put_raw(r, type, &v, sizeof(v));
}

void nl_put_u64(struct nl_req *r, uint16_t type, uint64_t v)
{
	nl_put_raw(r, type, &v, sizeof(v));
}

struct nlattr *nl_nest_start(struct nl_req *r, uint16_t type)
{
	struct nlattr *nest = (struct nlattr *)(r->buf +
						NLMSG_ALIGN(r->nlh.nlmsg_len));

	nl_put_raw(r, type | NLA_F_NESTED, NULL, 0);
	return nest;
}

void nl_nest_end(struct nl_req *r, struct nlattr *nest)
{
	nest->nla_len = r->buf + r->nlh.nlmsg_len - (uint8_t *)nest;
}

static void nl_init(struct nl_req *r, uint16_t family, uint8_t cmd,
		    uint8_t version)
{
	struct genlmsghdr *g;

	memset(&r->nlh, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	r->nlh.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	r->nlh.nlmsg_type = family;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	g = (struct genlmsghdr *)(r->buf + NLMSG_HDRLEN);
	g->cmd = cmd;
	g->version = version;
}

void nl_req_init(struct nl_req *r, const struct nfdbus_nl *nl, uint8_t cmd)
{
	nl_init(r, nl->family, cmd, NFDBUS_GENL_VERSION);
}

/* The extended ack attributes after a struct nlmsgerr. */
static void nl_parse_ext_ack(struct nfdbus_nl *nl, const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	const struct nlattr *a;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	while (off + NLA_HDRLEN <= h->nlmsg_len) {
		a = (const struct nlattr *)((const char *)h + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > h->nlmsg_len)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			size_t n = a->nla_len - NLA_HDRLEN;

			if (n >= sizeof(nl->ext_msg))
				n = sizeof(nl->ext_msg) - 1;
			memcpy(nl->ext_msg, NLA_DATA(a), n);
			nl->ext_msg[n] = 0;
		} else if ((a->nla_type & NLA_TYPE_MASK) ==
			   NLMSGERR_ATTR_MISS_TYPE) {
			memcpy(&nl->miss_type, NLA_DATA(a), sizeof(uint32_t));
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

int nl_call(struct nfdbus_nl *nl, struct nl_req *r, void *reply, size_t size)
{
	static uint8_t buf[65536];
	struct nlmsghdr *h;
	ssize_t n;
	int err = -EPROTO;

	nl->ext_msg[0] = 0;
	nl->miss_type = 0;
	r->nlh.nlmsg_seq = ++nl->seq;
	if (send(nl->fd, r->buf, r->nlh.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(nl->fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != nl->seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
				nl_parse_ext_ack(nl, h);
				return err;
			}
			if (reply && h->nlmsg_len <= size)
				memcpy(reply, h, h->nlmsg_len);
		}
	}
}

/* CTRL_CMD_GETFAMILY for "nfdbus". */
static int nl_resolve(struct nfdbus_nl *nl)
{
	static struct nl_req r;
	static uint8_t reply[8192];
	struct nlmsghdr *h = (struct nlmsghdr *)reply;
	struct nlattr *a;
	size_t off;
	int err;

	nl_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	nl_put_str(&r, CTRL_ATTR_FAMILY_NAME, NFDBUS_GENL_NAME);
	memset(reply, 0, sizeof(reply));
	err = nl_call(nl, &r, reply, sizeof(reply));
	if (err)
		return err;
	for (off = NLMSG_HDRLEN + GENL_HDRLEN; off + NLA_HDRLEN <= h->nlmsg_len;
	     off += NLA_ALIGN(a->nla_len)) {
		a = (struct nlattr *)(reply + off);
		if (a->nla_len < NLA_HDRLEN)
			break;
		if (a->nla_type == CTRL_ATTR_FAMILY_ID) {
			memcpy(&nl->family, NLA_DATA(a), sizeof(nl->family));
			return 0;
		}
	}
	return -EPROTO;
}

int nfdbus_nl_open(struct nfdbus_nl *nl)
{
	int one = 1, err;

	memset(nl, 0, sizeof(*nl));
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	err = nl_resolve(nl);
	if (err) {
		close(nl->fd);
		nl->fd = -1;
	}
	return err;
}

void nfdbus_nl_close(struct nfdbus_nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

void nl_put_bus(struct nl_req *r, const struct bus_master *m)
{
	nl_put(r, NFDBUS_ATTR_BUS_PATH, m->sa.sbus_path,
	       m->salen - offsetof(struct sockaddr_bus, sbus_path));
}

/* A per-connection command with one string attribute. */
static int nfdbus_conn_str(struct nfdbus_nl *nl, uint8_t cmd,
			   const struct bus_master *m, uint64_t addr,
			   uint16_t attr, const char *str)
{
	static struct nl_req r;

	nl_req_init(&r, nl, cmd);
	nl_put_bus(&r, m);
	nl_put_u64(&r, NFDBUS_ATTR_ADDR, addr);
	nl_put_str(&r, attr, str);
	return nl_call(nl, &r, NULL, 0);
}

int nfdbus_match(struct nfdbus_nl *nl, uint8_t cmd,
		 const struct bus_master *m,
		 uint64_t addr, const char *rule)
{
	return nfdbus_conn_str(nl, cmd, m, addr, NFDBUS_ATTR_RULE, rule);
}

int nfdbus_name(struct nfdbus_nl *nl, uint8_t cmd,
		const struct bus_master *m,
		uint64_t addr, const char *name)
{
	return nfdbus_conn_str(nl, cmd, m, addr, NFDBUS_ATTR_NAME, name);
}

int nfdbus_simple(struct nfdbus_nl *nl, uint8_t cmd,
		  const struct bus_master *m,
		  uint64_t addr)
{
	static struct nl_req r;

	nl_req_init(&r, nl, cmd);
	nl_put_bus(&r, m);
	if (addr)
		nl_put_u64(&r, NFDBUS_ATTR_ADDR, addr);
	return nl_call(nl, &r, NULL, 0);
}

int nfdbus_set_strict(struct nfdbus_nl *nl, const struct bus_master *m, int on)
{
	static struct nl_req r;

	nl_req_init(&r, nl, NFDBUS_CMD_SET_STRICT);
	nl_put_bus(&r, m);
	nl_put_u8(&r, NFDBUS_ATTR_STRICT, on);
	return nl_call(nl, &r, NULL, 0);
}

int nfdbus_add_policy(struct nfdbus_nl *nl, const struct bus_master *m,
		      const struct nfdbus_policy *p)
{
	static struct nl_req r;
	struct nlattr *nest;

	nl_req_init(&r, nl, NFDBUS_CMD_ADD_POLICY);
	nl_put_bus(&r, m);
	nest = nl_nest_start(&r, NFDBUS_ATTR_POLICY);
	nl_put_u8(&r, NFDBUS_POLICY_ATTR_ACTION, p->action);
	if (p->uid >= 0)
		nl_put_u32(&r, NFDBUS_POLICY_ATTR_UID, p->uid);
	if (p->type)
		nl_put_u8(&r, NFDBUS_POLICY_ATTR_TYPE, p->type);
	if (p->destination)
		nl_put_str(&r, NFDBUS_POLICY_ATTR_DESTINATION, p->destination);
	if (p->interface)
		nl_put_str(&r, NFDBUS_POLICY_ATTR_INTERFACE, p->interface);
	if (p->member)
		nl_put_str(&r, NFDBUS_POLICY_ATTR_MEMBER, p->member);
	nl_nest_end(&r, nest);
	return nl_call(nl, &r, NULL, 0);
}

int nfdbus_get_stats(struct nfdbus_nl *nl, const struct bus_master *m, struct nfdbus_stats *st)
{
	static struct nl_req r;
	static uint8_t reply[4096];
	struct nlmsghdr *h = (struct nlmsghdr *)reply;
	struct nlattr *a, *c;
	size_t off, coff;
	int err;

	memset(st, 0, sizeof(*st));
	memset(reply, 0, sizeof(reply));
	nl_req_init(&r, nl, NFDBUS_CMD_GET_STATS);
	nl_put_bus(&r, m);
	err = nl_call(nl, &r, reply, sizeof(reply));
	if (err)
		return err;
	for (off = NLMSG_HDRLEN + GENL_HDRLEN; off + NLA_HDRLEN <= h->nlmsg_len;
	     off += NLA_ALIGN(a->nla_len)) {
		a = (struct nlattr *)(reply + off);
		if (a->nla_len < NLA_HDRLEN)
			return -EPROTO;
		if ((a->nla_type & NLA_TYPE_MASK) != NFDBUS_ATTR_STATS)
			continue;
		for (coff = NLA_HDRLEN; coff + NLA_HDRLEN <= a->nla_len;
		     coff += NLA_ALIGN(c->nla_len)) {
			c = (struct nlattr *)((uint8_t *)a + coff);
			if (c->nla_len < NLA_HDRLEN)
				return -EPROTO;
			if (c->nla_type < __NFDBUS_STATS_MAX &&
			    c->nla_type != NFDBUS_STATS_PAD &&
			    c->nla_len == NLA_HDRLEN + 8)
				memcpy(&st->c[c->nla_type], NLA_DATA(c), 8);
		}
		return 0;
	}
	return -EPROTO;
}
