// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the NFPROTO_BUS family that nfdbus registers at: a hook
 * function registered for NF_BUS_SENDING runs for every nf_hook() call of
 * the family, its verdict is what the caller gets, and after unregistering
 * nothing runs. (A hook number past NF_BUS_NUMHOOKS warns, which the test
 * kernel turns into a panic, so it is not tried here.)
 */

#include <kunit/test.h>
#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <net/net_namespace.h>

struct hook_probe {
	unsigned int calls;
	unsigned int verdict;
};

static unsigned int probe_hook(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	struct hook_probe *p = priv;

	if (state->pf == NFPROTO_BUS && state->hook == NF_BUS_SENDING)
		p->calls++;
	return p->verdict;
}

static int bus_hook(struct sk_buff *skb)
{
	return nf_hook(NFPROTO_BUS, NF_BUS_SENDING, &init_net, NULL, skb,
		       NULL, NULL, NULL);
}

static void bus_hook_verdicts(struct kunit *test)
{
	struct hook_probe probe = { .verdict = NF_ACCEPT };
	struct nf_hook_ops ops = {
		.hook = probe_hook,
		.priv = &probe,
		.pf = NFPROTO_BUS,
		.hooknum = NF_BUS_SENDING,
		.priority = 0,
	};
	struct sk_buff *skb = alloc_skb(64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	/* nothing registered: accepted without a call */
	KUNIT_EXPECT_EQ(test, bus_hook(skb), 1);
	KUNIT_ASSERT_EQ(test, nf_register_net_hook(&init_net, &ops), 0);
	KUNIT_EXPECT_EQ(test, bus_hook(skb), 1);
	KUNIT_EXPECT_EQ(test, probe.calls, 1);
	/* a drop frees the skb and reports -EPERM */
	probe.verdict = NF_DROP;
	KUNIT_EXPECT_EQ(test, bus_hook(skb), -EPERM);
	KUNIT_EXPECT_EQ(test, probe.calls, 2);
	nf_unregister_net_hook(&init_net, &ops);
	skb = alloc_skb(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, bus_hook(skb), 1);
	KUNIT_EXPECT_EQ(test, probe.calls, 2);
	kfree_skb(skb);
}

static struct kunit_case nfdbus_hook_cases[] = {
	KUNIT_CASE(bus_hook_verdicts),
	{}
};

static struct kunit_suite nfdbus_hook_suite = {
	.name = "nfdbus_hook",
	.test_cases = nfdbus_hook_cases,
};

kunit_test_suite(nfdbus_hook_suite);
