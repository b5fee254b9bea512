// SPDX-License-Identifier: GPL-2.0-only
/*
 * AF_BUS: buses, their per-netns name table and their address tables.
 *
 * A bus is reachable by name from its master's bind() to its master's
 * close(). Names live in a per-netns hash table under a per-netns mutex
 * (bind and connect may sleep around it); addresses live in a per-bus hash
 * table under bus.lock, the same lock that orders delivery, so a message
 * always sees one consistent set of holders.
 */

#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "internal.h"

struct bus_net {
	struct mutex		lock;	/* protects names */
	DECLARE_HASHTABLE(names, BUS_NAME_HASH_BITS);
};

static unsigned int bus_net_id __read_mostly;

static struct bus_net *bus_pernet(struct net *net)
{
	return net_generic(net, bus_net_id);
}

struct bus *bus_alloc(struct net *net, int protocol, u32 maxqlen, u32 sendbuf)
{
	struct bus *bus;

	bus = kzalloc(sizeof(*bus), GFP_KERNEL_ACCOUNT);
	if (!bus)
		return NULL;
	refcount_set(&bus->ref, 1);
	bus->net = net;
	INIT_HLIST_NODE(&bus->name_node);
	bus->protocol = protocol;
	spin_lock_init(&bus->lock);
	INIT_LIST_HEAD(&bus->peers);
	hash_init(bus->addrs);
	bus->maxqlen = maxqlen;
	bus->sendbuf = sendbuf;
	init_waitqueue_head(&bus->space_wait);
	atomic_long_set(&bus->drain_seq, 0);
	atomic_set(&bus->blocked, 0);
	spin_lock_init(&bus->blocked_lock);
	INIT_LIST_HEAD(&bus->blocked_socks);
	mutex_init(&bus->nf_lock);
	bus->cred = get_current_cred();
	return bus;
}

/**
 * bus_put - drop a reference to a bus
 * @bus: the bus, from bus_find_by_path() for users outside AF_BUS
 */
void bus_put(struct bus *bus)
{
	if (!refcount_dec_and_test(&bus->ref))
		return;
	WARN_ON_ONCE(!list_empty(&bus->peers));
	WARN_ON_ONCE(bus->nf_ops);
	mutex_destroy(&bus->nf_lock);
	put_cred(bus->cred);
	kfree(bus);
}
EXPORT_SYMBOL_GPL(bus_put);

static u32 bus_name_hash(const struct bus *bus)
{
	if (bus->inode)
		return hash_ptr(bus->inode, 32);
	return jhash(bus->name, bus->name_len, 0);
}

/**
 * bus_name_publish - make a bound bus reachable by its name
 * @bus: the bus, with its name or inode set
 *
 * Return: 0, or -EADDRINUSE if another bus of the namespace has the same
 * abstract name.
 */
int bus_name_publish(struct bus *bus)
{
	struct bus_net *bn = bus_pernet(bus->net);
	u32 hash = bus_name_hash(bus);
	struct bus *other;

	mutex_lock(&bn->lock);
	hash_for_each_possible(bn->names, other, name_node, hash) {
		if (bus->inode ? other->inode == bus->inode :
		    !other->inode && other->name_len == bus->name_len &&
		    !memcmp(other->name, bus->name, bus->name_len)) {
			mutex_unlock(&bn->lock);
			return -EADDRINUSE;
		}
	}
	hash_add(bn->names, &bus->name_node, hash);
	bus_get(bus);
	mutex_unlock(&bn->lock);
	return 0;
}

/**
 * bus_name_unpublish - make a bus unreachable by name (its master is gone)
 * @bus: the bus
 */
void bus_name_unpublish(struct bus *bus)
{
	struct bus_net *bn = bus_pernet(bus->net);
	bool published;

	mutex_lock(&bn->lock);
	published = !hlist_unhashed(&bus->name_node);
	if (published)
		hash_del(&bus->name_node);
	mutex_unlock(&bn->lock);
	if (published)
		bus_put(bus);
}

static struct bus *bus_find(struct net *net, struct inode *inode,
			    const char *name, unsigned int len)
{
	struct bus_net *bn = bus_pernet(net);
	struct bus *bus, *found = NULL;
	u32 hash;

	hash = inode ? hash_ptr(inode, 32) : jhash(name, len, 0);
	mutex_lock(&bn->lock);
	hash_for_each_possible(bn->names, bus, name_node, hash) {
		if (inode ? bus->inode == inode :
		    !bus->inode && bus->name_len == len &&
		    !memcmp(bus->name, name, len)) {
			found = bus_get(bus);
			break;
		}
	}
	mutex_unlock(&bn->lock);
	return found;
}

