// SPDX-License-Identifier: GPL-2.0-only
/*
 * AF_BUS: reliable, totally ordered IPC buses.
 *
 * A master binds a SOCK_SEQPACKET socket to a path and listens; peers
 * connect and get a unique prefix-0 address at once; the master accepts and
 * keeps the accepted socket (a "handle") as its control channel for that
 * peer. Documentation/networking/af_bus.rst describes the model.
 *
 * Socket roles (struct bus_sock.role): NONE, MASTER (the listener), PEER
 * (the connecting side) and HANDLE (the master's accepted socket). A PEER
 * and its HANDLE point at each other through bus_sock.pair; messages to the
 * master from a peer are queued on that peer's HANDLE.
 *
 * Locking strategy, outermost first:
 *
 *  1. lock_sock(sk): serialises bind/listen/connect/setsockopt on one
 *     socket; the role changes only under it and never goes back. Two
 *     socket locks are never held at once, so no lockdep subclass is
 *     needed for them (accept takes the new socket's lock only after the
 *     listener's work is done).
 *  2. bus.nf_lock (mutex): the netfilter user's callbacks for the bus
 *     (nf.c); taken with no other AF_BUS lock held.
 *  3. bus_net.lock (mutex): the per-netns name table (bus.c).
 *  4. bus.lock (spinlock): the bus's sequencing point. It protects the
 *     address table, the peer list, joined/eavesdrop flags, the pair
 *     pointers, master/listening/dead, and it is held while one message is
 *     filtered, checked for room in every target queue and queued to all of
 *     them. Holding it across the whole fan-out is what gives one total
 *     order on the bus and all-or-nothing multicast.
 *  5. sk_receive_queue.lock (irq-safe spinlock, taken by skb_queue_tail()
 *     and the datagram receive path) nests inside bus.lock.
 *
 * Only process context takes these locks. Queue room is only ever checked
 * and consumed under bus.lock and only freed by receivers, so a check made
 * under bus.lock stays true until the copies are queued.
 */

#include <linux/fs.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/security.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sockios.h>
#include <linux/termios.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "internal.h"

static struct proto bus_proto = {
	.name		= "BUS",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct bus_sock),
};

static const struct proto_ops bus_seqpacket_ops;

static void bus_sock_destruct(struct sock *sk)
{
	struct bus_sock *u = bus_sk(sk);

	skb_queue_purge(&sk->sk_receive_queue);
	WARN_ON_ONCE(u->pair);
	WARN_ON_ONCE(u->on_bus);
	if (u->bus) {
		bus_clear_blocked(u);
		bus_put(u->bus);
	}
}

static struct sock *bus_sk_alloc(struct net *net, struct socket *sock,
				 int protocol, int kern)
{
	struct bus_sock *u;
	struct sock *sk;

	sk = sk_alloc(net, PF_BUS, GFP_KERNEL, &bus_proto, kern);
	if (!sk)
		return NULL;
	sock_init_data(sock, sk);
	sk->sk_type = SOCK_SEQPACKET;
	sk->sk_protocol = protocol;
	sk->sk_destruct = bus_sock_destruct;
	u = bus_sk(sk);
	u->role = BUS_ROLE_NONE;
	INIT_LIST_HEAD(&u->addrs);
	INIT_LIST_HEAD(&u->node);
	INIT_LIST_HEAD(&u->blocked_node);
	u->maxqlen = BUS_DEFAULT_MAXQLEN;
	u->sendbuf = BUS_DEFAULT_SENDBUF;
	return sk;
}

