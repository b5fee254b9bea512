// SPDX-License-Identifier: GPL-2.0
/*
 * nfdbus: the decision for one copy of a parsed message.
 *
 * In this order, the first that applies decides:
 *  1. strict mode, for a message a peer sent (not the master): its SENDER
 *     must be a name the sending address owns, else DROPPED_SPOOFED;
 *  2. policy, for a message a peer sent: the last policy rule whose
 *     conditions all hold decides; DENY is DROPPED_POLICY, and with no
 *     rule applying the message is allowed;
 *  3. a unicast copy is ACCEPTED;
 *  4. a multicast copy is ACCEPTED if its recipient owns the DESTINATION;
 *     otherwise one of the recipient's match rules must match it, where a
 *     copy the recipient gets as an eavesdropper, or a multicast copy
 *     whose DESTINATION is someone else's, is matched only by rules with
 *     eavesdrop='true' (as dbus-daemon does); else DROPPED_NO_MATCH.
 *
 * The master is the authority of the bus (it installs everything nfdbus
 * knows, so it could make any SENDER "owned"); its messages skip 1 and 2.
 * Copies to the master are not judged at all (nfdbus_hook.c).
 *
 * Ownership: the unique name ":1.N" is owned by the prefix-0 address N
 * (N decimal without leading zeros), NFDBUS_DRIVER_NAME by the master, and
 * a well-known name by the connection the master last gave it to.
 *
 * Everything here only reads the tables, under rcu_read_lock() (the hook)
 * or nfdbus_mutex.
 */

#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/rculist.h>
#include <linux/string.h>
#include <net/af_bus.h>

#include "nfdbus_state.h"

/**
 * nfdbus_unique_name_addr() - the address a unique name stands for
 * @s: a name, not necessarily NUL-terminated
 * @len: its length
 * @addr: set to the prefix-0 address N of ":1.N"
 *
 * Return: true if @s is ":1.N" with N a canonical decimal number of a
 * prefix-0 peer address (1 to 2^48 - 2).
 */
bool nfdbus_unique_name_addr(const char *s, size_t len, u64 *addr)
{
	u64 n = 0;
	size_t i;

	if (len < 4 || len > 18 || memcmp(s, ":1.", 3) || s[3] == '0')
		return false;
	for (i = 3; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		n = n * 10 + (s[i] - '0');
	}
	if (n == 0 || n >= BUS_CLIENT_MASK)
		return false;
	*addr = BUS_ADDR(0, n);
	return true;
}

static bool str_is(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && !memcmp(s, lit, len);
}

/**
 * nfdbus_addr_owns() - does a connection own a name now?
 * @nb: the bus
 * @addr: the connection's prefix-0 address (BUS_MASTER_ADDR: the master)
 * @name: a unique or well-known name
 * @len: its length
 *
 * Return: true if @addr owns @name.
 */
bool nfdbus_addr_owns(const struct nfdbus_bus *nb, u64 addr,
		      const char *name, size_t len)
{
	const struct nfdbus_name *n;
	u64 unique;

	if (!len)
		return false;
	if (name[0] == ':')
		return nfdbus_unique_name_addr(name, len, &unique) &&
		       unique == addr;
	if (str_is(name, len, NFDBUS_DRIVER_NAME))
		return addr == BUS_MASTER_ADDR;
	hash_for_each_possible_rcu(nb->names, n, hnode, jhash(name, len, 0))
		if (n->len == len && !memcmp(n->name, name, len))
			return n->owner == addr;
	return false;
}

/* nfdbus_match_env.owns: the connection named @unique owns @name. */
static bool nfdbus_env_owns(void *priv, const char *name, size_t name_len,
			    const char *unique, size_t unique_len)
{
	u64 addr;

	return nfdbus_unique_name_addr(unique, unique_len, &addr) &&
	       nfdbus_addr_owns(priv, addr, name, name_len);
}

static bool nfdbus_str_is(const struct nfdbus_str *s, const char *want,
			  size_t len)
{
	return s->s && s->len == len && !memcmp(s->s, want, len);
}

