// SPDX-License-Identifier: GPL-2.0-only
/*
 * AF_BUS: what travels with a message besides its bytes (credentials and
 * SCM_RIGHTS files), and why AF_BUS needs no in-flight garbage collector.
 *
 * One message may be queued to many receivers. Its data is shared by its
 * copies (clones); so is everything else that travels with it: the message
 * skb itself stays alive until its last copy is consumed, each copy holding
 * a reference to it (bus_skb_parms.msg). The message holds the files passed
 * with it, the sender's pid and the sender's SO_SNDBUF charge, once; every
 * receiver gets its own descriptors (its own references) when it reads its
 * copy.
 *
 * Memory: the message is charged to the sending socket with its truesize
 * (sock_alloc_send_pskb()), so what one socket has queued anywhere on the
 * bus is bounded by its SO_SNDBUF, as for AF_UNIX, however many receivers
 * a message has; the copies' own heads are bounded by the receivers' queue
 * limits (BUS_SET_MAXQLEN).
 *
 * Files in flight are charged to the sending user, with AF_UNIX's rule:
 * a user who already has more than RLIMIT_NOFILE files in flight in AF_BUS
 * messages cannot send more (ETOOMANYREFS) without CAP_SYS_RESOURCE or
 * CAP_SYS_ADMIN. The counts are AF_BUS's own (AF_UNIX's
 * user_struct.unix_inflight is protected by its collector's private lock):
 * a small table by uid, with an entry only while the uid has files in
 * flight, under one spinlock taken twice per message that carries files,
 * as AF_UNIX takes its collector's lock.
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

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/net.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/slab.h>

#include "internal.h"

/**
 * struct bus_user - files one user has in flight in AF_BUS messages
 * @node: in bus_users
 * @uid: the user (a user_struct is one per kuid)
 * @inflight: files in flight; the entry goes when it drops to 0
 */
struct bus_user {
	struct hlist_node	node;
	kuid_t			uid;
	unsigned long		inflight;
};

static DEFINE_HASHTABLE(bus_users, 6);
static DEFINE_SPINLOCK(bus_users_lock);	/* protects bus_users */

static struct bus_user *bus_user_find(kuid_t uid)
{
	struct bus_user *bu;

	hash_for_each_possible(bus_users, bu, node, __kuid_val(uid))
		if (uid_eq(bu->uid, uid))
			return bu;
	return NULL;
}

/* As AF_UNIX's too_many_unix_fds(), for a user with @inflight files. */
static bool bus_too_many_fds(unsigned long inflight)
{
	if (unlikely(inflight > rlimit(RLIMIT_NOFILE)))
		return !capable(CAP_SYS_RESOURCE) && !capable(CAP_SYS_ADMIN);
	return false;
}

/* Charge @fpl's files to its user: 0, or -ETOOMANYREFS, or -ENOMEM. */
static int bus_user_charge(struct scm_fp_list *fpl)
{
	kuid_t uid = fpl->user->uid;
	struct bus_user *bu, *new;
	int err = 0;

	new = kmalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	spin_lock(&bus_users_lock);
	bu = bus_user_find(uid);
	if (bu && bus_too_many_fds(bu->inflight)) {
		err = -ETOOMANYREFS;
	} else {
		if (!bu) {
			bu = new;
			new = NULL;
			bu->uid = uid;
			bu->inflight = 0;
			hash_add(bus_users, &bu->node, __kuid_val(uid));
		}
		bu->inflight += fpl->count;
	}
	spin_unlock(&bus_users_lock);
	kfree(new);
	return err;
}

static void bus_user_uncharge(struct scm_fp_list *fpl)
{
	struct bus_user *bu;

	spin_lock(&bus_users_lock);
	bu = bus_user_find(fpl->user->uid);
	if (!WARN_ON_ONCE(!bu || bu->inflight < fpl->count)) {
		bu->inflight -= fpl->count;
		if (!bu->inflight)
			hash_del(&bu->node);
		else
			bu = NULL;
	} else {
		bu = NULL;
	}
	spin_unlock(&bus_users_lock);
	kfree(bu);
}

static bool bus_file_carries_files(struct file *file)
{
	struct socket *sock = sock_from_file(file);

	return sock && sock->sk &&
	       (sock->sk->sk_family == AF_UNIX || sock->sk->sk_family == AF_BUS);
}

/* Destructor of a message: its files, its pid, its sender's charge. */
static void bus_msg_destruct(struct sk_buff *skb)
{
	struct bus_skb_parms *cb = BUS_SKB_CB(skb);
	struct scm_fp_list *fpl = cb->fpl;

	put_pid(cb->pid);
	cb->pid = NULL;
	if (fpl) {
		bus_user_uncharge(fpl);
		__scm_destroy(&(struct scm_cookie){ .fp = fpl });
		cb->fpl = NULL;
	}
	sock_wfree(skb);
}

/**
 * bus_msg_init - make a freshly allocated skb an AF_BUS message
 * @skb: from sock_alloc_send_pskb(), charged to the sender
 *
 * From here kfree_skb() releases whatever bus_msg_attach() adds.
 */
void bus_msg_init(struct sk_buff *skb)
{
	memset(BUS_SKB_CB(skb), 0, sizeof(struct bus_skb_parms));
	skb->destructor = bus_msg_destruct;
}

/**
 * bus_msg_attach - take over a message's credentials and files
 * @skb: the message being built (bus_msg_init() done, not yet cloned)
 * @scm: what scm_send() collected; its files move to @skb
 *
 * Return: 0, -EOPNOTSUPP if a passed file is an AF_UNIX or AF_BUS socket,
 * -ETOOMANYREFS if the sending user has too many files in flight, or
 * -ENOMEM.
 */
int bus_msg_attach(struct sk_buff *skb, struct scm_cookie *scm)
{
	struct bus_skb_parms *cb = BUS_SKB_CB(skb);
	struct scm_fp_list *fpl = scm->fp;
	int i, err;

	cb->pid = get_pid(scm->pid);
	cb->uid = scm->creds.uid;
	cb->gid = scm->creds.gid;
	if (!fpl)
		return 0;

	for (i = 0; i < fpl->count; i++)
		if (bus_file_carries_files(fpl->fp[i]))
			return -EOPNOTSUPP;
	err = bus_user_charge(fpl);
	if (err)
		return err;
	cb->fpl = fpl;
	scm->fp = NULL;
	return 0;
}

/* Destructor of a copy: it only holds its message. */
static void bus_copy_destruct(struct sk_buff *skb)
{
	consume_skb(BUS_SKB_CB(skb)->msg);
}

/**
 * bus_msg_copy - one receiver's copy of a message
 * @skb: the message
 * @gfp: allocation flags
 *
 * The copy shares the message's data and control block and holds a
 * reference to the message; it is not charged to the sender itself.
 *
 * Return: the copy, or NULL.
 */
struct sk_buff *bus_msg_copy(struct sk_buff *skb, gfp_t gfp)
{
	struct sk_buff *c = skb_clone(skb, gfp);

	if (!c)
		return NULL;
	BUS_SKB_CB(c)->msg = skb_get(skb);
	c->destructor = bus_copy_destruct;
	return c;
}

/* The receiver's own references to the files of its copy, or NULL. */
struct scm_fp_list *bus_copy_fds(const struct sk_buff *copy)
{
	struct scm_fp_list *fpl = BUS_SKB_CB(BUS_SKB_CB(copy)->msg)->fpl;

	return fpl ? scm_fp_dup(fpl) : NULL;
}
