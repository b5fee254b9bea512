// SPDX-License-Identifier: GPL-2.0
/*
 * nfdbus: the per-bus tables the bus master fills over generic netlink:
 * match rules per connection, well-known names and their owners, policy
 * rules, strict mode.
 *
 * Locking: every function here that changes a table must be called with
 * nfdbus_mutex held; it publishes with the RCU list primitives and frees
 * what it unlinks after a grace period, so the hook (nfdbus_verdict.c)
 * reads the tables under rcu_read_lock() alone. Memory is bounded per
 * connection (NFDBUS_MAX_RULES_PER_CONN, NFDBUS_MAX_NAMES_PER_CONN) and
 * per bus (NFDBUS_MAX_POLICY_RULES); connections exist only for peers on
 * the bus, which AF_BUS reports when they leave.
 */

#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/af_bus.h>

#include "nfdbus_state.h"

/* Serialises every writer of every bus's tables, see above. */
DEFINE_MUTEX(nfdbus_mutex);

/**
 * nfdbus_bus_alloc() - new, empty state for a bus
 *
 * Any user can bind a bus, so what a bus costs here is what a user can pin
 * per bind: the tables, about 5 KiB empty. The buffer non-linear messages
 * are copied to is per CPU, not per bus (nfdbus_hook.c).
 *
 * Return: the state, or NULL without memory.
 */
struct nfdbus_bus *nfdbus_bus_alloc(void)
{
	struct nfdbus_bus *nb;

	nb = kzalloc(sizeof(*nb), GFP_KERNEL_ACCOUNT);
	if (!nb)
		return NULL;
	hash_init(nb->conns);
	hash_init(nb->names);
	INIT_LIST_HEAD(&nb->policy);
	return nb;
}

static void nfdbus_conn_free(struct nfdbus_conn *conn)
{
	struct nfdbus_match_entry *m, *mtmp;
	struct nfdbus_name *n, *ntmp;

	list_for_each_entry_safe(m, mtmp, &conn->rules, node)
		kfree(m);
	list_for_each_entry_safe(n, ntmp, &conn->names, conn_node)
		kfree(n);
	kfree(conn);
}

static void nfdbus_bus_free_rcu(struct rcu_head *head)
{
	struct nfdbus_bus *nb = container_of(head, struct nfdbus_bus, rcu);
	struct nfdbus_policy_rule *p, *ptmp;
	struct nfdbus_conn *conn;
	struct hlist_node *tmp;
	int bkt;

	hash_for_each_safe(nb->conns, bkt, tmp, conn, hnode)
		nfdbus_conn_free(conn);
	list_for_each_entry_safe(p, ptmp, &nb->policy, node)
		kfree(p);
	kfree(nb);
}

/**
 * nfdbus_bus_free() - free the state of a bus once readers are done
 * @nb: the state, no longer reachable for new readers
 *
 * Call with nfdbus_mutex held (no writer may still use @nb afterwards).
 */
void nfdbus_bus_free(struct nfdbus_bus *nb)
{
	lockdep_assert_held(&nfdbus_mutex);
	call_rcu(&nb->rcu, nfdbus_bus_free_rcu);
}

static struct nfdbus_conn *nfdbus_conn_lookup(struct nfdbus_bus *nb, u64 addr)
{
	struct nfdbus_conn *conn;

	hash_for_each_possible(nb->conns, conn, hnode, addr)
		if (conn->addr == addr)
			return conn;
	return NULL;
}

static struct nfdbus_conn *nfdbus_conn_get(struct nfdbus_bus *nb, u64 addr)
{
	struct nfdbus_conn *conn = nfdbus_conn_lookup(nb, addr);

	if (conn)
		return conn;
	conn = kzalloc(sizeof(*conn), GFP_KERNEL_ACCOUNT);
	if (!conn)
		return NULL;
	conn->addr = addr;
	nfdbus_index_init(&conn->idx);
	INIT_LIST_HEAD(&conn->rules);
	INIT_LIST_HEAD(&conn->names);
	hash_add_rcu(nb->conns, &conn->hnode, addr);
	return conn;
}

