// SPDX-License-Identifier: GPL-2.0-only
/*
 * AF_BUS: sending and receiving.
 *
 * One message is built once and then delivered under bus.lock, the bus's
 * sequencing point, in three steps that all happen while it is held:
 *
 *  1. collect the recipients: the destination's holder (or every joined
 *     holder of a multicast prefix, or the master for unheld unicast), and
 *     every eavesdropper;
 *  2. make one copy per recipient and offer it to the NF_BUS_SENDING hook
 *     (BUS_PROTO_DBUS only); a copy the hook drops makes its recipient
 *     ineligible, it is not a failure;
 *  3. reserve: every remaining recipient's queue must have room for one
 *     more message. If one has none, nothing is queued: the copies are
 *     freed and the sender waits (blocking) or gets EAGAIN. Otherwise
 *     commit: all copies are queued before bus.lock is dropped.
 *
 * Because room is only consumed under bus.lock, the reservation of step 3
 * cannot be lost before the commit, and because all copies of a message
 * are queued within one critical section, every receiver sees the messages
 * of the bus in the same order (total order), and a multicast reaches all
 * its eligible receivers or none (all-or-nothing).
 *
 * A full receiver only affects messages that would go to it: there is no
 * bus-wide or per-sender credit that one slow reader could exhaust (no
 * head-of-line blocking). POLLOUT follows the same rule, see
 * bus_writable(). Two exceptions keep one receiver from stalling others:
 *
 *  - an eavesdropper's copies never hold a message up: an eavesdropper
 *    whose queue is full stops eavesdropping (the master sees
 *    BUS_GET_EAVESDROP go to 0 and may set it again) and its next receive
 *    fails once with ENOBUFS, as a netlink listener that overran;
 *  - a receiver that shut down reading takes nothing more: a copy that
 *    goes to it as a destination fails the send with EPIPE (as AF_UNIX
 *    does), a multicast or eavesdropper copy is left out.
 *
 * What a sender has queued is bounded by its SO_SNDBUF (scm.c), checked
 * when the message is allocated, before any receiver is looked at.
 */

#include <linux/if_packet.h>
#include <linux/netfilter.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "internal.h"

/* @why: PACKET_HOST, PACKET_MULTICAST or PACKET_OTHERHOST (eavesdropper),
 * given to the copy as skb->pkt_type for the hook (see af_bus.h).
 */
struct bus_target {
	struct bus_sock	*to;
	struct sk_buff	*skb;
	u8		why;
	bool		overrun;
};

/* Unicast needs 1 + eavesdroppers: most sends fit on the stack. */
#define BUS_TX_STACK_TARGETS	8

/**
 * struct bus_tx - one message being delivered
 * @from: the sending socket (PEER or HANDLE)
 * @skb: the message; never queued itself, only its copies are
 * @dst: the destination address
 * @to_pair: no destination given: to the sender's pair
 * @t: the recipients of the current attempt
 * @n: entries used in @t
 * @max: entries allocated in @t
 * @stack: @t until a send needs more recipients
 */
struct bus_tx {
	struct bus_sock		*from;
	struct sk_buff		*skb;
	u64			dst;
	bool			to_pair;
	struct bus_target	*t;
	unsigned int		n;
	unsigned int		max;
	struct bus_target	stack[BUS_TX_STACK_TARGETS];
};

/**
 * bus_writable - the POLLOUT condition of a connected socket
 * @u: a PEER or HANDLE socket
 *
 * A send's success depends on its destination, which poll() does not know.
 * POLLOUT therefore means: no send from this socket is known to be stuck.
 * It is set unless the last send on this socket failed with EAGAIN and no
 * receive queue of the bus has shrunk (nor any peer left, nor an address
 * moved) since that send was tried. It never depends on receivers this
 * socket did not try to reach, so a slow reader elsewhere on the bus never
 * clears it. After a wakeup the retried send may still find its target
 * full; it then fails with EAGAIN again and POLLOUT clears again. It also
 * needs the socket under half its SO_SNDBUF, as any socket.
 *
 * Return: true if POLLOUT is to be reported.
 */
bool bus_writable(struct bus_sock *u)
{
	if (!sock_writeable(&u->sk))
		return false;
	if (!READ_ONCE(u->send_blocked))
		return true;
	return atomic_long_read(&u->bus->drain_seq) != READ_ONCE(u->blocked_seq);
}

