// SPDX-License-Identifier: GPL-2.0-only
/*
 * AF_BUS: SOL_BUS socket options.
 *
 * Changes to a peer are made only through the master's accepted socket for
 * it (a HANDLE); everything about a peer can be read on the peer's own
 * socket or on its handle. Limits for future peers are set on the master's
 * socket, before or after bind().
 */

#include <linux/capability.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "internal.h"

/* Read a value of @size bytes; bytes past it, if any, must be zero. */
static int bus_copy_opt(void *dst, size_t size, sockptr_t optval,
			unsigned int optlen)
{
	int err;

	if (optlen < size)
		return -EINVAL;
	if (optlen > size) {
		err = check_zeroed_sockptr(optval, size, optlen - size);
		if (err <= 0)
			return err ?: -EINVAL;
	}
	return copy_from_sockptr(dst, optval, size) ? -EFAULT : 0;
}

static int bus_copy_addr(sockptr_t optval, unsigned int optlen, u64 *addr)
{
	struct bus_addr a;
	int err;

	err = bus_copy_opt(&a, sizeof(a), optval, optlen);
	if (!err)
		*addr = a.s_addr;
	return err;
}

static int bus_add_addr(struct bus_sock *h, u64 addr)
{
	struct bus *bus = h->bus;
	struct bus_addr_entry *e, *old;
	struct bus_sock *peer;
	int err = 0;

	e = kmalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;

	spin_lock(&bus->lock);
	peer = h->pair;
	if (!peer || bus->dead) {
		err = -ENOTCONN;
	} else {
		/* Held by someone is reported first, even for prefix 0. */
		old = bus_addr_lookup(bus, addr);
		if (old)
			err = old->owner == peer ? -EEXIST : -EADDRINUSE;
		else if (BUS_ADDR_PREFIX(addr) == 0 ||
			 BUS_ADDR_IS_MULTICAST(addr))
			err = -EINVAL;
		else
			bus_addr_insert(bus, peer, e, addr);
	}
	spin_unlock(&bus->lock);
	if (err)
		kfree(e);
	else
		bus_space_changed(bus);
	return err;
}

static int bus_del_addr(struct bus_sock *h, u64 addr)
{
	struct bus_addr_entry *e = NULL;
	struct bus *bus = h->bus;
	int err = 0;

	if (BUS_ADDR_PREFIX(addr) == 0)
		return -EINVAL;
	spin_lock(&bus->lock);
	if (!h->pair) {
		err = -ENOTCONN;
	} else {
		e = bus_addr_lookup(bus, addr);
		if (!e || e->owner != h->pair) {
			err = -EADDRNOTAVAIL;
			e = NULL;
		} else {
			bus_addr_remove(bus, e);
		}
	}
	spin_unlock(&bus->lock);
	kfree(e);
	if (!err)
		bus_space_changed(bus);
	return err;
}

/* Eavesdropping exposes all traffic of the bus: the caller must be the
 * master itself (the credentials it bound the bus with) or hold
 * CAP_NET_ADMIN over the bus's network namespace. A handle passed to an
 * unrelated process does not carry that right.
 */
static bool bus_may_eavesdrop(struct bus *bus)
{
	return uid_eq(current_euid(), bus->cred->euid) ||
	       ns_capable(bus->net->user_ns, CAP_NET_ADMIN);
}

static int bus_set_flag(struct bus_sock *h, int optname)
{
	struct bus *bus = h->bus;
	struct bus_sock *peer;
	int err = 0;

	if (optname == BUS_SET_EAVESDROP && !bus_may_eavesdrop(bus))
		return -EPERM;
	spin_lock(&bus->lock);
	peer = h->pair;
	if (!peer || bus->dead)
		err = -ENOTCONN;
	else if (optname == BUS_JOIN_BUS)
		err = peer->joined ? -EALREADY : 0;
	if (!err) {
		if (optname == BUS_JOIN_BUS)
			peer->joined = true;
		else
			peer->eavesdrop = optname == BUS_SET_EAVESDROP;
	}
	spin_unlock(&bus->lock);
	if (!err)
		bus_space_changed(bus);
	return err;
}

