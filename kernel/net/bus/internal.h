/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * AF_BUS internals shared by the files of af_bus.ko. The locking rules are
 * described at the top of socket.c.
 */
#ifndef _NET_BUS_INTERNAL_H
#define _NET_BUS_INTERNAL_H

#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/path.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <net/af_bus.h>
#include <net/scm.h>
#include <net/sock.h>

#define BUS_DEFAULT_SENDBUF	(128 * 1024)
/* Largest receive queue limit BUS_SET_MAXQLEN accepts, in messages. */
#define BUS_MAX_MAXQLEN		65536

#define BUS_ADDR_HASH_BITS	8
#define BUS_NAME_HASH_BITS	6

/**
 * struct bus - one bus, created by its master's bind()
 * @ref: one reference per attached socket, plus the name table's
 * @net: the network namespace the bus lives in (not counted: the
 *	master socket pins it while the bus is reachable)
 * @name_node: in bus_net.names while the master is bound
 * @inode: the socket inode of a filesystem bus, NULL if abstract
 * @name_len: used length of @name (abstract: with the leading NUL;
 *	filesystem: with the trailing NUL)
 * @name: the path, as getsockname() reports it
 * @cred: the master's credentials when it bound the bus
 * @protocol: BUS_PROTO_*; peers must use the same
 * @lock: the sequencing point; protects everything below, and is held
 *	while all copies of one message are checked and queued
 * @master: the listening socket, NULL once it is gone
 * @listening: listen() was called and the master is alive
 * @dead: the master closed its listener; the bus only drains
 * @next_client: the last prefix-0 client number handed out
 * @gen: marks recipients of the message being delivered
 * @npeers: entries on @peers
 * @peers: connected peers (struct bus_sock.node)
 * @addrs: address table, struct bus_addr_entry by address
 * @maxqlen: receive queue limit for peers that connect later
 * @sendbuf: message size limit for peers that connect later
 * @space_wait: tasks sleeping in sendmsg() or connect() for queue room
 * @drain_seq: bumped whenever a queue shrinks or a target set changes
 * @blocked: entries on @blocked_socks plus tasks sleeping on @space_wait;
 *	nothing is woken while it is 0 (see bus_space_changed())
 * @blocked_lock: protects @blocked_socks and bus_sock.blocked_node
 * @blocked_socks: sockets whose last send failed with EAGAIN (POLLOUT
 *	clear); the next change of drain_seq takes them off and wakes their
 *	own wait queue, so that poll and epoll need not know the bus
 * @nf_lock: serialises the netfilter user's callbacks for this bus (nf.c)
 * @nf_ops: the netfilter user that holds state for this bus, or NULL
 * @nf_priv: its state; read under RCU (the hook), written under @nf_lock
 */
struct bus {
	refcount_t		ref;
	struct net		*net;
	struct hlist_node	name_node;
	struct inode		*inode;
	unsigned int		name_len;
	char			name[BUS_PATH_MAX + 1];
	const struct cred	*cred;
	int			protocol;

	spinlock_t		lock;	/* sequencing point, see above */
	struct sock		*master;
	bool			listening;
	bool			dead;
	u64			next_client;
	u64			gen;
	unsigned int		npeers;
	struct list_head	peers;
	DECLARE_HASHTABLE(addrs, BUS_ADDR_HASH_BITS);
	u32			maxqlen;
	u32			sendbuf;

	wait_queue_head_t	space_wait;
	atomic_long_t		drain_seq;
	atomic_t		blocked;
	spinlock_t		blocked_lock;	/* see above */
	struct list_head	blocked_socks;

	struct mutex		nf_lock;	/* see above */
	const struct bus_nf_ops	*nf_ops;
	void __rcu		*nf_priv;
};

/**
 * struct bus_addr_entry - one address held by a peer
 * @hnode: in bus.addrs
 * @owner_node: in the owner's bus_sock.addrs; the prefix-0 address first
 * @addr: the address
 * @owner: the peer holding it
 */
struct bus_addr_entry {
	struct hlist_node	hnode;
	struct list_head	owner_node;
	u64			addr;
	struct bus_sock		*owner;
};

enum bus_role {
	BUS_ROLE_NONE,		/* fresh socket */
	BUS_ROLE_MASTER,	/* bound (and listening) bus master */
	BUS_ROLE_HANDLE,	/* the master's accepted socket for a peer */
	BUS_ROLE_PEER,		/* a connected peer */
};

/**
 * struct bus_sock - an AF_BUS socket
 * @sk: the socket; must be first
 * @bus: the bus, once bound or connected (a reference)
 * @pair: PEER <-> HANDLE of one connection (a sock reference each way),
 *	NULL once either side is gone; changed under bus.lock
 * @path: the filesystem name a master bound to
 * @role: enum bus_role; set under the socket lock, never reverts, and
 *	published with bus_set_role() after @bus, @addr and @pair: a lockless
 *	reader calls bus_role() first and may then use those fields
 * @addr: the peer's prefix-0 address (PEER and HANDLE)
 * @naddrs: entries on @addrs
 * @addrs: addresses the peer holds (PEER), under bus.lock
 * @node: in bus.peers (PEER), under bus.lock
 * @on_bus: @node is linked
 * @joined: the master joined the peer (PEER)
 * @eavesdrop: the peer receives copies of all traffic (PEER)
 * @send_blocked: 1 if the last send failed with EAGAIN and no queue of
 *	the bus has shrunk since (see bus_writable()); under bus.blocked_lock
 * @blocked_seq: bus.drain_seq when that send was tried
 * @blocked_node: in bus.blocked_socks while @send_blocked is set
 * @mark: == bus.gen while the socket is a recipient of the current message
 * @maxqlen: receive queue limit in messages
 * @sendbuf: largest message this socket may send
 */
