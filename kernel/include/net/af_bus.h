/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * AF_BUS: what the socket family shares with the rest of the kernel, in
 * particular with netfilter hooks at NFPROTO_BUS/NF_BUS_SENDING (nfdbus).
 *
 * Locking, as seen from a hook user:
 *  - the NF_BUS_SENDING hook runs with the bus's sequencing spinlock held,
 *    so it must not sleep, and the hook never runs for two copies of one
 *    bus at the same time (state of one bus used only by the hook needs
 *    no lock of its own);
 *  - the struct bus_nf_ops callbacks run in process context with no AF_BUS
 *    lock held except the bus's netfilter mutex, which serialises them for
 *    one bus; they may sleep.
 */
#ifndef _NET_AF_BUS_H
#define _NET_AF_BUS_H

#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/skbuff.h>
#include <linux/uidgid.h>
#include <uapi/linux/bus.h>

struct bus;
struct scm_fp_list;
struct module;
struct net;

/* Largest message BUS_SET_SENDBUF accepts: what one skb can carry. */
#define BUS_MAX_SENDBUF		BUS_MAX_MSGSIZE

/**
 * struct bus_skb_parms - control block of an AF_BUS message and its copies
 * @pid: the sender's pid, for SCM_CREDENTIALS (the message holds the
 *	reference; its copies borrow it)
 * @uid: the sender's uid, as given by SCM_CREDENTIALS or its own
 * @gid: the sender's gid, likewise
 * @fpl: in the message only: the files passed with SCM_RIGHTS, or NULL
 * @msg: in a copy only: the message it was cloned from (a reference),
 *	which keeps the files, the pid and the sender's SO_SNDBUF charge
 *	until the last copy is gone
 * @src: the sending address: the sender's prefix-0 address, or
 *	BUS_MASTER_ADDR when the master sent it
 * @dst: the destination the sender named (a unicast, multicast or the
 *	master's address)
 * @rcpt: the prefix-0 address of the socket this copy is for
 *	(BUS_MASTER_ADDR for a copy to the master)
 *
 * A netfilter hook at NF_BUS_SENDING sees one copy per recipient, with
 * @rcpt filled in, before any queue space is reserved. The hook runs with
 * the bus's sequencing lock held (a spinlock) and must not sleep.
 *
 * skb->pkt_type of a copy says why its recipient gets it: PACKET_HOST for
 * the holder of a unicast destination (or the master, by default route),
 * PACKET_MULTICAST for a holder of a multicast destination's prefix, and
 * PACKET_OTHERHOST for an eavesdropper that gets it only because it
 * eavesdrops. The skb may be non-linear (messages longer than one page
 * allocation carry the rest in fragments). The copies of one message are
 * clones sharing its data, offered one after the other under one hold of
 * the lock; bus_nf_msg_seq() tells them from other messages' copies.
 */
struct bus_skb_parms {
	struct pid	*pid;
	kuid_t		uid;
	kgid_t		gid;
	union {
		struct scm_fp_list	*fpl;
		struct sk_buff		*msg;
	};
	u64		src;
	u64		dst;
	u64		rcpt;
};

#define BUS_SKB_CB(skb)	((struct bus_skb_parms *)&((skb)->cb))

/**
 * struct bus_nf_ops - a netfilter user's per-bus state (nfdbus)
 * @owner: the module; each bus with state pins it
 * @bus_init: a BUS_PROTO_DBUS master binds a new bus. Return the user's
 *	state for it (bus_nf_priv() gives it back), or an ERR_PTR, which
 *	fails the bind()
 * @bus_release: the bus ended (its master closed the listener, or the
 *	bind failed): free @priv. No hook runs for the bus any more, and
 *	bus_nf_priv() returns NULL from before this call.
 * @peer_release: the peer of prefix-0 address @addr left the bus; its
 *	addresses are already free and it receives nothing more
 *
 * Process context, may sleep; the callbacks of one bus never run
 * concurrently.
 */
struct bus_nf_ops {
	struct module	*owner;
	void		*(*bus_init)(struct bus *bus);
	void		(*bus_release)(struct bus *bus, void *priv);
	void		(*peer_release)(struct bus *bus, void *priv, u64 addr);
};

#if IS_ENABLED(CONFIG_AF_BUS)
int bus_nf_register(const struct bus_nf_ops *ops);
void bus_nf_unregister(const struct bus_nf_ops *ops);
void *bus_nf_priv(const struct bus *bus);
void *bus_nf_sk_priv(const struct sock *sk);
u64 bus_nf_msg_seq(const struct sock *sk);
struct bus *bus_find_by_path(struct net *net, const char *path,
			     unsigned int len);
void bus_put(struct bus *bus);
struct net *bus_net(const struct bus *bus);
const struct cred *bus_master_cred(const struct bus *bus);
bool bus_peer_connected(struct bus *bus, u64 addr);
#endif

#endif /* _NET_AF_BUS_H */