static int bus_create(struct net *net, struct socket *sock, int protocol,
		      int kern)
{
	if (protocol < 0 || protocol > BUS_PROTO_MAX)
		return -EPROTONOSUPPORT;
	if (sock->type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;

	bus_nf_request(protocol);
	sock->state = SS_UNCONNECTED;
	sock->ops = &bus_seqpacket_ops;
	return bus_sk_alloc(net, sock, protocol, kern) ? 0 : -ENOMEM;
}

/* Cut a PEER from its HANDLE and from the bus; its addresses go at once. */
static void bus_disconnect(struct bus *bus, struct bus_sock *peer,
			   struct bus_sock *handle)
{
	struct bus_addr_entry *e, *tmp;
	bool was_on_bus;
	LIST_HEAD(gone);

	spin_lock(&bus->lock);
	was_on_bus = peer->on_bus;
	if (peer->on_bus) {
		list_for_each_entry_safe(e, tmp, &peer->addrs, owner_node) {
			bus_addr_remove(bus, e);
			list_add(&e->owner_node, &gone);
		}
		list_del_init(&peer->node);
		peer->on_bus = false;
		bus->npeers--;
	}
	peer->joined = false;
	peer->eavesdrop = false;
	if (handle && peer->pair == handle) {
		peer->pair = NULL;
		handle->pair = NULL;
	} else {
		handle = NULL;
	}
	WRITE_ONCE(peer->sk.sk_shutdown, SHUTDOWN_MASK);
	spin_unlock(&bus->lock);

	list_for_each_entry_safe(e, tmp, &gone, owner_node)
		kfree(e);
	peer->sk.sk_state_change(&peer->sk);
	if (handle) {
		WRITE_ONCE(handle->sk.sk_shutdown, SHUTDOWN_MASK);
		handle->sk.sk_state_change(&handle->sk);
		sock_put(&handle->sk);
		sock_put(&peer->sk);
	}
	bus_space_changed(bus);
	if (was_on_bus)
		bus_nf_peer_gone(bus, peer->addr);
}

static void bus_release_sock(struct sock *sk);

/* The master closed its listener: the bus ends. */
static void bus_master_gone(struct bus_sock *u)
{
	struct bus *bus = u->bus;
	struct bus_sock *p;
	struct sk_buff *skb;

	bus_name_unpublish(bus);

	spin_lock(&bus->lock);
	bus->dead = true;
	bus->listening = false;
	bus->master = NULL;
	list_for_each_entry(p, &bus->peers, node) {
		WRITE_ONCE(p->sk.sk_shutdown, SHUTDOWN_MASK);
		p->sk.sk_state_change(&p->sk);
	}
	spin_unlock(&bus->lock);
	bus_space_changed(bus);
	bus_nf_release(bus);

	/* Connections never accepted: their handles go, their peers see HUP. */
	while ((skb = skb_dequeue(&u->sk.sk_receive_queue))) {
		struct sock *handle = skb->sk;

		sock_hold(handle);
		kfree_skb(skb);
		bus_release_sock(handle);
		sock_put(handle);
	}
	if (u->path.dentry)
		path_put(&u->path);
	u->path.dentry = NULL;
	u->path.mnt = NULL;
}

static void bus_release_sock(struct sock *sk)
{
	struct bus_sock *u = bus_sk(sk);
	struct bus_sock *pair;

	lock_sock(sk);
	sock_orphan(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	sk->sk_state = TCP_CLOSE;
	release_sock(sk);

	/* No other call on @sk can run now: plain reads of the role are fine. */
	if (u->bus)
		bus_clear_blocked(u);
	switch (u->role) {
	case BUS_ROLE_MASTER:
		bus_master_gone(u);
		break;
	case BUS_ROLE_PEER:
	case BUS_ROLE_HANDLE:
		spin_lock(&u->bus->lock);
		pair = u->pair;
		if (pair)
			sock_hold(&pair->sk);
		spin_unlock(&u->bus->lock);
		if (u->role == BUS_ROLE_PEER)
			bus_disconnect(u->bus, u, pair);
		else if (pair)
			bus_disconnect(u->bus, pair, u);
		if (pair)
			sock_put(&pair->sk);
		break;
	default:
		break;
	}
	skb_queue_purge(&sk->sk_receive_queue);
	sock_put(sk);
}

static int bus_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;
	bus_release_sock(sk);
	sock->sk = NULL;
	return 0;
}

/* Check a bind/connect address and extract its path. Returns the used
 * length of @name (abstract: with the leading NUL; filesystem: with the
 * terminating NUL), or a negative errno.
 */
static int bus_parse_path(const struct sockaddr *uaddr, int addr_len,
			  char *name)
{
	const struct sockaddr_bus *sa = (const struct sockaddr_bus *)uaddr;
	int len = addr_len - (int)offsetof(struct sockaddr_bus, sbus_path);

	if (addr_len < (int)offsetof(struct sockaddr_bus, sbus_path) + 1 ||
	    addr_len > (int)sizeof(*sa))
		return -EINVAL;
	if (sa->sbus_family != AF_BUS)
		return -EAFNOSUPPORT;
	/* Reserved: bind() and connect() name a bus, not an address on it. */
	if (bus_sockaddr_pad_set(sa, addr_len) || sa->sbus_addr.s_addr)
		return -EINVAL;
	len = min_t(int, len, BUS_PATH_MAX);
	memcpy(name, sa->sbus_path, len);
	if (name[0]) {
		name[len] = 0;
		len = strlen(name) + 1;
	} else if (len < 2) {
		return -EINVAL;
	}
	return len;
}

static int bus_bind_fs(struct bus_sock *u, struct bus *bus)
{
	umode_t mode = S_IFSOCK |
		(SOCK_INODE(u->sk.sk_socket)->i_mode & ~current_umask());
	struct user_namespace *ns;
	struct dentry *dentry;
	struct path parent;
	int err;

	dentry = kern_path_create(AT_FDCWD, bus->name, &parent, 0);
	if (IS_ERR(dentry)) {
		err = PTR_ERR(dentry);
		return err == -EEXIST ? -EADDRINUSE : err;
	}
	ns = mnt_user_ns(parent.mnt);
	err = security_path_mknod(&parent, dentry, mode, 0);
	if (!err)
		err = vfs_mknod(ns, d_inode(parent.dentry), dentry, mode, 0);
	if (err)
		goto err_done;
	u->path.mnt = mntget(parent.mnt);
	u->path.dentry = dget(dentry);
	bus->inode = d_backing_inode(dentry);
	done_path_create(&parent, dentry);
	return 0;

err_done:
	done_path_create(&parent, dentry);
	return err == -EEXIST ? -EADDRINUSE : err;
}

static int bus_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	struct sock *sk = sock->sk;
	struct bus_sock *u = bus_sk(sk);
	char name[BUS_PATH_MAX + 1];
	struct bus *bus;
	int len, err;

	len = bus_parse_path(uaddr, addr_len, name);
	if (len < 0)
		return len;

	/* A bus pins its namespace through its master's socket, which a
	 * kernel socket does not do (bus_net_exit_one() relies on it).
	 */
	if (sk->sk_kern_sock)
		return -EOPNOTSUPP;

	lock_sock(sk);
	err = -EINVAL;
	if (u->role != BUS_ROLE_NONE)
		goto err_unlock;
	err = -ENOMEM;
	bus = bus_alloc(sock_net(sk), sk->sk_protocol, u->maxqlen, u->sendbuf);
	if (!bus)
		goto err_unlock;
	memcpy(bus->name, name, len);
	bus->name_len = len;
	/* Whatever can fail comes before the socket file is created, so that
	 * a failed bind() leaves nothing on disk: a filesystem bus is known by
	 * its new inode, which no other bus can have.
	 */
	err = bus_nf_init(bus);
	if (err)
		goto err_put;
	if (name[0]) {
		err = bus_bind_fs(u, bus);
		if (err)
			goto err_nf;
	}
	err = bus_name_publish(bus);
	if (err)
		goto err_path;
	u->bus = bus;
	bus_set_role(u, BUS_ROLE_MASTER);
	release_sock(sk);
	return 0;

err_path:
	/* Only an abstract name can be taken already: no file was made. */
	if (u->path.dentry)
		path_put(&u->path);
	u->path.dentry = NULL;
	u->path.mnt = NULL;
err_nf:
	bus_nf_release(bus);
err_put:
	bus_put(bus);
err_unlock:
	release_sock(sk);
	return err;
}

