// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for nfdbus's per-bus tables and its decision for one message
 * copy: unique names, name ownership and its limits, counted match rules
 * and their equality, strict mode, policy evaluation (last match wins,
 * default allow, the master exempt) and the multicast and eavesdrop rules.
 */

#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/af_bus.h>

#include "nfdbus_kunit.h"
#include "nfdbus_state.h"

static int state_init(struct kunit *test)
{
	test->priv = nfdbus_bus_alloc();
	return test->priv ? 0 : -ENOMEM;
}

static void state_exit(struct kunit *test)
{
	mutex_lock(&nfdbus_mutex);
	nfdbus_bus_free(test->priv);
	mutex_unlock(&nfdbus_mutex);
}

static const struct nfdbus_msg *build(struct kunit *test,
				      const struct nfdbus_vector *v)
{
	struct nfdbus_msg *msg = nfdbus_test_alloc_msg(test);
	struct mb *m = nfdbus_test_alloc_mb(test);
	u32 len = nfdbus_test_build(m, v, false, NULL, 0);

	KUNIT_ASSERT_EQ(test, nfdbus_test_parse(test, m->buf, len, msg), 0);
	return msg;
}

static int judge(const struct nfdbus_bus *nb, const struct nfdbus_msg *msg,
		 u64 src, u64 rcpt, u8 kind, u32 uid)
{
	struct nfdbus_copy c = {
		.src = src, .rcpt = rcpt, .kind = kind,
		.uid = KUIDT_INIT(uid),
	};
	int verdict;

	rcu_read_lock();
	verdict = nfdbus_judge(nb, msg, &c);
	rcu_read_unlock();
	return verdict;
}

static int add_name(struct nfdbus_bus *nb, u64 addr, const char *name)
{
	int err;

	mutex_lock(&nfdbus_mutex);
	err = nfdbus_add_name(nb, addr, name, strlen(name));
	mutex_unlock(&nfdbus_mutex);
	return err;
}

static bool owns(struct nfdbus_bus *nb, u64 addr, const char *name)
{
	bool ret;

	rcu_read_lock();
	ret = nfdbus_addr_owns(nb, addr, name, strlen(name));
	rcu_read_unlock();
	return ret;
}

static int add_match(struct kunit *test, struct nfdbus_bus *nb, u64 addr,
		     const char *text, bool remove)
{
	struct nfdbus_rule *rule = kunit_kzalloc(test, sizeof(*rule), GFP_KERNEL);
	int err;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rule);
	KUNIT_ASSERT_EQ(test, nfdbus_rule_parse(text, strlen(text), rule), 0);
	mutex_lock(&nfdbus_mutex);
	if (remove)
		err = nfdbus_remove_match(nb, addr, rule);
	else
		err = nfdbus_add_match(nb, addr, rule);
	mutex_unlock(&nfdbus_mutex);
	return err;
}

static void unique_names(struct kunit *test)
{
	u64 addr = 0;

	KUNIT_EXPECT_TRUE(test, nfdbus_unique_name_addr(":1.5", 4, &addr));
	KUNIT_EXPECT_EQ(test, addr, 5);
	KUNIT_EXPECT_TRUE(test, nfdbus_unique_name_addr(":1.281474976710654",
							18, &addr));
	KUNIT_EXPECT_EQ(test, addr, BUS_CLIENT_MASK - 1);
	/* the multicast client number, 0, leading zeros, other bus ids */
	KUNIT_EXPECT_FALSE(test, nfdbus_unique_name_addr(":1.281474976710655",
							 18, &addr));
	KUNIT_EXPECT_FALSE(test, nfdbus_unique_name_addr(":1.0", 4, &addr));
	KUNIT_EXPECT_FALSE(test, nfdbus_unique_name_addr(":1.05", 5, &addr));
	KUNIT_EXPECT_FALSE(test, nfdbus_unique_name_addr(":2.5", 4, &addr));
	KUNIT_EXPECT_FALSE(test, nfdbus_unique_name_addr(":1.", 3, &addr));
	KUNIT_EXPECT_FALSE(test, nfdbus_unique_name_addr(":1.5a", 5, &addr));
	KUNIT_EXPECT_FALSE(test, nfdbus_unique_name_addr("org.x.Y", 7, &addr));
	KUNIT_EXPECT_FALSE(test, nfdbus_unique_name_addr(":1.9999999999999999",
							 19, &addr));
}