#if IS_ENABLED(CONFIG_NETFILTER_FAMILY_BUS)
static int bus_nf_accept(struct net *net, struct sock *sk, struct sk_buff *skb)
{
	/* Verdicts that reinject later (NF_QUEUE) are not supported. */
	kfree_skb(skb);
	return 0;
}
#endif

/* Offer one recipient's copy to netfilter. Returns 1 if it may be queued;
 * otherwise the hook has consumed the copy.
 */
static int bus_nf_sending(struct bus_sock *from, struct sk_buff *skb)
{
#if IS_ENABLED(CONFIG_NETFILTER_FAMILY_BUS)
	if (from->sk.sk_protocol == BUS_PROTO_DBUS)
		return nf_hook(NFPROTO_BUS, NF_BUS_SENDING, sock_net(&from->sk),
			       &from->sk, skb, NULL, NULL, bus_nf_accept);
#endif
	return 1;
}

/* A recipient that is already a target keeps its first reason: a target
 * that also eavesdrops gets one copy, as a target.
 */
static int bus_add_target(struct bus_tx *tx, struct bus_sock *q, u8 why)
{
	struct bus *bus = tx->from->bus;

	if (q->mark == bus->gen)
		return 0;
	if (tx->n == tx->max)
		return -E2BIG;
	q->mark = bus->gen;
	tx->t[tx->n] = (struct bus_target){ .to = q, .why = why };
	tx->n++;
	return 0;
}

/* Why @u may not send at all, or 0. Caller holds bus.lock. */
static int bus_send_closed(struct bus_sock *u)
{
	if (u->bus->dead)
		return -EPIPE;
	/* Dropped by the master (or its peer gone) before shut down. */
	if (!u->pair)
		return u->role == BUS_ROLE_PEER ? -ECONNRESET : -EPIPE;
	if (READ_ONCE(u->sk.sk_shutdown) & SEND_SHUTDOWN)
		return -EPIPE;
	return 0;
}

/* Step 1: who gets this message. Caller holds bus.lock. */
static int bus_collect(struct bus_tx *tx)
{
	struct bus_sock *u = tx->from, *q;
	struct bus *bus = u->bus;
	struct bus_addr_entry *e;
	int err;

	err = bus_send_closed(u);
	if (err)
		return err;

	bus->gen++;
	tx->n = 0;
	if (tx->to_pair) {
		err = bus_add_target(tx, u->pair, PACKET_HOST);
	} else if (tx->dst == BUS_MASTER_ADDR) {
		if (u->role != BUS_ROLE_PEER)
			return -EHOSTUNREACH;
		err = bus_add_target(tx, u->pair, PACKET_HOST);
	} else if (u->role == BUS_ROLE_PEER && !u->joined) {
		return -EHOSTUNREACH;
	} else if (BUS_ADDR_IS_MULTICAST(tx->dst)) {
		err = 0;
		list_for_each_entry(q, &bus->peers, node) {
			if (!q->joined ||
			    !bus_holds_prefix(q, BUS_ADDR_PREFIX(tx->dst)))
				continue;
			err = bus_add_target(tx, q, PACKET_MULTICAST);
			if (err)
				break;
		}
	} else {
		e = bus_addr_lookup(bus, tx->dst);
		/* The master reaches any holder; peers only joined ones. */
		if (e && (e->owner->joined || u->role == BUS_ROLE_HANDLE))
			err = bus_add_target(tx, e->owner, PACKET_HOST);
		else if (u->role == BUS_ROLE_PEER) /* default route */
			err = bus_add_target(tx, u->pair, PACKET_HOST);
		else
			return -EHOSTUNREACH;
	}
	if (err)
		return err;

	list_for_each_entry(q, &bus->peers, node) {
		if (!q->eavesdrop || !q->joined || q == u)
			continue;
		err = bus_add_target(tx, q, PACKET_OTHERHOST);
		if (err)
			return err;
	}
	return 0;
}

static void bus_free_copies(struct bus_tx *tx)
{
	unsigned int i;

	for (i = 0; i < tx->n; i++) {
		kfree_skb(tx->t[i].skb);
		tx->t[i].skb = NULL;
	}
}