/* A connection with nothing left goes, so tables hold only what is used. */
static void nfdbus_conn_put_if_empty(struct nfdbus_conn *conn)
{
	if (conn->nrules || conn->nnames)
		return;
	hash_del_rcu(&conn->hnode);
	kfree_rcu(conn, rcu);
}

/**
 * nfdbus_add_match() - install a match rule for a connection
 * @nb: the bus
 * @addr: the connection's prefix-0 address
 * @rule: the parsed rule, copied
 *
 * Return: 0, -ENOSPC if the connection has NFDBUS_MAX_RULES_PER_CONN
 * rules already, -ENOMEM.
 */
int nfdbus_add_match(struct nfdbus_bus *nb, u64 addr,
		     const struct nfdbus_rule *rule)
{
	size_t size = offsetof(struct nfdbus_match_entry, rule.text) +
		      rule->text_len + 1;
	struct nfdbus_match_entry *m;
	struct nfdbus_conn *conn;

	lockdep_assert_held(&nfdbus_mutex);
	conn = nfdbus_conn_lookup(nb, addr);
	if (conn && conn->nrules >= NFDBUS_MAX_RULES_PER_CONN)
		return -ENOSPC;
	m = kmalloc(size, GFP_KERNEL_ACCOUNT);
	if (!m)
		return -ENOMEM;
	memcpy(&m->rule, rule, size - offsetof(struct nfdbus_match_entry, rule));
	conn = nfdbus_conn_get(nb, addr);
	if (!conn) {
		kfree(m);
		return -ENOMEM;
	}
	list_add_tail(&m->node, &conn->rules);
	conn->nrules++;
	nfdbus_index_add(&conn->idx, &m->ie, &m->rule);
	return 0;
}

/**
 * nfdbus_remove_match() - remove one instance of a rule from a connection
 * @nb: the bus
 * @addr: the connection's prefix-0 address
 * @rule: a rule equal to the one installed (nfdbus_rule_equal())
 *
 * Return: 0, or -ENOENT if the connection has no such rule.
 */
int nfdbus_remove_match(struct nfdbus_bus *nb, u64 addr,
			const struct nfdbus_rule *rule)
{
	struct nfdbus_match_entry *m;
	struct nfdbus_conn *conn;

	lockdep_assert_held(&nfdbus_mutex);
	conn = nfdbus_conn_lookup(nb, addr);
	if (!conn)
		return -ENOENT;
	list_for_each_entry(m, &conn->rules, node) {
		if (!nfdbus_rule_equal(&m->rule, rule))
			continue;
		nfdbus_index_del(&conn->idx, &m->ie);
		list_del(&m->node);
		conn->nrules--;
		kfree_rcu(m, rcu);
		nfdbus_conn_put_if_empty(conn);
		return 0;
	}
	return -ENOENT;
}

static void nfdbus_name_unlink(struct nfdbus_conn *conn, struct nfdbus_name *n)
{
	hash_del_rcu(&n->hnode);
	list_del(&n->conn_node);
	conn->nnames--;
	kfree_rcu(n, rcu);
}

/**
 * nfdbus_remove_conn() - forget every rule and name of a connection
 * @nb: the bus
 * @addr: the connection's prefix-0 address
 *
 * For NFDBUS_CMD_REMOVE_ALL and for a peer that left the bus.
 */
void nfdbus_remove_conn(struct nfdbus_bus *nb, u64 addr)
{
	struct nfdbus_match_entry *m, *mtmp;
	struct nfdbus_name *n, *ntmp;
	struct nfdbus_conn *conn;

	lockdep_assert_held(&nfdbus_mutex);
	conn = nfdbus_conn_lookup(nb, addr);
	if (!conn)
		return;
	list_for_each_entry_safe(m, mtmp, &conn->rules, node) {
		nfdbus_index_del(&conn->idx, &m->ie);
		list_del(&m->node);
		conn->nrules--;
		kfree_rcu(m, rcu);
	}
	list_for_each_entry_safe(n, ntmp, &conn->names, conn_node)
		nfdbus_name_unlink(conn, n);
	nfdbus_conn_put_if_empty(conn);
}

static u32 nfdbus_name_hash(const char *name, size_t len)
{
	return jhash(name, len, 0);
}

