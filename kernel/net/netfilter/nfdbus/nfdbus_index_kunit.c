// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the nfdbus rule index: a message finds the rules of its
 * interface and member and the wildcard rules, and nothing else.
 */

#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "nfdbus_index.h"
#include "nfdbus_kunit.h"

#define NFDBUS_TEST_RULES 256

struct index_fixture {
	struct nfdbus_index idx;
	struct nfdbus_index_entry entries[NFDBUS_TEST_RULES];
	struct nfdbus_rule rules[NFDBUS_TEST_RULES];
};

static const struct nfdbus_rule *
index_lookup(struct kunit *test, struct index_fixture *f, const char *interface,
	     const char *member, const char *arg0)
{
	struct nfdbus_vector v = {
		.type = NFDBUS_MSG_SIGNAL, .path = "/p", .interface = interface,
		.member = member, .nargs = arg0 ? 1 : 0,
		.args = { { 0, 's', arg0 } },
	};
	struct nfdbus_msg *msg = nfdbus_test_alloc_msg(test);
	struct mb *m = nfdbus_test_alloc_mb(test);
	const struct nfdbus_rule *found;
	u32 len = nfdbus_test_build(m, &v, false, NULL, 0);

	KUNIT_ASSERT_EQ(test, nfdbus_test_parse(test, m->buf, len, msg), 0);
	rcu_read_lock();
	found = nfdbus_index_match(&f->idx, msg, NULL);
	rcu_read_unlock();
	return found;
}

static void index_add(struct kunit *test, struct index_fixture *f, int i,
		      const char *text)
{
	KUNIT_ASSERT_EQ(test, nfdbus_rule_parse(text, strlen(text), &f->rules[i]), 0);
	nfdbus_index_add(&f->idx, &f->entries[i], &f->rules[i]);
}

static void index_buckets_and_wildcards(struct kunit *test)
{
	struct index_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f);
	nfdbus_index_init(&f->idx);
	KUNIT_EXPECT_NULL(test, index_lookup(test, f, "a.b", "C", NULL));
	index_add(test, f, 0, "interface='a.b',member='C'");
	index_add(test, f, 1, "member='D'");
	index_add(test, f, 2, "interface='x.y',member='Z',arg0='q'");
	KUNIT_EXPECT_EQ(test, f->idx.count, 3);
	KUNIT_EXPECT_FALSE(test, f->entries[0].wildcard);
	KUNIT_EXPECT_TRUE(test, f->entries[1].wildcard);
	KUNIT_EXPECT_PTR_EQ(test, index_lookup(test, f, "a.b", "C", NULL), &f->rules[0]);
	KUNIT_EXPECT_PTR_EQ(test, index_lookup(test, f, "a.b", "D", NULL), &f->rules[1]);
	KUNIT_EXPECT_PTR_EQ(test, index_lookup(test, f, "x.y", "Z", "q"), &f->rules[2]);
	KUNIT_EXPECT_NULL(test, index_lookup(test, f, "x.y", "Z", "r"));
	KUNIT_EXPECT_NULL(test, index_lookup(test, f, "a.b", "Z", NULL));
	nfdbus_index_del(&f->idx, &f->entries[0]);
	KUNIT_EXPECT_EQ(test, f->idx.count, 2);
	KUNIT_EXPECT_NULL(test, index_lookup(test, f, "a.b", "C", NULL));
	synchronize_rcu();
}

/* Many rules: each message finds exactly its own */
static void index_many_rules(struct kunit *test)
{
	struct index_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	char text[64], member[16];
	int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f);
	nfdbus_index_init(&f->idx);
	for (i = 0; i < NFDBUS_TEST_RULES; i++) {
		scnprintf(text, sizeof(text), "interface='org.x',member='M%d'", i);
		index_add(test, f, i, text);
	}
	for (i = 0; i < NFDBUS_TEST_RULES; i += 17) {
		scnprintf(member, sizeof(member), "M%d", i);
		KUNIT_EXPECT_PTR_EQ(test, index_lookup(test, f, "org.x", member, NULL),
				    &f->rules[i]);
	}
	KUNIT_EXPECT_NULL(test, index_lookup(test, f, "org.x", "M9999", NULL));
	KUNIT_EXPECT_NULL(test, index_lookup(test, f, "org.y", "M1", NULL));
}

static struct kunit_case nfdbus_index_cases[] = {
	KUNIT_CASE(index_buckets_and_wildcards),
	KUNIT_CASE(index_many_rules),
	{}
};

static struct kunit_suite nfdbus_index_suite = {
	.name = "nfdbus_index",
	.test_cases = nfdbus_index_cases,
};

kunit_test_suite(nfdbus_index_suite);
