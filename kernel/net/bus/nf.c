// SPDX-License-Identifier: GPL-2.0-only
/*
 * AF_BUS: what a netfilter user (nfdbus) needs beyond the NF_BUS_SENDING
 * hook: per-bus private state with callbacks when a peer leaves and when
 * the bus ends, the lookup of a bus by path for its configuration
 * interface, and the credentials that bound the bus.
 *
 * Locking:
 *  - bus_nf_lock (mutex) protects bus_nf_ops, the one registered user;
 *    readers that only test it use RCU.
 *  - bus.nf_lock (mutex, per bus) protects bus.nf_ops and the writes of
 *    bus.nf_priv, and serialises the user's callbacks for that bus. It
 *    is taken in process context only, with no other AF_BUS lock held.
 *  - bus.nf_priv is read under RCU: nf_hook() holds rcu_read_lock()
 *    around the hook, and the hook also runs under bus.lock.
 *  - bus.gen, the delivery attempt the hook judges, is read under the
 *    bus.lock the hook runs in (bus_nf_msg_seq()).
 *
 * A bus with state pins the user's module, so the user can only go away
 * once every bus it knows has ended; buses bound while no user was
 * registered are never filtered.
 */

#include <linux/kmod.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>

#include "internal.h"

static DEFINE_MUTEX(bus_nf_lock);	/* protects bus_nf_ops */
static const struct bus_nf_ops __rcu *bus_nf_ops;

/**
 * bus_nf_register - become the netfilter user that keeps per-bus state
 * @ops: the callbacks; must stay valid until bus_nf_unregister()
 *
 * Buses bound from now on get state from @ops->bus_init.
 *
 * Return: 0, or -EBUSY if another user is registered.
 */
int bus_nf_register(const struct bus_nf_ops *ops)
{
	int err = 0;

	mutex_lock(&bus_nf_lock);
	if (rcu_access_pointer(bus_nf_ops))
		err = -EBUSY;
	else
		rcu_assign_pointer(bus_nf_ops, ops);
	mutex_unlock(&bus_nf_lock);
	return err;
}
EXPORT_SYMBOL_GPL(bus_nf_register);

/**
 * bus_nf_unregister - stop giving new buses to a netfilter user
 * @ops: what was passed to bus_nf_register()
 *
 * Called from the user's module exit: every bus holding state pinned the
 * module, so none is left.
 */
void bus_nf_unregister(const struct bus_nf_ops *ops)
{
	mutex_lock(&bus_nf_lock);
	if (rcu_access_pointer(bus_nf_ops) == ops)
		RCU_INIT_POINTER(bus_nf_ops, NULL);
	mutex_unlock(&bus_nf_lock);
	synchronize_rcu();
}
EXPORT_SYMBOL_GPL(bus_nf_unregister);

/* A BUS_PROTO_DBUS socket is being created: load the filter if absent. */
void bus_nf_request(int protocol)
{
	bool present;

	if (protocol != BUS_PROTO_DBUS)
		return;
	rcu_read_lock();
	present = rcu_access_pointer(bus_nf_ops);
	rcu_read_unlock();
	if (!present)
		request_module("net-pf-%d-proto-%d", PF_BUS, protocol);
}

/* A BUS_PROTO_DBUS master binds @bus (not yet published). */
int bus_nf_init(struct bus *bus)
{
	const struct bus_nf_ops *ops;
	void *priv;

	if (bus->protocol != BUS_PROTO_DBUS)
		return 0;
	rcu_read_lock();
	ops = rcu_dereference(bus_nf_ops);
	if (ops && !try_module_get(ops->owner))
		ops = NULL;
	rcu_read_unlock();
	if (!ops)
		return 0;

	priv = ops->bus_init(bus);
	if (IS_ERR(priv)) {
		module_put(ops->owner);
		return PTR_ERR(priv);
	}
	mutex_lock(&bus->nf_lock);
	bus->nf_ops = ops;
	rcu_assign_pointer(bus->nf_priv, priv);
	mutex_unlock(&bus->nf_lock);
	return 0;
}