static void name_ownership(struct kunit *test)
{
	struct nfdbus_bus *nb = test->priv;
	static const char * const set[] = { "org.a.B", "org.c.D" };
	static const char * const clash[] = { "org.c.D", "org.x.Taken" };
	static const char * const twice[] = { "org.e.F", "org.e.F" };
	static const size_t lens[] = { 7, 7 }, clash_lens[] = { 7, 11 };

	KUNIT_EXPECT_TRUE(test, owns(nb, 7, ":1.7"));
	KUNIT_EXPECT_FALSE(test, owns(nb, 8, ":1.7"));
	KUNIT_EXPECT_TRUE(test, owns(nb, BUS_MASTER_ADDR, NFDBUS_DRIVER_NAME));
	KUNIT_EXPECT_FALSE(test, owns(nb, 7, NFDBUS_DRIVER_NAME));

	KUNIT_EXPECT_EQ(test, add_name(nb, 7, "org.x.Taken"), 0);
	KUNIT_EXPECT_TRUE(test, owns(nb, 7, "org.x.Taken"));
	KUNIT_EXPECT_FALSE(test, owns(nb, 8, "org.x.Taken"));
	KUNIT_EXPECT_EQ(test, add_name(nb, 7, "org.x.Taken"), -EEXIST);
	KUNIT_EXPECT_EQ(test, add_name(nb, 8, "org.x.Taken"), -EADDRINUSE);

	mutex_lock(&nfdbus_mutex);
	KUNIT_EXPECT_EQ(test, nfdbus_del_name(nb, 8, "org.x.Taken", 11), -ENOENT);
	KUNIT_EXPECT_EQ(test, nfdbus_set_names(nb, 8, set, lens, 2), 0);
	/* all or nothing: a clash keeps what 8 had */
	KUNIT_EXPECT_EQ(test, nfdbus_set_names(nb, 8, clash, clash_lens, 2),
			-EADDRINUSE);
	KUNIT_EXPECT_EQ(test, nfdbus_set_names(nb, 8, twice, lens, 2), -EINVAL);
	mutex_unlock(&nfdbus_mutex);
	KUNIT_EXPECT_TRUE(test, owns(nb, 8, "org.a.B"));
	KUNIT_EXPECT_TRUE(test, owns(nb, 8, "org.c.D"));
	KUNIT_EXPECT_FALSE(test, owns(nb, 8, "org.e.F"));

	mutex_lock(&nfdbus_mutex);
	KUNIT_EXPECT_EQ(test, nfdbus_set_names(nb, 8, set + 1, lens, 1), 0);
	mutex_unlock(&nfdbus_mutex);
	KUNIT_EXPECT_FALSE(test, owns(nb, 8, "org.a.B"));
	KUNIT_EXPECT_TRUE(test, owns(nb, 8, "org.c.D"));
	/* a freed name can be taken by another connection */
	KUNIT_EXPECT_EQ(test, add_name(nb, 7, "org.a.B"), 0);

	mutex_lock(&nfdbus_mutex);
	KUNIT_EXPECT_EQ(test, nfdbus_del_name(nb, 7, "org.x.Taken", 11), 0);
	nfdbus_remove_conn(nb, 8);
	mutex_unlock(&nfdbus_mutex);
	KUNIT_EXPECT_FALSE(test, owns(nb, 7, "org.x.Taken"));
	KUNIT_EXPECT_FALSE(test, owns(nb, 8, "org.c.D"));
	KUNIT_EXPECT_TRUE(test, owns(nb, 7, "org.a.B"));
}

