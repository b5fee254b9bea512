// SPDX-License-Identifier: GPL-2.0
/*
 * nfdbus: the NF_BUS_SENDING hook and the per-bus state's lifetime.
 *
 * The hook is registered in every network namespace (pernet operations):
 * netfilter hooks are per namespace, and AF_BUS runs NF_BUS_SENDING in the
 * namespace of the sending socket. It is only reached for BUS_PROTO_DBUS
 * sockets, so registering it everywhere costs nothing elsewhere.
 *
 * Per-bus state comes and goes with the bus, through the callbacks AF_BUS
 * offers (struct bus_nf_ops): created when a BUS_PROTO_DBUS master binds,
 * a connection's rules and names dropped when its peer leaves, everything
 * freed when the master closes the listener. Buses bound before nfdbus
 * was loaded have no state and are not filtered.
 *
 * Locking: the hook runs under rcu_read_lock() (nf_hook()) and the bus's
 * sequencing spinlock (AF_BUS), so it never sleeps and never runs twice at
 * once for one bus; it reads the tables under RCU (nfdbus_verdict.c). The
 * callbacks take nfdbus_mutex, the writers' lock of nfdbus_state.c.
 *
 * Message access: the parser needs the message in one piece. A copy whose
 * skb is linear (every message up to what fits a head allocation, about
 * 16 KiB) is parsed in place; a longer one is copied with skb_copy_bits()
 * into the CPU's scratch buffer first. Nothing is allocated per message,
 * and nothing is read past skb->len.
 *
 * The scratch buffers are one per possible CPU, allocated at module load
 * (BUS_MAX_SENDBUF bytes each), not one per bus: any user can bind buses,
 * and a buffer per bus let one pin half a MiB of kernel memory per bind.
 * One per CPU is enough because the hook runs under the bus's spinlock,
 * which AF_BUS takes in process context only (never in softirq or irq
 * context, so nothing on this CPU can run the hook for another bus in
 * between) and which keeps preemption off from the first copy of a message
 * to its last: all the copies of one delivery attempt are judged on one
 * CPU, and the parse result that points into that CPU's buffer is never
 * used after the attempt (bus_nf_msg_seq() differs for the next one).
 * PREEMPT_RT, where spinlocks sleep, would need a local lock here.
 *
 * A multicast comes as one copy per recipient, all clones of one message:
 * the first copy is parsed, the others reuse the result, which
 * bus_nf_msg_seq() tells apart from the previous message's. Only the
 * judgement (match rules, policy) is per copy.
 */

#include <linux/if_packet.h>
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/percpu.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/af_bus.h>
#include <net/net_namespace.h>

#include "nfdbus_main.h"
#include "nfdbus_state.h"

static DEFINE_PER_CPU(u8 *, nfdbus_scratch);

static void nfdbus_count(struct nfdbus_bus *nb, int counter)
{
	atomic64_inc(&nb->stats[counter]);
}

/* Parse the message @skb is a copy of into @nb->msg; true if it is valid. */
static bool nfdbus_parse_copy(struct nfdbus_bus *nb, const struct sk_buff *skb)
{
	u8 *scratch = this_cpu_read(nfdbus_scratch);
	const void *data;

	if (!skb_is_nonlinear(skb))
		data = skb->data;
	else if (skb->len <= BUS_MAX_SENDBUF &&
		 !skb_copy_bits(skb, 0, scratch, skb->len))
		data = scratch;
	else
		return false;
	return !nfdbus_parse_message(data, skb->len, &nb->msg) &&
	       nb->msg.total_len == skb->len;
}