/* Returns the bus with a reference, or NULL. */
struct bus *bus_find_abstract(struct net *net, const char *name,
			      unsigned int len)
{
	return bus_find(net, NULL, name, len);
}

struct bus *bus_find_inode(struct net *net, struct inode *inode)
{
	return bus_find(net, inode, NULL, 0);
}

static u32 bus_addr_hash(u64 addr)
{
	return hash_64(addr, BUS_ADDR_HASH_BITS);
}

/* Caller holds bus->lock. */
struct bus_addr_entry *bus_addr_lookup(struct bus *bus, u64 addr)
{
	struct bus_addr_entry *e;

	lockdep_assert_held(&bus->lock);
	hash_for_each_possible(bus->addrs, e, hnode, bus_addr_hash(addr))
		if (e->addr == addr)
			return e;
	return NULL;
}

/* Caller holds bus->lock; the prefix-0 address goes first on the list. */
void bus_addr_insert(struct bus *bus, struct bus_sock *owner,
		     struct bus_addr_entry *e, u64 addr)
{
	lockdep_assert_held(&bus->lock);
	e->addr = addr;
	e->owner = owner;
	hash_add(bus->addrs, &e->hnode, bus_addr_hash(addr));
	if (BUS_ADDR_PREFIX(addr) == 0)
		list_add(&e->owner_node, &owner->addrs);
	else
		list_add_tail(&e->owner_node, &owner->addrs);
	owner->naddrs++;
}

/* Caller holds bus->lock and frees @e after dropping it. */
void bus_addr_remove(struct bus *bus, struct bus_addr_entry *e)
{
	lockdep_assert_held(&bus->lock);
	hash_del(&e->hnode);
	list_del(&e->owner_node);
	e->owner->naddrs--;
}

/* Does the peer hold an address of @prefix? Caller holds bus->lock. */
bool bus_holds_prefix(struct bus_sock *u, u16 prefix)
{
	struct bus_addr_entry *e;

	list_for_each_entry(e, &u->addrs, owner_node)
		if (BUS_ADDR_PREFIX(e->addr) == prefix)
			return true;
	return false;
}

/* Space wakeups. Every receive calls bus_space_changed(). Two kinds of
 * waiters need it: a task sleeping in sendmsg() or connect() for room (on
 * bus.space_wait), and a socket whose last send failed with EAGAIN, whose
 * POLLOUT is clear until some queue shrinks (on bus.blocked_socks). Both
 * are counted in bus.blocked, and a receive wakes nothing while it is 0,
 * so that a multicast to N readers does not cost N wakeups per read.
 *
 * A blocked socket is woken through its own wait queue, the one poll() and
 * epoll registered on, as AF_UNIX relays a peer's wakeup to its sender: a
 * socket added to an epoll set before connect() (when it had no bus) gets
 * its EPOLLOUT as well. Waking takes it off the list, so a socket is woken
 * once per failed send, not on every later receive of the bus.
 *
 * A waiter counts itself, then (after a full barrier) reads drain_seq; a
 * receiver bumps drain_seq, then (after a full barrier) reads the count.
 * One of the two sees the other's write: either the waiter sees the new
 * drain_seq and does not sleep (or wakes itself), or the receiver sees the
 * count and wakes it.
 */

/* Wake every socket whose POLLOUT cleared on a failed send: a queue shrank
 * since, so its send may succeed now. sk_write_space() wakes only once the
 * socket is also under half its SO_SNDBUF (bus_writable() asks both); if
 * it is not, sock_wfree() wakes it when it gets there.
 */
static void bus_wake_blocked(struct bus *bus)
{
	struct bus_sock *u, *tmp;

	spin_lock(&bus->blocked_lock);
	list_for_each_entry_safe(u, tmp, &bus->blocked_socks, blocked_node) {
		list_del_init(&u->blocked_node);
		WRITE_ONCE(u->send_blocked, 0);
		atomic_dec(&bus->blocked);
		u->sk.sk_write_space(&u->sk);
	}
	spin_unlock(&bus->blocked_lock);
}