static void name_limits(struct kunit *test)
{
	unsigned int n = NFDBUS_MAX_NAMES_PER_CONN + 1, i;
	struct nfdbus_bus *nb = test->priv;
	const char **names;
	size_t *lens;
	char *buf;

	names = kunit_kcalloc(test, n, sizeof(*names), GFP_KERNEL);
	lens = kunit_kcalloc(test, n, sizeof(*lens), GFP_KERNEL);
	buf = kunit_kzalloc(test, n * 16, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, names);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, lens);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	for (i = 0; i < n; i++) {
		names[i] = buf + i * 16;
		lens[i] = scnprintf(buf + i * 16, 16, "org.n.N%u", i);
	}
	mutex_lock(&nfdbus_mutex);
	KUNIT_EXPECT_EQ(test, nfdbus_set_names(nb, 3, names, lens, n), -E2BIG);
	KUNIT_EXPECT_EQ(test, nfdbus_set_names(nb, 3, names, lens, n - 1), 0);
	KUNIT_EXPECT_EQ(test, nfdbus_add_name(nb, 3, names[n - 1], lens[n - 1]),
			-ENOSPC);
	mutex_unlock(&nfdbus_mutex);
	KUNIT_EXPECT_TRUE(test, owns(nb, 3, "org.n.N0"));
	KUNIT_EXPECT_FALSE(test, owns(nb, 3, names[n - 1]));
}

static void rule_equality(struct kunit *test)
{
	static const char * const same[][2] = {
		{ "type='signal',member='M'", "member=M,type=signal" },
		{ "arg1='x',arg0='y'", "arg0=y,arg1=x" },
		{ "path_namespace='/a'", "path_namespace=/a" },
	};
	static const char * const differ[][2] = {
		{ "member='M'", "member='N'" },
		{ "path='/a'", "path_namespace='/a'" },
		{ "arg0='x'", "arg0path='x'" },
		{ "arg0='x'", "arg1='x'" },
		{ "type='signal'", "type='error'" },
		{ "member='M'", "member='M',eavesdrop='true'" },
	};
	struct nfdbus_rule *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct nfdbus_rule *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	for (i = 0; i < ARRAY_SIZE(same); i++) {
		KUNIT_ASSERT_EQ(test, nfdbus_rule_parse(same[i][0],
							strlen(same[i][0]), a), 0);
		KUNIT_ASSERT_EQ(test, nfdbus_rule_parse(same[i][1],
							strlen(same[i][1]), b), 0);
		KUNIT_EXPECT_TRUE_MSG(test, nfdbus_rule_equal(a, b), "%s", same[i][0]);
	}
	for (i = 0; i < ARRAY_SIZE(differ); i++) {
		KUNIT_ASSERT_EQ(test, nfdbus_rule_parse(differ[i][0],
							strlen(differ[i][0]), a), 0);
		KUNIT_ASSERT_EQ(test, nfdbus_rule_parse(differ[i][1],
							strlen(differ[i][1]), b), 0);
		KUNIT_EXPECT_FALSE_MSG(test, nfdbus_rule_equal(a, b), "%s", differ[i][0]);
		KUNIT_EXPECT_FALSE_MSG(test, nfdbus_rule_equal(b, a), "%s", differ[i][1]);
	}
}

static const struct nfdbus_vector sig_changed = {
	.type = NFDBUS_MSG_SIGNAL, .sender = ":1.3", .path = "/org/x/Obj",
	.interface = "org.x.Iface", .member = "Changed",
	.nargs = 1, .args = { { 0, 's', "hello" } },
};

static void match_rules_counted(struct kunit *test)
{
	const struct nfdbus_msg *msg = build(test, &sig_changed);
	struct nfdbus_bus *nb = test->priv;
	const char *r1 = "type='signal',interface='org.x.Iface',member='Changed'";
	const char *r1b = "member=Changed,interface=org.x.Iface,type=signal";
	char text[64];
	int i;

	KUNIT_EXPECT_EQ(test, judge(nb, msg, 3, 4, NFDBUS_COPY_MULTICAST, 0),
			NFDBUS_STATS_DROPPED_NO_MATCH);
	KUNIT_EXPECT_EQ(test, add_match(test, nb, 4, r1, false), 0);
	KUNIT_EXPECT_EQ(test, add_match(test, nb, 4, r1, false), 0);
	KUNIT_EXPECT_EQ(test, judge(nb, msg, 3, 4, NFDBUS_COPY_MULTICAST, 0),
			NFDBUS_STATS_ACCEPTED);
	/* the rules are 4's, not 5's */
	KUNIT_EXPECT_EQ(test, judge(nb, msg, 3, 5, NFDBUS_COPY_MULTICAST, 0),
			NFDBUS_STATS_DROPPED_NO_MATCH);
	/* added twice, removed twice, by an equal rule in other words */
	KUNIT_EXPECT_EQ(test, add_match(test, nb, 4, r1b, true), 0);
	KUNIT_EXPECT_EQ(test, judge(nb, msg, 3, 4, NFDBUS_COPY_MULTICAST, 0),
			NFDBUS_STATS_ACCEPTED);
	KUNIT_EXPECT_EQ(test, add_match(test, nb, 4, r1, true), 0);
	KUNIT_EXPECT_EQ(test, add_match(test, nb, 4, r1, true), -ENOENT);
	KUNIT_EXPECT_EQ(test, judge(nb, msg, 3, 4, NFDBUS_COPY_MULTICAST, 0),
			NFDBUS_STATS_DROPPED_NO_MATCH);

	for (i = 0; i < NFDBUS_MAX_RULES_PER_CONN; i++) {
		scnprintf(text, sizeof(text), "member='M%d'", i);
		KUNIT_ASSERT_EQ(test, add_match(test, nb, 6, text, false), 0);
	}
	KUNIT_EXPECT_EQ(test, add_match(test, nb, 6, r1, false), -ENOSPC);
	mutex_lock(&nfdbus_mutex);
	nfdbus_remove_conn(nb, 6);
	mutex_unlock(&nfdbus_mutex);
	KUNIT_EXPECT_EQ(test, add_match(test, nb, 6, r1, false), 0);
	KUNIT_EXPECT_EQ(test, add_match(test, nb, 6, "member='M0'", true),
			-ENOENT);
}

