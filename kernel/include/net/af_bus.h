/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * AF_BUS: what the socket family shares with the rest of the kernel, in
 * particular with netfilter hooks at NFPROTO_BUS/NF_BUS_SENDING (nfdbus).
 */
#ifndef _NET_AF_BUS_H
#define _NET_AF_BUS_H

#include <linux/pid.h>
#include <linux/skbuff.h>
#include <linux/uidgid.h>
#include <uapi/linux/bus.h>

struct bus_fds;

/**
 * struct bus_skb_parms - control block of every AF_BUS message copy
 * @pid: the sender's pid (a reference), for SCM_CREDENTIALS
 * @uid: the sender's uid, as given by SCM_CREDENTIALS or its own
 * @gid: the sender's gid, likewise
 * @fds: the files passed with SCM_RIGHTS, shared by all copies, or NULL
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
 */
struct bus_skb_parms {
	struct pid	*pid;
	kuid_t		uid;
	kgid_t		gid;
	struct bus_fds	*fds;
	u64		src;
	u64		dst;
	u64		rcpt;
};

#define BUS_SKB_CB(skb)	((struct bus_skb_parms *)&((skb)->cb))

#endif /* _NET_AF_BUS_H */