static int bus_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	struct bus_sock *u = bus_sk(sk);
	int err = -EINVAL;

	lock_sock(sk);
	if (u->role != BUS_ROLE_MASTER)
		goto out;
	/* Peers copy these at connect(), which listening allows: set first. */
	spin_lock(&sk->sk_peer_lock);
	if (!sk->sk_peer_cred) {
		sk->sk_peer_pid = get_pid(task_tgid(current));
		sk->sk_peer_cred = get_current_cred();
	}
	spin_unlock(&sk->sk_peer_lock);
	err = -EPIPE;
	spin_lock(&u->bus->lock);
	if (!u->bus->dead) {
		WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
		sk->sk_state = TCP_LISTEN;
		u->bus->master = sk;
		u->bus->listening = true;
		err = 0;
	}
	spin_unlock(&u->bus->lock);
out:
	release_sock(sk);
	return err;
}

/* Find the bus a connect() names (@may_write: check write permission on
 * a filesystem bus); a reference, or an ERR_PTR.
 */
static struct bus *bus_lookup(struct net *net, const char *name,
			      unsigned int len, bool may_write)
{
	struct inode *inode;
	struct path path;
	struct bus *bus;
	int err;

	if (!name[0]) {
		bus = bus_find_abstract(net, name, len);
		return bus ?: ERR_PTR(-ECONNREFUSED);
	}
	err = kern_path(name, LOOKUP_FOLLOW, &path);
	if (err)
		return ERR_PTR(err);
	err = may_write ? path_permission(&path, MAY_WRITE) : 0;
	if (err)
		goto err_put;
	inode = d_backing_inode(path.dentry);
	err = -ECONNREFUSED;
	if (!S_ISSOCK(inode->i_mode))
		goto err_put;
	bus = bus_find_inode(net, inode);
	if (!bus)
		goto err_put;
	touch_atime(&path);
	path_put(&path);
	return bus;

err_put:
	path_put(&path);
	return ERR_PTR(err);
}