static void multicast_and_eavesdrop(struct kunit *test)
{
	struct nfdbus_vector to_dest = sig_changed;
	const struct nfdbus_msg *msg = build(test, &sig_changed), *dmsg;
	struct nfdbus_bus *nb = test->priv;

	to_dest.destination = "org.x.Dest";
	dmsg = build(test, &to_dest);

	/* unicast copies need no rule */
	KUNIT_EXPECT_EQ(test, judge(nb, msg, 3, 4, NFDBUS_COPY_UNICAST, 0),
			NFDBUS_STATS_ACCEPTED);
	/* sender= with a well-known name resolves through ownership */
	KUNIT_EXPECT_EQ(test, add_match(test, nb, 4, "sender='org.x.Svc'", false), 0);
	KUNIT_EXPECT_EQ(test, judge(nb, msg, 3, 4, NFDBUS_COPY_MULTICAST, 0),
			NFDBUS_STATS_DROPPED_NO_MATCH);
	KUNIT_EXPECT_EQ(test, add_name(nb, 3, "org.x.Svc"), 0);
	KUNIT_EXPECT_EQ(test, judge(nb, msg, 3, 4, NFDBUS_COPY_MULTICAST, 0),
			NFDBUS_STATS_ACCEPTED);
	/* an eavesdropped copy needs eavesdrop='true' */
	KUNIT_EXPECT_EQ(test, judge(nb, msg, 3, 4, NFDBUS_COPY_EAVESDROP, 0),
			NFDBUS_STATS_DROPPED_NO_MATCH);
	/* a multicast addressed to someone else is an eavesdrop too */
	KUNIT_EXPECT_EQ(test, judge(nb, dmsg, 3, 4, NFDBUS_COPY_MULTICAST, 0),
			NFDBUS_STATS_DROPPED_NO_MATCH);
	KUNIT_EXPECT_EQ(test, add_match(test, nb, 4,
					"sender='org.x.Svc',eavesdrop='true'",
					false), 0);
	KUNIT_EXPECT_EQ(test, judge(nb, msg, 3, 4, NFDBUS_COPY_EAVESDROP, 0),
			NFDBUS_STATS_ACCEPTED);
	KUNIT_EXPECT_EQ(test, judge(nb, dmsg, 3, 4, NFDBUS_COPY_MULTICAST, 0),
			NFDBUS_STATS_ACCEPTED);
	/* the owner of the destination gets it without any rule */
	KUNIT_EXPECT_EQ(test, judge(nb, dmsg, 3, 9, NFDBUS_COPY_MULTICAST, 0),
			NFDBUS_STATS_DROPPED_NO_MATCH);
	KUNIT_EXPECT_EQ(test, add_name(nb, 9, "org.x.Dest"), 0);
	KUNIT_EXPECT_EQ(test, judge(nb, dmsg, 3, 9, NFDBUS_COPY_MULTICAST, 0),
			NFDBUS_STATS_ACCEPTED);
}

