// SPDX-License-Identifier: GPL-2.0-only
/*
 * AF_BUS: what travels with a message besides its bytes (credentials and
 * SCM_RIGHTS files), and why AF_BUS needs no in-flight garbage collector.
 *
 * One message may be queued to many receivers. The files passed with it are
 * held once, in a refcounted struct bus_fds shared by all copies; every
 * receiver gets its own descriptors (its own references) when it reads its
 * copy, and the shared references go when the last copy is consumed.
 *
 * A reference cycle needs a file whose in-flight messages can hold files:
 * an AF_UNIX or AF_BUS socket (B in A's queue, A in B's queue, all user
 * descriptors closed). AF_UNIX's collector cannot see references held in
 * AF_BUS queues: it would either miss such a cycle (leak) or, once told
 * about the in-flight socket, declare a socket garbage that an AF_BUS
 * receiver can still read (use after free). Rather than a second collector
 * that must agree with the first, AF_BUS refuses to carry AF_UNIX and AF_BUS
 * sockets in SCM_RIGHTS (EOPNOTSUPP). Every file in an AF_BUS queue is then
 * a leaf that holds no in-flight file, so no cycle can go through an AF_BUS
 * queue and none needs collecting. D-Bus passes memfds, pipes and regular
 * files; a peer that wants to hand over a socket connects to the bus itself.
 */

#include <linux/file.h>
#include <linux/net.h>
#include <linux/slab.h>

#include "internal.h"

/**
 * struct bus_fds - files in flight with one message, shared by its copies
 * @ref: one per skb (the template and each queued copy)
 * @fpl: the files, as scm_send() collected them
 */
struct bus_fds {
	refcount_t		ref;
	struct scm_fp_list	*fpl;
};

static bool bus_file_carries_files(struct file *file)
{
	struct socket *sock = sock_from_file(file);

	return sock && sock->sk &&
	       (sock->sk->sk_family == AF_UNIX || sock->sk->sk_family == AF_BUS);
}

/**
 * bus_fds_attach - take over a message's credentials and files
 * @skb: the message being built (not yet cloned)
 * @scm: what scm_send() collected; its files move to @skb
 *
 * Return: 0, -EOPNOTSUPP if a passed file is an AF_UNIX or AF_BUS socket,
 * or -ENOMEM.
 */
int bus_fds_attach(struct sk_buff *skb, struct scm_cookie *scm)
{
	struct bus_skb_parms *cb = BUS_SKB_CB(skb);
	struct bus_fds *fds;
	int i;

	cb->pid = get_pid(scm->pid);
	cb->uid = scm->creds.uid;
	cb->gid = scm->creds.gid;
	cb->fds = NULL;
	skb->destructor = bus_skb_release;
	if (!scm->fp)
		return 0;

	for (i = 0; i < scm->fp->count; i++)
		if (bus_file_carries_files(scm->fp->fp[i]))
			return -EOPNOTSUPP;

	fds = kmalloc(sizeof(*fds), GFP_KERNEL_ACCOUNT);
	if (!fds)
		return -ENOMEM;
	refcount_set(&fds->ref, 1);
	fds->fpl = scm->fp;
	scm->fp = NULL;
	cb->fds = fds;
	return 0;
}

/* A clone shares the control block: take its own references. */
void bus_skb_copy_get(struct sk_buff *skb)
{
	struct bus_skb_parms *cb = BUS_SKB_CB(skb);

	get_pid(cb->pid);
	if (cb->fds)
		refcount_inc(&cb->fds->ref);
}

static void bus_fds_put(struct bus_fds *fds)
{
	if (!refcount_dec_and_test(&fds->ref))
		return;
	__scm_destroy(&(struct scm_cookie){ .fp = fds->fpl });
	kfree(fds);
}

/**
 * bus_skb_release - skb destructor: drop what the control block holds
 * @skb: a message or one of its copies
 *
 * Copies queued to a receiver are also charged to the sender's socket
 * (SIOCOUTQ); that charge is returned here.
 */
void bus_skb_release(struct sk_buff *skb)
{
	struct bus_skb_parms *cb = BUS_SKB_CB(skb);

	put_pid(cb->pid);
	cb->pid = NULL;
	if (cb->fds)
		bus_fds_put(cb->fds);
	cb->fds = NULL;
	if (skb->sk)
		sock_wfree(skb);
}

/* The receiver's own references to the files of its copy, or NULL. */
struct scm_fp_list *bus_fds_dup(const struct sk_buff *skb)
{
	struct bus_fds *fds = BUS_SKB_CB(skb)->fds;

	return fds ? scm_fp_dup(fds->fpl) : NULL;
}