/**
 * bus_find_by_path - find a bus by the path its master bound
 * @net: the network namespace to look in
 * @path: the path as in sockaddr_bus.sbus_path: abstract if it starts
 *	with a NUL byte (then all @len bytes are the name), otherwise a
 *	filesystem path resolved in the caller's context, ending at the
 *	first NUL or after @len bytes
 * @len: bytes at @path, 1 to BUS_PATH_MAX
 *
 * Unlike connect(), this does not need write permission on a filesystem
 * bus: callers check their own permission against bus_master_cred().
 * May sleep.
 *
 * Return: the bus with a reference (drop it with bus_put()), or an
 * ERR_PTR: -EINVAL for a bad length, -ECONNREFUSED if no bus is bound
 * there, or the error of the filesystem lookup.
 */
struct bus *bus_find_by_path(struct net *net, const char *path,
			     unsigned int len)
{
	char name[BUS_PATH_MAX + 1];

	if (len < 1 || len > BUS_PATH_MAX || (!path[0] && len < 2))
		return ERR_PTR(-EINVAL);
	memcpy(name, path, len);
	name[len] = 0;
	if (name[0])
		len = strlen(name) + 1;
	return bus_lookup(net, name, len, false);
}
EXPORT_SYMBOL_GPL(bus_find_by_path);