static struct nfdbus_name *nfdbus_name_lookup(struct nfdbus_bus *nb,
					      const char *name, size_t len)
{
	struct nfdbus_name *n;

	hash_for_each_possible(nb->names, n, hnode, nfdbus_name_hash(name, len))
		if (n->len == len && !memcmp(n->name, name, len))
			return n;
	return NULL;
}

static struct nfdbus_name *nfdbus_name_new(u64 addr, const char *name,
					   size_t len)
{
	struct nfdbus_name *n;

	n = kmalloc(struct_size(n, name, len + 1), GFP_KERNEL_ACCOUNT);
	if (!n)
		return NULL;
	n->owner = addr;
	n->len = len;
	memcpy(n->name, name, len);
	n->name[len] = 0;
	return n;
}

static void nfdbus_name_link(struct nfdbus_bus *nb, struct nfdbus_conn *conn,
			     struct nfdbus_name *n)
{
	list_add_tail(&n->conn_node, &conn->names);
	conn->nnames++;
	hash_add_rcu(nb->names, &n->hnode, nfdbus_name_hash(n->name, n->len));
}

/**
 * nfdbus_add_name() - a connection now owns a well-known name
 * @nb: the bus
 * @addr: the connection's prefix-0 address
 * @name: a valid well-known bus name (not unique, not the driver's)
 * @len: its length, at most NFDBUS_NAME_MAX
 *
 * Return: 0, -EEXIST if the connection owns it already, -EADDRINUSE if
 * another connection does, -ENOSPC at NFDBUS_MAX_NAMES_PER_CONN names,
 * -ENOMEM.
 */
int nfdbus_add_name(struct nfdbus_bus *nb, u64 addr, const char *name,
		    size_t len)
{
	struct nfdbus_conn *conn;
	struct nfdbus_name *n;

	lockdep_assert_held(&nfdbus_mutex);
	n = nfdbus_name_lookup(nb, name, len);
	if (n)
		return n->owner == addr ? -EEXIST : -EADDRINUSE;
	conn = nfdbus_conn_lookup(nb, addr);
	if (conn && conn->nnames >= NFDBUS_MAX_NAMES_PER_CONN)
		return -ENOSPC;
	n = nfdbus_name_new(addr, name, len);
	if (!n)
		return -ENOMEM;
	conn = nfdbus_conn_get(nb, addr);
	if (!conn) {
		kfree(n);
		return -ENOMEM;
	}
	nfdbus_name_link(nb, conn, n);
	return 0;
}

/**
 * nfdbus_del_name() - a connection no longer owns a name
 * @nb: the bus
 * @addr: the connection's prefix-0 address
 * @name: the name
 * @len: its length
 *
 * Return: 0, or -ENOENT if the connection does not own it.
 */
int nfdbus_del_name(struct nfdbus_bus *nb, u64 addr, const char *name,
		    size_t len)
{
	struct nfdbus_conn *conn;
	struct nfdbus_name *n;

	lockdep_assert_held(&nfdbus_mutex);
	n = nfdbus_name_lookup(nb, name, len);
	if (!n || n->owner != addr)
		return -ENOENT;
	conn = nfdbus_conn_lookup(nb, addr);
	nfdbus_name_unlink(conn, n);
	nfdbus_conn_put_if_empty(conn);
	return 0;
}

/**
 * nfdbus_set_names() - replace the names a connection owns
 * @nb: the bus
 * @addr: the connection's prefix-0 address
 * @names: valid well-known names
 * @lens: their lengths
 * @n: how many; 0 removes every name
 *
 * All or nothing: on error the connection keeps the names it had.
 *
 * Return: 0, -E2BIG for more than NFDBUS_MAX_NAMES_PER_CONN names,
 * -EINVAL if a name is given twice, -EADDRINUSE if another connection
 * owns one of them, -ENOMEM.
 */