static unsigned int nfdbus_hook(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	const struct bus_skb_parms *cb = BUS_SKB_CB(skb);
	struct nfdbus_copy c;
	struct nfdbus_bus *nb;
	int verdict;
	u64 seq;

	/* Nothing stands between a peer and the master, either way (see
	 * verdict.c): the master's unicast copies, such as the SASL lines it
	 * exchanges with a peer before joining it, are not D-Bus messages
	 * and are not judged. Its multicast signals are.
	 */
	if (cb->rcpt == BUS_MASTER_ADDR ||
	    (cb->src == BUS_MASTER_ADDR && skb->pkt_type == PACKET_HOST))
		return NF_ACCEPT;
	nb = bus_nf_sk_priv(state->sk);
	if (!nb)
		return NF_ACCEPT;

	/* One parse per message: its other copies share its data, and
	 * @nb->msg points into that data (or into this CPU's scratch buffer,
	 * see the top), which the sender's reference keeps while the copies
	 * are offered.
	 */
	lockdep_assert_preemption_disabled();
	seq = bus_nf_msg_seq(state->sk);
	if (seq != nb->msg_seq) {
		nb->msg_ok = nfdbus_parse_copy(nb, skb);
		nb->msg_seq = seq;
		nfdbus_count(nb, NFDBUS_STATS_MESSAGES);
	}
	if (!nb->msg_ok) {
		nfdbus_count(nb, NFDBUS_STATS_DROPPED_MALFORMED);
		return NF_DROP;
	}
	nfdbus_count(nb, NFDBUS_STATS_PARSED);

	c.src = cb->src;
	c.rcpt = cb->rcpt;
	c.uid = cb->uid;
	switch (skb->pkt_type) {
	case PACKET_MULTICAST:
		c.kind = NFDBUS_COPY_MULTICAST;
		break;
	case PACKET_OTHERHOST:
		c.kind = NFDBUS_COPY_EAVESDROP;
		break;
	default:
		c.kind = NFDBUS_COPY_UNICAST;
		break;
	}
	verdict = nfdbus_judge(nb, &nb->msg, &c);
	nfdbus_count(nb, verdict);
	return verdict == NFDBUS_STATS_ACCEPTED ? NF_ACCEPT : NF_DROP;
}

static const struct nf_hook_ops nfdbus_hook_ops = {
	.hook		= nfdbus_hook,
	.pf		= NFPROTO_BUS,
	.hooknum	= NF_BUS_SENDING,
	.priority	= 0,
};

static int __net_init nfdbus_net_init(struct net *net)
{
	return nf_register_net_hook(net, &nfdbus_hook_ops);
}

static void __net_exit nfdbus_net_exit(struct net *net)
{
	nf_unregister_net_hook(net, &nfdbus_hook_ops);
}

static struct pernet_operations nfdbus_net_ops = {
	.init	= nfdbus_net_init,
	.exit	= nfdbus_net_exit,
};

static void *nfdbus_bus_init(struct bus *bus)
{
	struct nfdbus_bus *nb = nfdbus_bus_alloc();

	return nb ?: ERR_PTR(-ENOMEM);
}

static void nfdbus_bus_release(struct bus *bus, void *priv)
{
	mutex_lock(&nfdbus_mutex);
	nfdbus_bus_free(priv);
	mutex_unlock(&nfdbus_mutex);
}

static void nfdbus_peer_release(struct bus *bus, void *priv, u64 addr)
{
	mutex_lock(&nfdbus_mutex);
	nfdbus_remove_conn(priv, addr);
	mutex_unlock(&nfdbus_mutex);
}

static const struct bus_nf_ops nfdbus_bus_ops = {
	.owner		= THIS_MODULE,
	.bus_init	= nfdbus_bus_init,
	.bus_release	= nfdbus_bus_release,
	.peer_release	= nfdbus_peer_release,
};

static void nfdbus_scratch_free(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		kvfree(per_cpu(nfdbus_scratch, cpu));
		per_cpu(nfdbus_scratch, cpu) = NULL;
	}
}

/* Not charged to a memory cgroup: they serve every bus, whoever loaded us. */
static int nfdbus_scratch_alloc(void)
{
	unsigned int cpu;
	u8 *buf;

	for_each_possible_cpu(cpu) {
		buf = kvmalloc_node(BUS_MAX_SENDBUF, GFP_KERNEL,
				    cpu_to_node(cpu));
		if (!buf) {
			nfdbus_scratch_free();
			return -ENOMEM;
		}
		per_cpu(nfdbus_scratch, cpu) = buf;
	}
	return 0;
}

/**
 * nfdbus_hook_init() - register the hook in every namespace and take
 *	over the per-bus state of buses bound from now on
 *
 * Return: 0 or a negative errno.
 */
int nfdbus_hook_init(void)
{
	int err;

	err = nfdbus_scratch_alloc();
	if (err)
		return err;
	err = register_pernet_subsys(&nfdbus_net_ops);
	if (err)
		goto err_scratch;
	err = bus_nf_register(&nfdbus_bus_ops);
	if (err)
		goto err_pernet;
	return 0;

err_pernet:
	unregister_pernet_subsys(&nfdbus_net_ops);
err_scratch:
	nfdbus_scratch_free();
	return err;
}

/**
 * nfdbus_hook_exit() - undo nfdbus_hook_init()
 *
 * Every bus with state pinned the module, so none is left; the RCU
 * callbacks that free the last ones are waited for.
 */
void nfdbus_hook_exit(void)
{
	bus_nf_unregister(&nfdbus_bus_ops);
	unregister_pernet_subsys(&nfdbus_net_ops);
	rcu_barrier();
	nfdbus_scratch_free();
}