static void bus_set_peercred(struct sock *sk, struct pid *pid,
			     const struct cred *cred)
{
	spin_lock(&sk->sk_peer_lock);
	put_pid(sk->sk_peer_pid);
	put_cred(sk->sk_peer_cred);
	sk->sk_peer_pid = get_pid(pid);
	sk->sk_peer_cred = get_cred(cred);
	spin_unlock(&sk->sk_peer_lock);
}

/* Link a connecting peer to its new handle; bus.lock held, room checked. */
static void bus_link(struct bus *bus, struct bus_sock *u, struct bus_sock *h,
		     struct bus_addr_entry *e)
{
	u->bus = bus_get(bus);
	h->bus = bus_get(bus);
	u->addr = BUS_ADDR(0, ++bus->next_client);
	h->addr = u->addr;
	bus_addr_insert(bus, u, e, u->addr);
	list_add_tail(&u->node, &bus->peers);
	u->on_bus = true;
	bus->npeers++;
	u->maxqlen = bus->maxqlen;
	h->maxqlen = bus->maxqlen;
	u->sendbuf = bus->sendbuf;
	h->sendbuf = bus->sendbuf;
	sock_hold(&u->sk);
	h->pair = u;
	sock_hold(&h->sk);
	u->pair = h;
	u->sk.sk_state = TCP_ESTABLISHED;
	h->sk.sk_state = TCP_ESTABLISHED;
	bus_set_role(h, BUS_ROLE_HANDLE);
	bus_set_role(u, BUS_ROLE_PEER);
}

static int bus_connect(struct socket *sock, struct sockaddr *uaddr,
		       int addr_len, int flags)
{
	struct sock *sk = sock->sk, *newsk, *master = NULL;
	struct bus_sock *u = bus_sk(sk);
	const struct cred *mcred;
	struct pid *mpid;
	char name[BUS_PATH_MAX + 1];
	struct bus_addr_entry *e;
	struct sk_buff *skb;
	bool counted = false;
	struct bus *bus;
	DEFINE_WAIT(wait);
	long timeo, seq;
	int len, err;

	len = bus_parse_path(uaddr, addr_len, name);
	if (len < 0)
		return len;
	/* A hint only: checked again under the socket lock below. */
	switch (bus_role(u)) {
	case BUS_ROLE_NONE:
		break;
	case BUS_ROLE_PEER:
		return -EISCONN;
	default:
		return -EINVAL;
	}

	bus = bus_lookup(sock_net(sk), name, len, true);
	if (IS_ERR(bus))
		return PTR_ERR(bus);
	err = -EPROTOTYPE;
	if (bus->protocol != sk->sk_protocol)
		goto err_bus;

	err = -ENOMEM;
	e = kmalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		goto err_bus;
	newsk = bus_sk_alloc(sock_net(sk), NULL, sk->sk_protocol, 0);
	if (!newsk)
		goto err_entry;
	skb = sock_wmalloc(newsk, 1, 0, GFP_KERNEL);
	if (!skb)
		goto err_newsk;
	/* The handle's SO_PEERCRED is the connecting task. */
	bus_set_peercred(newsk, task_tgid(current), current_cred());

	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	lock_sock(sk);
	for (;;) {
		err = u->role == BUS_ROLE_NONE ? 0 : -EISCONN;
		if (err)
			break;
		prepare_to_wait(&bus->space_wait, &wait, TASK_INTERRUPTIBLE);
		seq = atomic_long_read(&bus->drain_seq);
		spin_lock(&bus->lock);
		if (!bus->listening || bus->dead) {
			err = -ECONNREFUSED;
		} else if (bus->next_client >= BUS_CLIENT_MASK - 1) {
			/* Client numbers are never reused; the next one
			 * would be the multicast address.
			 */
			err = -EADDRNOTAVAIL;
		} else if (sk_acceptq_is_full(bus->master)) {
			err = -EAGAIN;
		} else {
			master = bus->master;
			sock_hold(master);
			bus_link(bus, u, bus_sk(newsk), e);
			sk_acceptq_added(master);
			skb_queue_tail(&master->sk_receive_queue, skb);
		}
		spin_unlock(&bus->lock);
		if (err != -EAGAIN || !timeo)
			break;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			break;
		release_sock(sk);
		if (bus_space_sleeper(bus, &counted, seq))
			timeo = schedule_timeout(timeo);
		/* TASK_RUNNING again before lock_sock(), which may sleep. */
		finish_wait(&bus->space_wait, &wait);
		lock_sock(sk);
	}
	finish_wait(&bus->space_wait, &wait);
	bus_space_sleeper_done(bus, counted);
	if (err) {
		release_sock(sk);
		goto err_skb;
	}
	sock->state = SS_CONNECTED;
	/* The peer's SO_PEERCRED is the master's, as of listen(). Copied
	 * through references rather than under both sockets' sk_peer_lock,
	 * so that two locks of that class never nest.
	 */
	spin_lock(&master->sk_peer_lock);
	mpid = get_pid(master->sk_peer_pid);
	mcred = get_cred(master->sk_peer_cred);
	spin_unlock(&master->sk_peer_lock);
	bus_set_peercred(sk, mpid, mcred);
	put_pid(mpid);
	put_cred(mcred);
	release_sock(sk);
	/* poll() and epoll that registered before connect() see POLLOUT. */
	sk->sk_state_change(sk);

	master->sk_data_ready(master);
	sock_put(master);
	bus_put(bus);
	return 0;

err_skb:
	kfree_skb(skb);
err_newsk:
	bus_release_sock(newsk);
err_entry:
	kfree(e);
err_bus:
	bus_put(bus);
	return err;
}