struct bus_sock {
	struct sock		sk;
	struct bus		*bus;
	struct bus_sock		*pair;
	struct path		path;
	enum bus_role		role;
	u64			addr;
	unsigned int		naddrs;
	struct list_head	addrs;
	struct list_head	node;
	bool			on_bus;
	bool			joined;
	bool			eavesdrop;
	int			send_blocked;
	long			blocked_seq;
	struct list_head	blocked_node;
	u64			mark;
	u32			maxqlen;
	u32			sendbuf;
};

static inline struct bus_sock *bus_sk(const struct sock *sk)
{
	return (struct bus_sock *)sk;
}

/* The role and what it implies (bus, addr, pair), for lockless readers:
 * getsockname() or poll() may race connect() or bind() on the same socket.
 * Pairs with bus_set_role().
 */
static inline enum bus_role bus_role(const struct bus_sock *u)
{
	/* Pairs with smp_store_release() in bus_set_role(). */
	return smp_load_acquire(&u->role);
}

/* Publish a role once everything it implies is set; socket lock held. */
static inline void bus_set_role(struct bus_sock *u, enum bus_role role)
{
	/* Pairs with smp_load_acquire() in bus_role(). */
	smp_store_release(&u->role, role);
}

/* The peer a socket speaks for: itself (PEER) or its pair (HANDLE).
 * Caller holds bus.lock (the pair pointer).
 */
static inline struct bus_sock *bus_peer_of(struct bus_sock *u)
{
	enum bus_role role = bus_role(u);

	if (role == BUS_ROLE_PEER)
		return u;
	if (role == BUS_ROLE_HANDLE)
		return u->pair;
	return NULL;
}

/* Padding of a sockaddr_bus of @len bytes must be zero (for later use). */
static inline bool bus_sockaddr_pad_set(const struct sockaddr_bus *sa, int len)
{
	int tail = offsetof(struct sockaddr_bus, __sbus_tail);

	if (memchr_inv(sa->__sbus_pad, 0, sizeof(sa->__sbus_pad)))
		return true;
	return len > tail && memchr_inv(sa->__sbus_tail, 0,
					min_t(int, len - tail,
					      sizeof(sa->__sbus_tail)));
}

/* bus.c */
struct bus *bus_alloc(struct net *net, int protocol, u32 maxqlen,
		      u32 sendbuf);
static inline struct bus *bus_get(struct bus *bus)
{
	refcount_inc(&bus->ref);
	return bus;
}

int bus_name_publish(struct bus *bus);
void bus_name_unpublish(struct bus *bus);
struct bus *bus_find_abstract(struct net *net, const char *name,
			      unsigned int len);
struct bus *bus_find_inode(struct net *net, struct inode *inode);
struct bus_addr_entry *bus_addr_lookup(struct bus *bus, u64 addr);
void bus_addr_insert(struct bus *bus, struct bus_sock *owner,
		     struct bus_addr_entry *e, u64 addr);
void bus_addr_remove(struct bus *bus, struct bus_addr_entry *e);
bool bus_holds_prefix(struct bus_sock *u, u16 prefix);
void bus_space_changed(struct bus *bus);
bool bus_space_sleeper(struct bus *bus, bool *counted, long seq);
void bus_space_sleeper_done(struct bus *bus, bool counted);
void bus_set_blocked(struct bus_sock *u, long seq);
void bus_clear_blocked(struct bus_sock *u);
int bus_net_init(void);
void bus_net_exit(void);

/* send.c */
int bus_sendmsg(struct socket *sock, struct msghdr *msg, size_t len);
int bus_recvmsg(struct socket *sock, struct msghdr *msg, size_t size,
		int flags);
bool bus_writable(struct bus_sock *u);

/* nf.c */
void bus_nf_request(int protocol);
int bus_nf_init(struct bus *bus);
void bus_nf_release(struct bus *bus);
void bus_nf_peer_gone(struct bus *bus, u64 addr);

/* scm.c */
void bus_msg_init(struct sk_buff *skb);
int bus_msg_attach(struct sk_buff *skb, struct scm_cookie *scm);
struct sk_buff *bus_msg_copy(struct sk_buff *skb, gfp_t gfp);
struct scm_fp_list *bus_copy_fds(const struct sk_buff *copy);

/* sockopt.c */
int bus_setsockopt(struct socket *sock, int level, int optname,
		   sockptr_t optval, unsigned int optlen);
int bus_getsockopt(struct socket *sock, int level, int optname,
		   char __user *optval, int __user *optlen);

#endif /* _NET_BUS_INTERNAL_H */