static void strict_sender(struct kunit *test)
{
	struct nfdbus_vector v = sig_changed;
	struct nfdbus_bus *nb = test->priv;
	const struct nfdbus_msg *own, *other, *wk, *none, *driver;

	own = build(test, &v);
	v.sender = ":1.30";
	other = build(test, &v);
	v.sender = "org.x.Svc";
	wk = build(test, &v);
	v.sender = NULL;
	none = build(test, &v);
	v.sender = NFDBUS_DRIVER_NAME;
	driver = build(test, &v);

	/* off: nothing is checked */
	KUNIT_EXPECT_EQ(test, judge(nb, other, 3, 4, NFDBUS_COPY_UNICAST, 0),
			NFDBUS_STATS_ACCEPTED);
	WRITE_ONCE(nb->strict, true);
	KUNIT_EXPECT_EQ(test, judge(nb, own, 3, 4, NFDBUS_COPY_UNICAST, 0),
			NFDBUS_STATS_ACCEPTED);
	KUNIT_EXPECT_EQ(test, judge(nb, other, 3, 4, NFDBUS_COPY_UNICAST, 0),
			NFDBUS_STATS_DROPPED_SPOOFED);
	KUNIT_EXPECT_EQ(test, judge(nb, none, 3, 4, NFDBUS_COPY_UNICAST, 0),
			NFDBUS_STATS_DROPPED_SPOOFED);
	KUNIT_EXPECT_EQ(test, judge(nb, driver, 3, 4, NFDBUS_COPY_UNICAST, 0),
			NFDBUS_STATS_DROPPED_SPOOFED);
	KUNIT_EXPECT_EQ(test, judge(nb, wk, 3, 4, NFDBUS_COPY_UNICAST, 0),
			NFDBUS_STATS_DROPPED_SPOOFED);
	KUNIT_EXPECT_EQ(test, add_name(nb, 3, "org.x.Svc"), 0);
	KUNIT_EXPECT_EQ(test, judge(nb, wk, 3, 4, NFDBUS_COPY_UNICAST, 0),
			NFDBUS_STATS_ACCEPTED);
	/* spoofing is checked before matching: a matching rule does not help */
	KUNIT_EXPECT_EQ(test, add_match(test, nb, 4, "type='signal'", false), 0);
	KUNIT_EXPECT_EQ(test, judge(nb, other, 3, 4, NFDBUS_COPY_MULTICAST, 0),
			NFDBUS_STATS_DROPPED_SPOOFED);
	/* the master is the authority: exempt */
	KUNIT_EXPECT_EQ(test, judge(nb, other, BUS_MASTER_ADDR, 4,
				    NFDBUS_COPY_UNICAST, 0),
			NFDBUS_STATS_ACCEPTED);
	KUNIT_EXPECT_EQ(test, judge(nb, driver, BUS_MASTER_ADDR, 4,
				    NFDBUS_COPY_MULTICAST, 0),
			NFDBUS_STATS_ACCEPTED);
}

static int add_policy(struct nfdbus_bus *nb, u8 action, u8 has, u32 uid,
		      u8 type, const char *dest, const char *iface,
		      const char *member)
{
	struct nfdbus_policy_rule *p = nfdbus_policy_alloc(dest, iface, member);
	int err;

	if (!p)
		return -ENOMEM;
	p->action = action;
	p->has |= has;
	p->uid = KUIDT_INIT(uid);
	p->type = type;
	mutex_lock(&nfdbus_mutex);
	err = nfdbus_add_policy(nb, p);
	mutex_unlock(&nfdbus_mutex);
	if (err)
		kfree(p);
	return err;
}