static bool nfdbus_policy_applies(const struct nfdbus_bus *nb,
				  const struct nfdbus_policy_rule *p,
				  const struct nfdbus_msg *msg,
				  const struct nfdbus_copy *c)
{
	if ((p->has & NFDBUS_POLICY_HAS_UID) && !uid_eq(p->uid, c->uid))
		return false;
	if ((p->has & NFDBUS_POLICY_HAS_TYPE) && p->type != msg->type)
		return false;
	if ((p->has & NFDBUS_POLICY_HAS_INTERFACE) &&
	    !nfdbus_str_is(&msg->interface, p->interface, p->interface_len))
		return false;
	if ((p->has & NFDBUS_POLICY_HAS_MEMBER) &&
	    !nfdbus_str_is(&msg->member, p->member, p->member_len))
		return false;
	if ((p->has & NFDBUS_POLICY_HAS_DESTINATION) &&
	    !nfdbus_addr_owns(nb, c->rcpt, p->destination, p->destination_len))
		return false;
	return true;
}

static bool nfdbus_policy_allows(const struct nfdbus_bus *nb,
				 const struct nfdbus_msg *msg,
				 const struct nfdbus_copy *c)
{
	const struct nfdbus_policy_rule *p;
	u8 action = NFDBUS_POLICY_ALLOW;

	list_for_each_entry_rcu(p, &nb->policy, node,
				lockdep_is_held(&nfdbus_mutex))
		if (nfdbus_policy_applies(nb, p, msg, c))
			action = p->action;
	return action == NFDBUS_POLICY_ALLOW;
}

static const struct nfdbus_conn *nfdbus_conn_find(const struct nfdbus_bus *nb,
						  u64 addr)
{
	const struct nfdbus_conn *conn;

	hash_for_each_possible_rcu(nb->conns, conn, hnode, addr,
				   lockdep_is_held(&nfdbus_mutex))
		if (conn->addr == addr)
			return conn;
	return NULL;
}

/**
 * nfdbus_judge() - decide what happens to one copy of a message
 * @nb: the bus
 * @msg: the parsed message
 * @c: the copy: sender, recipient, the sender's uid, why it goes there
 *
 * See the top of this file. Call under rcu_read_lock() or nfdbus_mutex.
 *
 * Return: the counter the copy falls in: NFDBUS_STATS_ACCEPTED,
 * NFDBUS_STATS_DROPPED_SPOOFED, NFDBUS_STATS_DROPPED_POLICY or
 * NFDBUS_STATS_DROPPED_NO_MATCH.
 */
int nfdbus_judge(const struct nfdbus_bus *nb, const struct nfdbus_msg *msg,
		 const struct nfdbus_copy *c)
{
	struct nfdbus_match_env env = {
		.owns = nfdbus_env_owns,
		.priv = (void *)nb,
	};
	const struct nfdbus_conn *conn;

	if (c->src != BUS_MASTER_ADDR) {
		if (READ_ONCE(nb->strict) &&
		    (!msg->sender.s ||
		     !nfdbus_addr_owns(nb, c->src, msg->sender.s,
				       msg->sender.len)))
			return NFDBUS_STATS_DROPPED_SPOOFED;
		if (!nfdbus_policy_allows(nb, msg, c))
			return NFDBUS_STATS_DROPPED_POLICY;
	}
	if (c->kind == NFDBUS_COPY_UNICAST)
		return NFDBUS_STATS_ACCEPTED;

	env.eavesdrop = c->kind == NFDBUS_COPY_EAVESDROP;
	if (!env.eavesdrop && msg->destination.s) {
		if (nfdbus_addr_owns(nb, c->rcpt, msg->destination.s,
				     msg->destination.len))
			return NFDBUS_STATS_ACCEPTED;
		env.eavesdrop = true;
	}
	conn = nfdbus_conn_find(nb, c->rcpt);
	if (conn && nfdbus_index_match(&conn->idx, msg, &env))
		return NFDBUS_STATS_ACCEPTED;
	return NFDBUS_STATS_DROPPED_NO_MATCH;
}
