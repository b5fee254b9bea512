/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nfdbus: what the bus master told nfdbus about one bus (the match rules
 * of each connection, the names each connection owns, the policy, strict
 * mode), its counters, and the decision for one message copy.
 *
 * Writers (generic netlink, AF_BUS's release callbacks) hold nfdbus_mutex
 * and publish with RCU; the hook reads under RCU without locks.
 */
#ifndef _NFDBUS_STATE_H
#define _NFDBUS_STATE_H

#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <uapi/linux/netfilter/nfdbus.h>

#include "nfdbus_index.h"
#include "nfdbus_parse.h"
#include "nfdbus_rule.h"

/* Limits; dbus-daemon's system bus defaults for the first two */
#define NFDBUS_MAX_RULES_PER_CONN	512
#define NFDBUS_MAX_NAMES_PER_CONN	512
#define NFDBUS_MAX_POLICY_RULES		1024

#define NFDBUS_CONN_BITS	8
#define NFDBUS_NAME_BITS	8

/* The name the master (address 0) owns on every bus */
#define NFDBUS_DRIVER_NAME	"org.freedesktop.DBus"

/**
 * struct nfdbus_conn - what nfdbus knows of one connection
 * @hnode: in nfdbus_bus.conns
 * @addr: its prefix-0 address
 * @idx: its match rules, indexed
 * @rules: its match rules (struct nfdbus_match_entry.node), in order
 * @names: the names it owns (struct nfdbus_name.conn_node)
 * @nrules: entries on @rules
 * @nnames: entries on @names
 * @rcu: frees it after readers are done
 */
struct nfdbus_conn {
	struct hlist_node	hnode;
	u64			addr;
	struct nfdbus_index	idx;
	struct list_head	rules;
	struct list_head	names;
	unsigned int		nrules;
	unsigned int		nnames;
	struct rcu_head		rcu;
};

/**
 * struct nfdbus_match_entry - one installed match rule
 * @ie: its entry in the connection's index
 * @node: in nfdbus_conn.rules
 * @rcu: frees it after readers are done
 * @rule: the parsed rule; allocated only as long as its text needs
 */
struct nfdbus_match_entry {
	struct nfdbus_index_entry	ie;
	struct list_head		node;
	struct rcu_head			rcu;
	struct nfdbus_rule		rule;
};

/**
 * struct nfdbus_name - a well-known name and its owner
 * @hnode: in nfdbus_bus.names
 * @conn_node: in the owner's nfdbus_conn.names
 * @owner: the owner's prefix-0 address
 * @rcu: frees it after readers are done
 * @len: length of @name without the NUL
 * @name: the name, NUL-terminated
 */
struct nfdbus_name {
	struct hlist_node	hnode;
	struct list_head	conn_node;
	u64			owner;
	struct rcu_head		rcu;
	u8			len;
	char			name[];
};

/* Conditions present in a policy rule, bits of nfdbus_policy_rule.has */
enum {
	NFDBUS_POLICY_HAS_UID		= BIT(0),
	NFDBUS_POLICY_HAS_DESTINATION	= BIT(1),
	NFDBUS_POLICY_HAS_INTERFACE	= BIT(2),
	NFDBUS_POLICY_HAS_MEMBER	= BIT(3),
	NFDBUS_POLICY_HAS_TYPE		= BIT(4),
};

/**
 * struct nfdbus_policy_rule - one policy rule
 * @node: in nfdbus_bus.policy
 * @rcu: frees it after readers are done
 * @action: enum nfdbus_policy_action
 * @type: the message type it applies to (NFDBUS_POLICY_HAS_TYPE)
 * @has: NFDBUS_POLICY_HAS_* bits
 * @uid: the sender's uid it applies to
 * @destination: a name the recipient owns, or NULL
 * @interface: the INTERFACE field, or NULL
 * @member: the MEMBER field, or NULL
 * @destination_len: length of @destination
 * @interface_len: length of @interface
 * @member_len: length of @member
 * @text: storage of the three strings
 */
struct nfdbus_policy_rule {
	struct list_head	node;
	struct rcu_head		rcu;
	u8			action;
	u8			type;
	u8			has;
	kuid_t			uid;
	const char		*destination;
	const char		*interface;
	const char		*member;
	u16			destination_len;
	u16			interface_len;
	u16			member_len;
	char			text[];
};

/**
 * struct nfdbus_bus - nfdbus's state of one BUS_PROTO_DBUS bus
 * @conns: struct nfdbus_conn by address
 * @names: struct nfdbus_name by name
 * @policy: struct nfdbus_policy_rule in order
 * @npolicy: entries on @policy
 * @strict: drop messages with a SENDER the sender does not own
 * @stats: counters, indexed by enum nfdbus_stats_attr
 * @msg: the hook's parse result, used by the hook only, under the bus's
 *	sequencing lock; it points into the message's skb or into the
 *	CPU's scratch buffer (nfdbus_hook.c), valid while @msg_seq is current
 * @msg_seq: bus_nf_msg_seq() of the message @msg was parsed from (0:
 *	none yet); its other copies reuse @msg instead of parsing again
 * @msg_ok: that message parsed; false: it is malformed
 * @rcu: frees it after readers are done
 *
 * The hook of one bus runs under that bus's sequencing lock, never for
 * two copies at once, so @msg, @msg_seq and @msg_ok need no
 * lock. Counters are atomic for the readers; writers never contend (same
 * lock).
 */
struct nfdbus_bus {
	DECLARE_HASHTABLE(conns, NFDBUS_CONN_BITS);
	DECLARE_HASHTABLE(names, NFDBUS_NAME_BITS);
	struct list_head	policy;
	unsigned int		npolicy;
	bool			strict;
	atomic64_t		stats[__NFDBUS_STATS_MAX];
	struct nfdbus_msg	msg;
	u64			msg_seq;
	bool			msg_ok;
	struct rcu_head		rcu;
};

/* Why a copy goes to its recipient, from skb->pkt_type */
enum nfdbus_copy_kind {
	NFDBUS_COPY_UNICAST,
	NFDBUS_COPY_MULTICAST,
	NFDBUS_COPY_EAVESDROP,
};

/**
 * struct nfdbus_copy - one message copy being judged
 * @src: the sending address (BUS_MASTER_ADDR: the master)
 * @rcpt: the recipient's prefix-0 address
 * @uid: the sender's uid
 * @kind: enum nfdbus_copy_kind
 */
struct nfdbus_copy {
	u64	src;
	u64	rcpt;
	kuid_t	uid;
	u8	kind;
};

extern struct mutex nfdbus_mutex;

struct nfdbus_bus *nfdbus_bus_alloc(void);
void nfdbus_bus_free(struct nfdbus_bus *nb);

int nfdbus_add_match(struct nfdbus_bus *nb, u64 addr,
		     const struct nfdbus_rule *rule);
int nfdbus_remove_match(struct nfdbus_bus *nb, u64 addr,
			const struct nfdbus_rule *rule);
void nfdbus_remove_conn(struct nfdbus_bus *nb, u64 addr);
int nfdbus_add_name(struct nfdbus_bus *nb, u64 addr, const char *name,
		    size_t len);
int nfdbus_del_name(struct nfdbus_bus *nb, u64 addr, const char *name,
		    size_t len);
int nfdbus_set_names(struct nfdbus_bus *nb, u64 addr,
		     const char *const *names, const size_t *lens,
		     unsigned int n);
int nfdbus_add_policy(struct nfdbus_bus *nb, struct nfdbus_policy_rule *p);
void nfdbus_flush_policy(struct nfdbus_bus *nb);
struct nfdbus_policy_rule *nfdbus_policy_alloc(const char *destination,
					       const char *interface,
					       const char *member);

bool nfdbus_unique_name_addr(const char *s, size_t len, u64 *addr);
bool nfdbus_addr_owns(const struct nfdbus_bus *nb, u64 addr,
		      const char *name, size_t len);
int nfdbus_judge(const struct nfdbus_bus *nb, const struct nfdbus_msg *msg,
		 const struct nfdbus_copy *c);

#endif /* _NFDBUS_STATE_H */