/* Step 2: one copy per recipient, then filtered. */
static int bus_make_copies(struct bus_tx *tx)
{
	unsigned int i;

	for (i = 0; i < tx->n; i++) {
		struct bus_sock *to = tx->t[i].to;
		struct sk_buff *c;

		c = bus_msg_copy(tx->skb, GFP_ATOMIC);
		if (!c)
			return -ENOBUFS;
		BUS_SKB_CB(c)->rcpt = to->role == BUS_ROLE_HANDLE ?
				      BUS_MASTER_ADDR : to->addr;
		c->pkt_type = tx->t[i].why;
		if (bus_nf_sending(tx->from, c) == 1)
			tx->t[i].skb = c;
	}
	return 0;
}

static bool bus_has_room(struct bus_sock *to)
{
	return skb_queue_len(&to->sk.sk_receive_queue) < READ_ONCE(to->maxqlen);
}

/* Step 3 for one recipient whose copy survived the hook: 0 if it may be
 * queued, -EAGAIN if the message must wait for it, -EPIPE if it fails
 * for it. A copy it will not take is freed; an eavesdropper's that does
 * not fit is marked to be reported at commit.
 */
static int bus_reserve(struct bus_target *t)
{
	struct bus_sock *to = t->to;

	if (READ_ONCE(to->sk.sk_shutdown) & RCV_SHUTDOWN) {
		if (t->why == PACKET_HOST)
			return -EPIPE;
		goto leave_out;
	}
	if (bus_has_room(to))
		return 0;
	if (t->why != PACKET_OTHERHOST)
		return -EAGAIN;
	t->overrun = true;
leave_out:
	kfree_skb(t->skb);
	t->skb = NULL;
	return 0;
}

/* An eavesdropper missed a message: it stops eavesdropping and learns of
 * it with ENOBUFS. bus.lock held.
 */
static void bus_eavesdrop_overrun(struct bus_sock *to)
{
	to->eavesdrop = false;
	WRITE_ONCE(to->sk.sk_err, ENOBUFS);
	sk_error_report(&to->sk);
}

/* One delivery attempt: collect, copy and filter, reserve, commit.
 * Returns 0 once queued, -EAGAIN if a recipient is full, -E2BIG if @tx
 * needs a larger target array, or another error.
 */
static int bus_try_deliver(struct bus_tx *tx)
{
	struct bus *bus = tx->from->bus;
	unsigned int i;
	int err;

	spin_lock(&bus->lock);
	err = bus_collect(tx);
	if (err)
		goto err_unlock;
	err = bus_make_copies(tx);
	if (err)
		goto err_free;

	for (i = 0; i < tx->n; i++) {
		if (!tx->t[i].skb)
			continue;
		err = bus_reserve(&tx->t[i]);
		if (err)
			goto err_free;
	}

	for (i = 0; i < tx->n; i++) {
		struct bus_sock *to = tx->t[i].to;

		if (tx->t[i].overrun)
			bus_eavesdrop_overrun(to);
		if (!tx->t[i].skb)
			continue;
		skb_queue_tail(&to->sk.sk_receive_queue, tx->t[i].skb);
		tx->t[i].skb = NULL;
		to->sk.sk_data_ready(&to->sk);
	}
	spin_unlock(&bus->lock);
	return 0;

err_free:
	spin_unlock(&bus->lock);
	bus_free_copies(tx);
	return err;
err_unlock:
	spin_unlock(&bus->lock);
	return err;
}