static int bus_set_limit(struct bus_sock *u, int optname, sockptr_t optval,
			 unsigned int optlen)
{
	int val, max, err;

	err = bus_copy_opt(&val, sizeof(val), optval, optlen);
	if (err)
		return err;
	max = optname == BUS_SET_SENDBUF ? BUS_MAX_SENDBUF : BUS_MAX_MAXQLEN;
	if (val < 1 || val > max)
		return -EINVAL;

	/* The role only changes under the socket lock: a connect() racing
	 * this call either comes first (EPERM) or takes the bus's limits
	 * over what is set here.
	 */
	lock_sock(&u->sk);
	if (u->role != BUS_ROLE_MASTER && u->role != BUS_ROLE_NONE) {
		release_sock(&u->sk);
		return -EPERM;
	}
	if (optname == BUS_SET_SENDBUF)
		u->sendbuf = val;
	else
		u->maxqlen = val;
	if (u->role == BUS_ROLE_MASTER) {
		spin_lock(&u->bus->lock);
		if (optname == BUS_SET_SENDBUF)
			u->bus->sendbuf = val;
		else
			u->bus->maxqlen = val;
		spin_unlock(&u->bus->lock);
	}
	release_sock(&u->sk);
	return 0;
}

/**
 * bus_setsockopt - SOL_BUS options that change a peer or a bus
 * @sock: the socket
 * @level: SOL_BUS
 * @optname: BUS_ADD_ADDR, BUS_DEL_ADDR, BUS_JOIN_BUS, BUS_SET_EAVESDROP,
 *	BUS_UNSET_EAVESDROP (on a master's accepted socket), BUS_SET_SENDBUF,
 *	BUS_SET_MAXQLEN (on the master's own socket)
 * @optval: struct bus_addr or int, as the option needs
 * @optlen: its length
 *
 * Return: 0, or -EPERM on a socket that may not change this, -EINVAL for a
 * bad value, -EADDRINUSE/-EEXIST/-EADDRNOTAVAIL for addresses held
 * elsewhere/already/not, -EALREADY for a second join, -ENOTCONN once the
 * peer is gone, -ENOPROTOOPT for anything else.
 */
int bus_setsockopt(struct socket *sock, int level, int optname,
		   sockptr_t optval, unsigned int optlen)
{
	struct bus_sock *u = bus_sk(sock->sk);
	enum bus_role role = bus_role(u);
	u64 addr;
	int err;

	if (level != SOL_BUS)
		return -ENOPROTOOPT;

	/* A handle is a HANDLE from before it is accepted: no race there. */
	switch (optname) {
	case BUS_ADD_ADDR:
	case BUS_DEL_ADDR:
		if (role != BUS_ROLE_HANDLE)
			return -EPERM;
		err = bus_copy_addr(optval, optlen, &addr);
		if (err)
			return err;
		if (optname == BUS_ADD_ADDR)
			return bus_add_addr(u, addr);
		return bus_del_addr(u, addr);
	case BUS_JOIN_BUS:
	case BUS_SET_EAVESDROP:
	case BUS_UNSET_EAVESDROP:
		if (role != BUS_ROLE_HANDLE)
			return -EPERM;
		/* No value: reserved, so it must be empty. */
		if (optlen)
			return -EINVAL;
		return bus_set_flag(u, optname);
	case BUS_SET_SENDBUF:
	case BUS_SET_MAXQLEN:
		return bus_set_limit(u, optname, optval, optlen);
	default:
		return -ENOPROTOOPT;
	}
}

/* The peer's address count, or -ENOTCONN; bus.lock held. */
static int bus_count_addrs(struct bus_sock *u)
{
	struct bus_sock *peer = bus_peer_of(u);

	return peer && peer->on_bus ? peer->naddrs : -ENOTCONN;
}

/* A peer may hold any number of addresses: the buffer is sized from the
 * count, which may grow between the count and the copy, and is tried
 * again then (a few times: only the master changes the count).
 */
