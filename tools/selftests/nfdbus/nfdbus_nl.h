/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A raw generic netlink client for the "nfdbus" family, for the selftests:
 * resolve the family, build requests attribute by attribute, send them
 * with an ack requested, and return -errno with the extended ack message.
 */
#ifndef NFDBUS_NL_H
#define NFDBUS_NL_H

#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>
#include <linux/netfilter/nfdbus.h>

struct nfdbus_nl {
	int fd;
	uint16_t family;
	uint32_t seq;
	char ext_msg[256];	/* extack message of the last error, or "" */
	uint32_t miss_type;	/* NLMSGERR_ATTR_MISS_TYPE of it, or 0 */
};

#define NL_REQ_MAX	32768

struct nl_req {
	union {
		struct nlmsghdr nlh;
		uint8_t buf[NL_REQ_MAX];
	};
};

/*
 * Open a socket and resolve the family. Returns 0, -ENOENT if the kernel
 * has no "nfdbus" family, or another -errno.
 */
int nfdbus_nl_open(struct nfdbus_nl *nl);
void nfdbus_nl_close(struct nfdbus_nl *nl);

/* Start a request for @cmd; attributes are appended in order. */
void nl_req_init(struct nl_req *r, const struct nfdbus_nl *nl, uint8_t cmd);
void nl_put(struct nl_req *r, uint16_t type, const void *data, size_t len);
void nl_put_str(struct nl_req *r, uint16_t type, const char *s);
void nl_put_u8(struct nl_req *r, uint16_t type, uint8_t v);
void nl_put_u32(struct nl_req *r, uint16_t type, uint32_t v);
void nl_put_u64(struct nl_req *r, uint16_t type, uint64_t v);
struct nlattr *nl_nest_start(struct nl_req *r, uint16_t type);
void nl_nest_end(struct nl_req *r, struct nlattr *nest);

/*
 * Send @r and wait for its answer. @reply (may be NULL) gets a reply
 * message of up to @size bytes. Returns 0 or -errno from the ack.
 */
int nl_call(struct nfdbus_nl *nl, struct nl_req *r, void *reply, size_t size);

/* What every request needs: the path of the bus @m. */
struct bus_master;
void nl_put_bus(struct nl_req *r, const struct bus_master *m);

/* One-call helpers for the commands. */
int nfdbus_match(struct nfdbus_nl *nl, uint8_t cmd,
		 const struct bus_master *m,
		 uint64_t addr, const char *rule);
int nfdbus_name(struct nfdbus_nl *nl, uint8_t cmd,
		const struct bus_master *m,
		uint64_t addr, const char *name);
int nfdbus_simple(struct nfdbus_nl *nl, uint8_t cmd,
		  const struct bus_master *m,
		  uint64_t addr);
int nfdbus_set_strict(struct nfdbus_nl *nl, const struct bus_master *m, int on);

/* A policy rule; NULL strings, uid < 0 and type 0 are left out. */
struct nfdbus_policy {
	uint8_t action;
	long long uid;
	uint8_t type;
	const char *destination;
	const char *interface;
	const char *member;
};

int nfdbus_add_policy(struct nfdbus_nl *nl, const struct bus_master *m,
		      const struct nfdbus_policy *p);

/* Counters, indexed by enum nfdbus_stats_attr. */
struct nfdbus_stats {
	uint64_t c[__NFDBUS_STATS_MAX];
};

int nfdbus_get_stats(struct nfdbus_nl *nl, const struct bus_master *m, struct nfdbus_stats *st);

#endif /* NFDBUS_NL_H */