static int bus_grow_targets(struct bus_tx *tx)
{
	unsigned int max = READ_ONCE(tx->from->bus->npeers) + 2;
	struct bus_target *t;

	if (max <= tx->max)
		max = tx->max * 2;
	t = kvmalloc_array(max, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	if (tx->t != tx->stack)
		kvfree(tx->t);
	tx->t = t;
	tx->max = max;
	return 0;
}

/* Deliver, waiting for room as long as @timeo allows. */
static int bus_transmit(struct bus_tx *tx, long timeo)
{
	struct bus_sock *u = tx->from;
	struct bus *bus = u->bus;
	bool counted = false;
	DEFINE_WAIT(wait);
	long seq;
	int err;

	tx->t = tx->stack;
	tx->max = BUS_TX_STACK_TARGETS;
	for (;;) {
		prepare_to_wait(&bus->space_wait, &wait, TASK_INTERRUPTIBLE);
		seq = atomic_long_read(&bus->drain_seq);
		err = bus_try_deliver(tx);
		if (err == -E2BIG) {
			finish_wait(&bus->space_wait, &wait);
			err = bus_grow_targets(tx);
			if (err)
				break;
			continue;
		}
		if (err != -EAGAIN)
			break;
		if (!timeo) {
			bus_set_blocked(u, seq);
			break;
		}
		if (signal_pending(current)) {
			err = sock_intr_errno(timeo);
			break;
		}
		if (bus_space_sleeper(bus, &counted, seq))
			timeo = schedule_timeout(timeo);
	}
	finish_wait(&bus->space_wait, &wait);
	bus_space_sleeper_done(bus, counted);
	if (!err)
		bus_clear_blocked(u);
	if (tx->t != tx->stack)
		kvfree(tx->t);
	return err;
}

static int bus_parse_dest(struct msghdr *msg, u64 *dst)
{
	struct sockaddr_bus *sa = msg->msg_name;

	if (msg->msg_namelen < (int)offsetof(struct sockaddr_bus, sbus_path))
		return -EINVAL;
	if (sa->sbus_family != AF_BUS)
		return -EAFNOSUPPORT;
	if (bus_sockaddr_pad_set(sa, msg->msg_namelen))
		return -EINVAL;
	*dst = sa->sbus_addr.s_addr;
	return 0;
}

/* The message, charged to @sk: waits (or fails with EAGAIN) while @sk
 * has SO_SNDBUF or more queued anywhere on the bus, as AF_UNIX does.
 */
static struct sk_buff *bus_alloc_msg(struct sock *sk, size_t len, int flags,
				     int *err)
{
	size_t data_len = 0;
	struct sk_buff *skb;

	if (len > SKB_MAX_ALLOC)
		data_len = min_t(size_t, len - SKB_MAX_ALLOC,
				 MAX_SKB_FRAGS * PAGE_SIZE);
	skb = sock_alloc_send_pskb(sk, len - data_len, data_len,
				   flags & MSG_DONTWAIT, err,
				   PAGE_ALLOC_COSTLY_ORDER);
	if (!skb)
		return NULL;
	bus_msg_init(skb);
	skb_put(skb, len - data_len);
	skb->data_len = data_len;
	skb->len = len;
	return skb;
}

/**
 * bus_sendmsg - send one message on a bus
 * @sock: a peer's socket or the master's accepted socket for a peer
 * @msg: the message; msg_name, if given, is a struct sockaddr_bus whose
 *	sbus_addr is the destination (the master, a unicast or a multicast
 *	address); without one a peer sends to the master and the master's
 *	accepted socket sends to its peer
 * @len: the length of the message
 *
 * Return: @len once the message is queued to every eligible receiver,
 * otherwise a negative errno and nothing is queued anywhere: -EMSGSIZE
 * above the peer's limit, -EHOSTUNREACH for a destination the sender may
 * not reach, -EAGAIN if a receiver is full and the send may not wait,
 * -EPIPE once the bus or this direction is shut down or when the
 * destination shut down reading, -ECONNRESET after the master dropped the
 * peer, -EOPNOTSUPP for an AF_UNIX or AF_BUS socket in SCM_RIGHTS,
 * -ETOOMANYREFS when the user has too many files in flight. The wait for
 * SO_SNDBUF room and the wait for queue room each take up to SO_SNDTIMEO.
 */
int bus_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	struct sock *sk = sock->sk;
	struct bus_sock *u = bus_sk(sk);
	struct bus_tx tx = { .from = u };
	struct scm_cookie scm;
	enum bus_role role = bus_role(u);
	struct sk_buff *skb;
	int err;

	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (role != BUS_ROLE_PEER && role != BUS_ROLE_HANDLE)
		return -ENOTCONN;
	if (msg->msg_name) {
		err = bus_parse_dest(msg, &tx.dst);
		if (err)
			return err;
	} else {
		tx.to_pair = true;
	}
	if (len > READ_ONCE(u->sendbuf))
		return -EMSGSIZE;

	err = scm_send(sock, msg, &scm, true);
	if (err < 0)
		return err;
	skb = bus_alloc_msg(sk, len, msg->msg_flags, &err);
	if (!skb) {
		/* Shut down for sending: say why, as a delivery would. */
		if (err == -EPIPE) {
			spin_lock(&u->bus->lock);
			err = bus_send_closed(u) ?: err;
			spin_unlock(&u->bus->lock);
		}
		goto err_scm;
	}
	err = bus_msg_attach(skb, &scm);
	if (err)
		goto err_skb;
	BUS_SKB_CB(skb)->src = role == BUS_ROLE_PEER ? u->addr :
					BUS_MASTER_ADDR;
	BUS_SKB_CB(skb)->dst = tx.to_pair ? (role == BUS_ROLE_PEER ?
					     BUS_MASTER_ADDR : u->addr) : tx.dst;
	err = skb_copy_datagram_from_iter(skb, 0, &msg->msg_iter, len);
	if (err)
		goto err_skb;
	tx.skb = skb;

	err = bus_transmit(&tx, sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT));
	if (err)
		goto err_skb;
	consume_skb(skb);
	scm_destroy(&scm);
	return len;