/* Some queue shrank, or the set of possible recipients changed: blocked
 * senders try again, and blocked sockets report POLLOUT again.
 */
void bus_space_changed(struct bus *bus)
{
	atomic_long_inc(&bus->drain_seq);
	/* Pairs with bus_space_sleeper() and bus_set_blocked(). */
	smp_mb__after_atomic();
	if (!atomic_read(&bus->blocked))
		return;
	if (wq_has_sleeper(&bus->space_wait))
		wake_up_interruptible_poll(&bus->space_wait,
					   EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND);
	bus_wake_blocked(bus);
}

/**
 * bus_space_sleeper - count a task that is about to sleep on space_wait
 * @bus: the bus
 * @counted: false before the first sleep of this wait, then true
 * @seq: bus.drain_seq as read after prepare_to_wait() and before the
 *	attempt that failed
 *
 * Return: true if the task may sleep; false if drain_seq moved before the
 * task was counted, so that it must try again first.
 */
bool bus_space_sleeper(struct bus *bus, bool *counted, long seq)
{
	if (*counted)
		return true;
	*counted = true;
	atomic_inc(&bus->blocked);
	/* Pairs with bus_space_changed(): count, then re-read drain_seq. */
	smp_mb__after_atomic();
	return atomic_long_read(&bus->drain_seq) == seq;
}

/* The wait that bus_space_sleeper() counted (if @counted) is over. */
void bus_space_sleeper_done(struct bus *bus, bool counted)
{
	if (counted)
		atomic_dec(&bus->blocked);
}

/**
 * bus_set_blocked - a send from @u failed with EAGAIN
 * @u: the sending socket
 * @seq: bus.drain_seq as read before the attempt
 *
 * POLLOUT clears until drain_seq moves past @seq (bus_writable()), and the
 * socket's own wait queue is woken when it does. If it already moved, the
 * receiver that moved it may not have seen @u on the list: wake it here.
 */
void bus_set_blocked(struct bus_sock *u, long seq)
{
	struct bus *bus = u->bus;

	spin_lock(&bus->blocked_lock);
	WRITE_ONCE(u->blocked_seq, seq);
	WRITE_ONCE(u->send_blocked, 1);
	if (list_empty(&u->blocked_node)) {
		list_add_tail(&u->blocked_node, &bus->blocked_socks);
		atomic_inc(&bus->blocked);
	}
	spin_unlock(&bus->blocked_lock);
	/* Pairs with bus_space_changed(): listed, then re-read drain_seq. */
	smp_mb();
	if (atomic_long_read(&bus->drain_seq) != seq)
		bus_wake_blocked(bus);
}

/* A send from @u succeeded, or @u is going away: it is not blocked. The
 * unlocked test is exact on release (no other call on @u can run then);
 * elsewhere a send racing this one on the same socket may leave POLLOUT
 * clear until the next change of the bus, as if it had failed last.
 */
void bus_clear_blocked(struct bus_sock *u)
{
	struct bus *bus = u->bus;

	if (list_empty_careful(&u->blocked_node))
		return;
	spin_lock(&bus->blocked_lock);
	if (!list_empty(&u->blocked_node)) {
		list_del_init(&u->blocked_node);
		atomic_dec(&bus->blocked);
	}
	WRITE_ONCE(u->send_blocked, 0);
	spin_unlock(&bus->blocked_lock);
}

static int __net_init bus_net_init_one(struct net *net)
{
	struct bus_net *bn = bus_pernet(net);

	mutex_init(&bn->lock);
	hash_init(bn->names);
	return 0;
}

static void __net_exit bus_net_exit_one(struct net *net)
{
	struct bus_net *bn = bus_pernet(net);
	int bkt;
	struct bus *bus;

	/* Every bound master pins its namespace: nothing can be left. */
	hash_for_each(bn->names, bkt, bus, name_node)
		WARN_ON_ONCE(1);
}

static struct pernet_operations bus_net_ops = {
	.init	= bus_net_init_one,
	.exit	= bus_net_exit_one,
	.id	= &bus_net_id,
	.size	= sizeof(struct bus_net),
};

int bus_net_init(void)
{
	return register_pernet_subsys(&bus_net_ops);
}

void bus_net_exit(void)
{
	unregister_pernet_subsys(&bus_net_ops);
}