static int bus_accept(struct socket *sock, struct socket *newsock, int flags,
		      bool kern)
{
	struct sock *sk = sock->sk, *tsk;
	struct bus_sock *u = bus_sk(sk);
	struct sk_buff *skb;
	int err;

	if (bus_role(u) != BUS_ROLE_MASTER ||
	    READ_ONCE(sk->sk_state) != TCP_LISTEN)
		return -EINVAL;

	skb = skb_recv_datagram(sk, (flags & O_NONBLOCK) ? MSG_DONTWAIT : 0,
				&err);
	if (!skb)
		return err ?: -EINVAL;

	tsk = skb->sk;
	spin_lock(&u->bus->lock);
	sk_acceptq_removed(sk);
	spin_unlock(&u->bus->lock);
	bus_space_changed(u->bus);
	consume_skb(skb);

	lock_sock(tsk);
	sock_graft(tsk, newsock);
	newsock->state = SS_CONNECTED;
	release_sock(tsk);
	return 0;
}

static int bus_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	struct sockaddr_bus *sa = (struct sockaddr_bus *)uaddr;
	struct bus_sock *u = bus_sk(sock->sk);
	enum bus_role role = bus_role(u);
	struct bus *bus = u->bus; /* set for every role but NONE */
	u64 self, other;

	memset(sa, 0, sizeof(*sa));
	sa->sbus_family = AF_BUS;
	switch (role) {
	case BUS_ROLE_PEER:
		self = u->addr;
		other = BUS_MASTER_ADDR;
		break;
	case BUS_ROLE_HANDLE:
		self = BUS_MASTER_ADDR;
		other = u->addr;
		break;
	case BUS_ROLE_MASTER:
		if (peer)
			return -ENOTCONN;
		self = BUS_MASTER_ADDR;
		other = 0;
		break;
	default:
		if (peer)
			return -ENOTCONN;
		return offsetof(struct sockaddr_bus, sbus_path);
	}
	sa->sbus_addr.s_addr = peer ? other : self;
	memcpy(sa->sbus_path, bus->name, min_t(unsigned int, bus->name_len,
					       BUS_PATH_MAX));
	return offsetof(struct sockaddr_bus, sbus_path) +
	       min_t(unsigned int, bus->name_len, BUS_PATH_MAX);
}