/* The bus ended (bus.dead is set, so no hook runs for it any more). */
void bus_nf_release(struct bus *bus)
{
	const struct bus_nf_ops *ops;
	void *priv;

	mutex_lock(&bus->nf_lock);
	ops = bus->nf_ops;
	priv = rcu_dereference_protected(bus->nf_priv,
					 lockdep_is_held(&bus->nf_lock));
	bus->nf_ops = NULL;
	RCU_INIT_POINTER(bus->nf_priv, NULL);
	if (ops)
		ops->bus_release(bus, priv);
	mutex_unlock(&bus->nf_lock);
	if (ops)
		module_put(ops->owner);
}

/* The peer of @addr left; it is off the bus already. */
void bus_nf_peer_gone(struct bus *bus, u64 addr)
{
	mutex_lock(&bus->nf_lock);
	if (bus->nf_ops)
		bus->nf_ops->peer_release(bus,
					  rcu_dereference_protected(bus->nf_priv,
								    lockdep_is_held(&bus->nf_lock)),
					  addr);
	mutex_unlock(&bus->nf_lock);
}

/**
 * bus_nf_priv - the netfilter user's state of a bus
 * @bus: the bus
 *
 * Call under rcu_read_lock() (the hook runs under it).
 *
 * Return: the state bus_nf_ops.bus_init returned, or NULL if the bus has
 * none (not BUS_PROTO_DBUS, bound before the user registered, or ended).
 */
void *bus_nf_priv(const struct bus *bus)
{
	return rcu_dereference(bus->nf_priv);
}
EXPORT_SYMBOL_GPL(bus_nf_priv);

/**
 * bus_nf_sk_priv - the netfilter user's state of a socket's bus
 * @sk: the sending socket a NF_BUS_SENDING hook is given
 *
 * Return: as bus_nf_priv(), NULL for a socket on no bus.
 */
void *bus_nf_sk_priv(const struct sock *sk)
{
	const struct bus *bus = READ_ONCE(bus_sk(sk)->bus);

	return bus ? bus_nf_priv(bus) : NULL;
}
EXPORT_SYMBOL_GPL(bus_nf_sk_priv);

/**
 * bus_nf_msg_seq - which message a NF_BUS_SENDING hook is judging
 * @sk: the sending socket the hook is given
 *
 * Every copy of one message offered to the hook in one delivery attempt
 * comes with the same value, and no other message of the bus ever does
 * (a retried delivery, after waiting for room, is a new attempt). A hook
 * may therefore keep what it worked out from the first copy, such as the
 * parsed message, and use it for the other copies. The value is never 0.
 *
 * Call from the hook only: it reads the bus's sequencing state, which the
 * caller's bus.lock holds still.
 *
 * Return: the delivery attempt's number.
 */
u64 bus_nf_msg_seq(const struct sock *sk)
{
	const struct bus *bus = bus_sk(sk)->bus;

	lockdep_assert_held(&bus->lock);
	return bus->gen;
}
EXPORT_SYMBOL_GPL(bus_nf_msg_seq);

/**
 * bus_net - the network namespace of a bus
 * @bus: the bus (a reference held)
 *
 * Return: the namespace; its master pins it while the bus is reachable.
 */
struct net *bus_net(const struct bus *bus)
{
	return bus->net;
}
EXPORT_SYMBOL_GPL(bus_net);

/**
 * bus_master_cred - the credentials of the master when it bound the bus
 * @bus: the bus (a reference held, which keeps the credentials)
 *
 * Return: the credentials.
 */
const struct cred *bus_master_cred(const struct bus *bus)
{
	return bus->cred;
}
EXPORT_SYMBOL_GPL(bus_master_cred);

/**
 * bus_peer_connected - is a peer with this prefix-0 address on the bus?
 * @bus: the bus
 * @addr: a prefix-0 address
 *
 * Takes bus.lock. A peer that leaves afterwards is reported to the
 * netfilter user through bus_nf_ops.peer_release.
 *
 * Return: true if a connected peer has @addr as its prefix-0 address.
 */
bool bus_peer_connected(struct bus *bus, u64 addr)
{
	struct bus_addr_entry *e;
	bool found;

	if (BUS_ADDR_PREFIX(addr) != 0 || addr == BUS_MASTER_ADDR)
		return false;
	spin_lock(&bus->lock);
	e = bus_addr_lookup(bus, addr);
	found = e && e->owner->on_bus && !bus->dead;
	spin_unlock(&bus->lock);
	return found;
}
EXPORT_SYMBOL_GPL(bus_peer_connected);