static int bus_get_addrs(struct bus_sock *u, char __user *optval,
			 int __user *optlen, int len)
{
	unsigned int room = len / sizeof(u64), n, max, tries = 0;
	struct bus *bus = u->bus;
	struct bus_addr_entry *e;
	u64 *buf;
	int err;

again:
	spin_lock(&bus->lock);
	err = bus_count_addrs(u);
	spin_unlock(&bus->lock);
	if (err < 0)
		return err;
	max = min_t(unsigned int, room, err);
	buf = kvmalloc_array(max ?: 1, sizeof(u64), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	n = 0;
	spin_lock(&bus->lock);
	err = bus_count_addrs(u);
	if (err >= 0) {
		err = 0;
		list_for_each_entry(e, &bus_peer_of(u)->addrs, owner_node) {
			if (n < max)
				buf[n] = e->addr;
			n++;
		}
	}
	spin_unlock(&bus->lock);
	if (err)
		goto out;
	if (n > max && n <= room) {
		kvfree(buf);
		if (++tries < 4)
			goto again;
		return -EAGAIN;
	}

	err = -EFAULT;
	if (put_user((int)(n * sizeof(u64)), optlen))
		goto out;
	err = -ERANGE;
	if (n > max)
		goto out;
	err = copy_to_user(optval, buf, n * sizeof(u64)) ? -EFAULT : 0;
out:
	kvfree(buf);
	return err;
}

/**
 * bus_getsockopt - read SOL_BUS state
 * @sock: a peer's socket, the master's accepted socket for it, or (for
 *	BUS_GET_MAXQLEN and BUS_GET_SENDBUF) the master's socket
 * @level: SOL_BUS
 * @optname: BUS_GET_ADDRS, BUS_GET_JOINED, BUS_GET_EAVESDROP, BUS_GET_QLEN,
 *	BUS_GET_MAXQLEN, BUS_GET_SENDBUF
 * @optval: where to write
 * @optlen: in: room at @optval; out: the size written (BUS_GET_ADDRS: the
 *	size needed, also when it fails with -ERANGE)
 *
 * Return: 0 or a negative errno.
 */
int bus_getsockopt(struct socket *sock, int level, int optname,
		   char __user *optval, int __user *optlen)
{
	struct bus_sock *u = bus_sk(sock->sk), *peer;
	enum bus_role role = bus_role(u);
	int len, val;

	if (level != SOL_BUS)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	if (optname == BUS_GET_ADDRS) {
		if (role != BUS_ROLE_PEER && role != BUS_ROLE_HANDLE)
			return -ENOTCONN;
		return bus_get_addrs(u, optval, optlen, len);
	}

	if (role == BUS_ROLE_MASTER || role == BUS_ROLE_NONE) {
		if (optname == BUS_GET_MAXQLEN)
			val = READ_ONCE(u->maxqlen);
		else if (optname == BUS_GET_SENDBUF)
			val = READ_ONCE(u->sendbuf);
		else if (optname >= BUS_GET_JOINED && optname <= BUS_GET_QLEN)
			return -ENOTCONN;
		else
			return -ENOPROTOOPT;
	} else {
		/* The handle's pair can go at any time: read it under bus.lock. */
		spin_lock(&u->bus->lock);
		peer = bus_peer_of(u);
		val = -1;
		if (peer) {
			switch (optname) {
			case BUS_GET_JOINED:
				val = peer->joined;
				break;
			case BUS_GET_EAVESDROP:
				val = peer->eavesdrop;
				break;
			case BUS_GET_QLEN:
				val = skb_queue_len(&peer->sk.sk_receive_queue);
				break;
			case BUS_GET_MAXQLEN:
				val = peer->maxqlen;
				break;
			case BUS_GET_SENDBUF:
				val = peer->sendbuf;
				break;
			default:
				val = -2;
			}
		}
		spin_unlock(&u->bus->lock);
		if (val == -1)
			return -ENOTCONN;
		if (val == -2)
			return -ENOPROTOOPT;
	}

	if (len < sizeof(int))
		return -EINVAL;
	if (put_user(sizeof(int), optlen) ||
	    copy_to_user(optval, &val, sizeof(int)))
		return -EFAULT;
	return 0;
}