static __poll_t bus_poll(struct file *file, struct socket *sock,
			 poll_table *wait)
{
	struct sock *sk = sock->sk;
	struct bus_sock *u = bus_sk(sk);
	enum bus_role role;
	u8 shutdown;
	__poll_t mask = 0;

	/* The only wait queue: state changes, received messages and room
	 * for a blocked sender (bus_wake_blocked()) are all woken on it.
	 */
	sock_poll_wait(file, sock, wait);
	role = bus_role(u);

	shutdown = READ_ONCE(sk->sk_shutdown);
	if (READ_ONCE(sk->sk_err))
		mask |= EPOLLERR;
	if (shutdown == SHUTDOWN_MASK)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLRDHUP | EPOLLIN | EPOLLRDNORM;
	if (!skb_queue_empty_lockless(&sk->sk_receive_queue))
		mask |= EPOLLIN | EPOLLRDNORM;
	if ((role == BUS_ROLE_PEER || role == BUS_ROLE_HANDLE) &&
	    !(shutdown & SEND_SHUTDOWN) && bus_writable(u))
		mask |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
	return mask;
}

static int bus_shutdown(struct socket *sock, int mode)
{
	struct sock *sk = sock->sk;
	struct bus_sock *u = bus_sk(sk), *pair;
	enum bus_role role = bus_role(u);

	if (mode < SHUT_RD || mode > SHUT_RDWR)
		return -EINVAL;
	if (role != BUS_ROLE_PEER && role != BUS_ROLE_HANDLE)
		return -ENOTCONN;
	/* SHUT_RD -> RCV_SHUTDOWN, SHUT_WR -> SEND_SHUTDOWN, as AF_UNIX. */
	mode = (mode + 1) & (RCV_SHUTDOWN | SEND_SHUTDOWN);

	spin_lock(&u->bus->lock);
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | mode);
	pair = u->pair;
	/* Only the end of a direction is passed on: the pair reads EOF once
	 * this side stops sending. A side that stops reading does not stop
	 * its pair's sending, which goes to the rest of the bus as well:
	 * sends that would reach it fail with EPIPE instead (send.c).
	 */
	if (pair) {
		if (mode & SEND_SHUTDOWN)
			WRITE_ONCE(pair->sk.sk_shutdown,
				   pair->sk.sk_shutdown | RCV_SHUTDOWN);
		sock_hold(&pair->sk);
	}
	spin_unlock(&u->bus->lock);

	sk->sk_state_change(sk);
	if (pair) {
		pair->sk.sk_state_change(&pair->sk);
		sock_put(&pair->sk);
	}
	bus_space_changed(u->bus);
	return 0;
}

static long bus_inq_len(struct sock *sk)
{
	struct sk_buff *skb;
	long amount = 0;

	spin_lock_irq(&sk->sk_receive_queue.lock);
	skb_queue_walk(&sk->sk_receive_queue, skb)
		amount += skb->len;
	spin_unlock_irq(&sk->sk_receive_queue.lock);
	return amount;
}

static int bus_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct bus_sock *u = bus_sk(sk);
	enum bus_role role;
	long amount;

	switch (cmd) {
	case SIOCINQ:
		role = bus_role(u);
		if (role == BUS_ROLE_MASTER || role == BUS_ROLE_NONE)
			return -EINVAL;
		amount = bus_inq_len(sk);
		break;
	case SIOCOUTQ:
		amount = sk_wmem_alloc_get(sk);
		break;
	default:
		return -ENOIOCTLCMD;
	}
	/* A queue may hold more than INT_MAX bytes (65536 x 512 KiB). */
	return put_user(min_t(long, amount, INT_MAX), (int __user *)arg);
}

static const char *const bus_role_names[] = {
	[BUS_ROLE_NONE]		= "none",
	[BUS_ROLE_MASTER]	= "master",
	[BUS_ROLE_HANDLE]	= "handle",
	[BUS_ROLE_PEER]		= "peer",
};