err_skb:
	kfree_skb(skb);
err_scm:
	scm_destroy(&scm);
	if (err == -EPIPE && !(msg->msg_flags & MSG_NOSIGNAL))
		send_sig(SIGPIPE, current, 0);
	return err;
}

static void bus_fill_name(struct msghdr *msg, struct bus *bus, u64 src)
{
	DECLARE_SOCKADDR(struct sockaddr_bus *, sa, msg->msg_name);
	unsigned int len = min_t(unsigned int, bus->name_len, BUS_PATH_MAX);

	if (!sa)
		return;
	memset(sa, 0, sizeof(*sa));
	sa->sbus_family = AF_BUS;
	sa->sbus_addr.s_addr = src;
	memcpy(sa->sbus_path, bus->name, len);
	msg->msg_namelen = offsetof(struct sockaddr_bus, sbus_path) + len;
}

/**
 * bus_recvmsg - receive one message
 * @sock: a peer's socket or the master's accepted socket for a peer
 * @msg: where to put it; msg_name gets the true sending address
 * @size: room in @msg
 * @flags: MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC, MSG_CMSG_CLOEXEC
 *
 * As for AF_UNIX SOCK_SEQPACKET: one message per call, MSG_TRUNC in
 * msg_flags if it did not fit (the rest is lost), 0 at end of file.
 *
 * Return: the bytes received (the full length with MSG_TRUNC), or a
 * negative errno.
 */
int bus_recvmsg(struct socket *sock, struct msghdr *msg, size_t size,
		int flags)
{
	struct sock *sk = sock->sk;
	struct bus_sock *u = bus_sk(sk);
	struct bus_skb_parms *cb;
	struct scm_cookie scm;
	enum bus_role role = bus_role(u);
	struct sk_buff *skb;
	int err, copied;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (role != BUS_ROLE_PEER && role != BUS_ROLE_HANDLE)
		return -ENOTCONN;

	skb = skb_recv_datagram(sk, flags, &err);
	if (!skb) {
		if (err == -EAGAIN &&
		    (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN))
			err = 0;
		return err;
	}

	cb = BUS_SKB_CB(skb);
	bus_fill_name(msg, u->bus, cb->src);
	copied = skb->len;
	if (size < copied) {
		msg->msg_flags |= MSG_TRUNC;
		copied = size;
	}
	err = skb_copy_datagram_msg(skb, 0, msg, copied);
	if (err)
		goto out_free;

	memset(&scm, 0, sizeof(scm));
	scm_set_cred(&scm, cb->pid, cb->uid, cb->gid);
	if (BUS_SKB_CB(cb->msg)->fpl) {
		scm.fp = bus_copy_fds(skb);
		if (!scm.fp)
			msg->msg_flags |= MSG_CTRUNC;
	}
	scm_recv(sock, msg, &scm, flags);
	err = (flags & MSG_TRUNC) ? skb->len : copied;
out_free:
	skb_free_datagram(sk, skb);
	/* After the copy is freed: a sender waiting for its SO_SNDBUF to
	 * drain, woken by the free, must find the queue's room as well.
	 */
	if (!(flags & MSG_PEEK))
		bus_space_changed(u->bus);
	return err;
}