static void policy_last_match_wins(struct kunit *test)
{
	const struct nfdbus_msg *msg = build(test, &sig_changed);
	struct nfdbus_bus *nb = test->priv;
	int i;

	/* default allow */
	KUNIT_EXPECT_EQ(test, judge(nb, msg, 3, 4, NFDBUS_COPY_UNICAST, 1000),
			NFDBUS_STATS_ACCEPTED);
	KUNIT_ASSERT_EQ(test, add_policy(nb, NFDBUS_POLICY_DENY, 0, 0, 0, NULL,
					 "org.x.Iface", NULL), 0);
	KUNIT_EXPECT_EQ(test, judge(nb, msg, 3, 4, NFDBUS_COPY_UNICAST, 1000),
			NFDBUS_STATS_DROPPED_POLICY);
	/* policy applies to multicast too, before match rules */
	KUNIT_EXPECT_EQ(test, add_match(test, nb, 4, "type='signal'", false), 0);
	KUNIT_EXPECT_EQ(test, judge(nb, msg, 3, 4, NFDBUS_COPY_MULTICAST, 1000),
			NFDBUS_STATS_DROPPED_POLICY);
	/* a later rule that applies wins: uid 1000 may */
	KUNIT_ASSERT_EQ(test, add_policy(nb, NFDBUS_POLICY_ALLOW,
					 NFDBUS_POLICY_HAS_UID, 1000, 0, NULL,
					 NULL, "Changed"), 0);
	KUNIT_EXPECT_EQ(test, judge(nb, msg, 3, 4, NFDBUS_COPY_UNICAST, 1000),
			NFDBUS_STATS_ACCEPTED);
	KUNIT_EXPECT_EQ(test, judge(nb, msg, 3, 4, NFDBUS_COPY_UNICAST, 1001),
			NFDBUS_STATS_DROPPED_POLICY);
	/* conditions that do not hold: other type, member, destination */
	KUNIT_ASSERT_EQ(test, add_policy(nb, NFDBUS_POLICY_DENY,
					 NFDBUS_POLICY_HAS_TYPE, 0,
					 NFDBUS_MSG_METHOD_CALL, NULL, NULL,
					 NULL), 0);
	KUNIT_ASSERT_EQ(test, add_policy(nb, NFDBUS_POLICY_DENY, 0, 0, 0, NULL,
					 NULL, "Other"), 0);
	KUNIT_ASSERT_EQ(test, add_policy(nb, NFDBUS_POLICY_DENY, 0, 0, 0,
					 "org.x.Guarded", NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, judge(nb, msg, 3, 4, NFDBUS_COPY_UNICAST, 1000),
			NFDBUS_STATS_ACCEPTED);
	/* ... until the recipient owns the guarded name */
	KUNIT_EXPECT_EQ(test, add_name(nb, 4, "org.x.Guarded"), 0);
	KUNIT_EXPECT_EQ(test, judge(nb, msg, 3, 4, NFDBUS_COPY_UNICAST, 1000),
			NFDBUS_STATS_DROPPED_POLICY);
	KUNIT_EXPECT_EQ(test, judge(nb, msg, 3, 5, NFDBUS_COPY_UNICAST, 1000),
			NFDBUS_STATS_ACCEPTED);
	/* the master is exempt */
	KUNIT_EXPECT_EQ(test, judge(nb, msg, BUS_MASTER_ADDR, 4,
				    NFDBUS_COPY_UNICAST, 1000),
			NFDBUS_STATS_ACCEPTED);

	mutex_lock(&nfdbus_mutex);
	nfdbus_flush_policy(nb);
	KUNIT_EXPECT_EQ(test, nb->npolicy, 0);
	mutex_unlock(&nfdbus_mutex);
	KUNIT_EXPECT_EQ(test, judge(nb, msg, 3, 4, NFDBUS_COPY_UNICAST, 1001),
			NFDBUS_STATS_ACCEPTED);

	for (i = 0; i < NFDBUS_MAX_POLICY_RULES; i++)
		KUNIT_ASSERT_EQ(test, add_policy(nb, NFDBUS_POLICY_ALLOW, 0, 0,
						 0, NULL, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, add_policy(nb, NFDBUS_POLICY_ALLOW, 0, 0, 0,
					 NULL, NULL, NULL), -ENOSPC);
}

static struct kunit_case nfdbus_state_cases[] = {
	KUNIT_CASE(unique_names),
	KUNIT_CASE(name_ownership),
	KUNIT_CASE(name_limits),
	KUNIT_CASE(rule_equality),
	KUNIT_CASE(match_rules_counted),
	KUNIT_CASE(multicast_and_eavesdrop),
	KUNIT_CASE(strict_sender),
	KUNIT_CASE(policy_last_match_wins),
	{}
};

static struct kunit_suite nfdbus_state_suite = {
	.name = "nfdbus_state",
	.init = state_init,
	.exit = state_exit,
	.test_cases = nfdbus_state_cases,
};

kunit_test_suite(nfdbus_state_suite);