/* /proc/<pid>/fdinfo/<fd>: what ss would show, for AF_BUS. */
static void bus_show_fdinfo(struct seq_file *m, struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct bus_sock *u, *peer;
	enum bus_role role;
	bool joined = false, eavesdrop = false;
	u64 addr = 0;

	if (!sk)
		return;
	u = bus_sk(sk);
	role = bus_role(u);
	seq_printf(m, "bus_role:\t%s\n", bus_role_names[role]);
	if (role == BUS_ROLE_NONE)
		return;
	spin_lock(&u->bus->lock);
	if (role == BUS_ROLE_MASTER) {
		seq_printf(m, "bus_peers:\t%u\n", u->bus->npeers);
	} else {
		peer = bus_peer_of(u);
		if (peer) {
			addr = peer->addr;
			joined = peer->joined;
			eavesdrop = peer->eavesdrop;
		}
	}
	spin_unlock(&u->bus->lock);
	if (role != BUS_ROLE_MASTER)
		seq_printf(m, "bus_addr:\t%#llx\nbus_joined:\t%d\nbus_eavesdrop:\t%d\n",
			   addr, joined, eavesdrop);
	seq_printf(m, "bus_qlen:\t%u\nbus_wmem:\t%d\n",
		   skb_queue_len_lockless(&sk->sk_receive_queue),
		   sk_wmem_alloc_get(sk));
}

static const struct proto_ops bus_seqpacket_ops = {
	.family		= PF_BUS,
	.owner		= THIS_MODULE,
	.release	= bus_release,
	.show_fdinfo	= bus_show_fdinfo,
	.bind		= bus_bind,
	.connect	= bus_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= bus_accept,
	.getname	= bus_getname,
	.poll		= bus_poll,
	.ioctl		= bus_ioctl,
	.listen		= bus_listen,
	.shutdown	= bus_shutdown,
	.setsockopt	= bus_setsockopt,
	.getsockopt	= bus_getsockopt,
	.sendmsg	= bus_sendmsg,
	.recvmsg	= bus_recvmsg,
	.mmap		= sock_no_mmap,
	.sendpage	= sock_no_sendpage,
};

static const struct net_proto_family bus_family_ops = {
	.family	= PF_BUS,
	.create	= bus_create,
	.owner	= THIS_MODULE,
};

static int __init af_bus_init(void)
{
	int err;

	BUILD_BUG_ON(offsetof(struct sockaddr_bus, sbus_family) != 0);
	BUILD_BUG_ON(offsetof(struct sockaddr_bus, sbus_addr) != 8);
	BUILD_BUG_ON(offsetof(struct sockaddr_bus, sbus_path) != 16);
	BUILD_BUG_ON(sizeof(struct sockaddr_bus) !=
		     sizeof(struct __kernel_sockaddr_storage));
	BUILD_BUG_ON(sizeof(struct bus_addr) != sizeof(__u64));
	BUILD_BUG_ON(sizeof(struct bus_skb_parms) >
		     sizeof_field(struct sk_buff, cb));

	err = proto_register(&bus_proto, 1);
	if (err)
		goto err_out;
	err = bus_net_init();
	if (err)
		goto err_proto;
	err = sock_register(&bus_family_ops);
	if (err)
		goto err_net;
	return 0;

err_net:
	bus_net_exit();
err_proto:
	proto_unregister(&bus_proto);
err_out:
	return err;
}

static void __exit af_bus_exit(void)
{
	sock_unregister(PF_BUS);
	bus_net_exit();
	proto_unregister(&bus_proto);
}

module_init(af_bus_init);
module_exit(af_bus_exit);

MODULE_DESCRIPTION("AF_BUS: reliable, totally ordered IPC buses");
MODULE_LICENSE("GPL");
MODULE_ALIAS_NETPROTO(PF_BUS);