int nfdbus_set_names(struct nfdbus_bus *nb, u64 addr,
		     const char *const *names, const size_t *lens,
		     unsigned int n)
{
	struct nfdbus_name *old, *tmp, **fresh = NULL;
	struct nfdbus_conn *conn;
	unsigned int i, j;
	int err;

	lockdep_assert_held(&nfdbus_mutex);
	if (n > NFDBUS_MAX_NAMES_PER_CONN)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		old = nfdbus_name_lookup(nb, names[i], lens[i]);
		if (old && old->owner != addr)
			return -EADDRINUSE;
		for (j = 0; j < i; j++)
			if (lens[j] == lens[i] &&
			    !memcmp(names[j], names[i], lens[i]))
				return -EINVAL;
	}
	if (n) {
		fresh = kcalloc(n, sizeof(*fresh), GFP_KERNEL);
		if (!fresh)
			return -ENOMEM;
	}
	err = -ENOMEM;
	for (i = 0; i < n; i++) {
		fresh[i] = nfdbus_name_new(addr, names[i], lens[i]);
		if (!fresh[i])
			goto err_free;
	}
	conn = nfdbus_conn_get(nb, addr);
	if (!conn)
		goto err_free;

	list_for_each_entry_safe(old, tmp, &conn->names, conn_node)
		nfdbus_name_unlink(conn, old);
	for (i = 0; i < n; i++)
		nfdbus_name_link(nb, conn, fresh[i]);
	nfdbus_conn_put_if_empty(conn);
	kfree(fresh);
	return 0;

err_free:
	for (i = 0; i < n; i++)
		kfree(fresh[i]);
	kfree(fresh);
	return err;
}

/**
 * nfdbus_policy_alloc() - a policy rule with its strings
 * @destination: the destination condition, or NULL
 * @interface: the interface condition, or NULL
 * @member: the member condition, or NULL
 *
 * The caller fills in @action, @type, @uid and the NFDBUS_POLICY_HAS_*
 * bits of the other conditions; the string bits are set here.
 *
 * Return: the rule, or NULL without memory.
 */
struct nfdbus_policy_rule *nfdbus_policy_alloc(const char *destination,
					       const char *interface,
					       const char *member)
{
	const char *src[3] = { destination, interface, member };
	static const u8 bits[3] = { NFDBUS_POLICY_HAS_DESTINATION,
				    NFDBUS_POLICY_HAS_INTERFACE,
				    NFDBUS_POLICY_HAS_MEMBER };
	size_t len[3], total = 0;
	struct nfdbus_policy_rule *p;
	const char *dst[3] = {};
	char *text;
	int i;

	for (i = 0; i < 3; i++) {
		len[i] = src[i] ? strlen(src[i]) : 0;
		total += src[i] ? len[i] + 1 : 0;
	}
	p = kzalloc(struct_size(p, text, total), GFP_KERNEL_ACCOUNT);
	if (!p)
		return NULL;
	text = p->text;
	for (i = 0; i < 3; i++) {
		if (!src[i])
			continue;
		memcpy(text, src[i], len[i] + 1);
		dst[i] = text;
		text += len[i] + 1;
		p->has |= bits[i];
	}
	p->destination = dst[0];
	p->destination_len = len[0];
	p->interface = dst[1];
	p->interface_len = len[1];
	p->member = dst[2];
	p->member_len = len[2];
	return p;
}

/**
 * nfdbus_add_policy() - append a rule to a bus's policy
 * @nb: the bus
 * @p: from nfdbus_policy_alloc(); owned by @nb on success
 *
 * Return: 0, or -ENOSPC at NFDBUS_MAX_POLICY_RULES rules.
 */
int nfdbus_add_policy(struct nfdbus_bus *nb, struct nfdbus_policy_rule *p)
{
	lockdep_assert_held(&nfdbus_mutex);
	if (nb->npolicy >= NFDBUS_MAX_POLICY_RULES)
		return -ENOSPC;
	list_add_tail_rcu(&p->node, &nb->policy);
	nb->npolicy++;
	return 0;
}

/**
 * nfdbus_flush_policy() - remove every policy rule of a bus
 * @nb: the bus
 */
void nfdbus_flush_policy(struct nfdbus_bus *nb)
{
	struct nfdbus_policy_rule *p, *tmp;

	lockdep_assert_held(&nfdbus_mutex);
	list_for_each_entry_safe(p, tmp, &nb->policy, node) {
		list_del_rcu(&p->node);
		kfree_rcu(p, rcu);
	}
	nb->npolicy = 0;
}
