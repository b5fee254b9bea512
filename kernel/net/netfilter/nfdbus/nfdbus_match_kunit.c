// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the nfdbus match-rule parser and matcher. The rule and
 * message cases come from tests/vectors/match-rules.txt (through
 * nfdbus_vectors.h); every message is marshalled in both byte orders by the
 * marshaller in nfdbus_kunit.c and parsed before it is matched.
 */

#include <linux/slab.h>
#include <linux/string.h>

#include "nfdbus_kunit.h"
#include "nfdbus_match.h"
#include "nfdbus_rule.h"
#include "nfdbus_vectors.h"

static struct nfdbus_rule *alloc_rule(struct kunit *test)
{
	struct nfdbus_rule *rule = kunit_kzalloc(test, sizeof(*rule), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rule);
	return rule;
}

static int parse_rule(struct nfdbus_rule *rule, const char *text)
{
	return nfdbus_rule_parse(text, strlen(text), rule);
}

/* Every vector's rule parses, or is refused, as the file says */
static void rule_vectors(struct kunit *test)
{
	struct nfdbus_rule *rule = alloc_rule(test);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(nfdbus_vectors); i++) {
		const struct nfdbus_vector *v = &nfdbus_vectors[i];

		if (v->expect == NFDBUS_VEC_INVALID)
			KUNIT_EXPECT_NE_MSG(test, parse_rule(rule, v->rule), 0,
					    "match-rules.txt:%d", v->line);
		else
			KUNIT_EXPECT_EQ_MSG(test, parse_rule(rule, v->rule), 0,
					    "match-rules.txt:%d", v->line);
	}
}

static void expect_ref(struct kunit *test, const struct nfdbus_rule *rule,
		       const struct nfdbus_rule_ref *ref, const char *want)
{
	KUNIT_EXPECT_STREQ(test, nfdbus_rule_value(rule, ref), want);
	KUNIT_EXPECT_EQ(test, ref->len, strlen(want));
}

static void rule_every_key(struct kunit *test)
{
	static const char keys[] =
		"sender='org.a.B',interface='org.a.I',member='M',path='/p',destination=':1.3'";
	static const char args[] =
		"type='error',eavesdrop='true',arg5='five',arg2path='/two/',arg0namespace='org.ns'";
	struct nfdbus_rule *rule = alloc_rule(test);

	KUNIT_ASSERT_EQ(test, parse_rule(rule, keys), 0);
	KUNIT_EXPECT_EQ(test, rule->keys,
			NFDBUS_RULE_SENDER | NFDBUS_RULE_INTERFACE |
			NFDBUS_RULE_MEMBER | NFDBUS_RULE_PATH |
			NFDBUS_RULE_DESTINATION);
	KUNIT_EXPECT_FALSE(test, rule->eavesdrop);
	expect_ref(test, rule, &rule->sender, "org.a.B");
	expect_ref(test, rule, &rule->interface, "org.a.I");
	expect_ref(test, rule, &rule->member, "M");
	expect_ref(test, rule, &rule->path, "/p");
	expect_ref(test, rule, &rule->destination, ":1.3");
	KUNIT_EXPECT_EQ(test, rule->nargs, 0);

	KUNIT_ASSERT_EQ(test, parse_rule(rule, args), 0);
	KUNIT_EXPECT_EQ(test, rule->keys, NFDBUS_RULE_TYPE | NFDBUS_RULE_EAVESDROP);
	KUNIT_EXPECT_EQ(test, rule->type, NFDBUS_MSG_ERROR);
	KUNIT_EXPECT_TRUE(test, rule->eavesdrop);
	/* arguments sorted by index */
	KUNIT_ASSERT_EQ(test, rule->nargs, 3);
	KUNIT_EXPECT_EQ(test, rule->args[0].index, 0);
	KUNIT_EXPECT_EQ(test, rule->args[0].kind, NFDBUS_ARG_NAMESPACE);
	expect_ref(test, rule, &rule->args[0].value, "org.ns");
	KUNIT_EXPECT_EQ(test, rule->args[1].index, 2);
	KUNIT_EXPECT_EQ(test, rule->args[1].kind, NFDBUS_ARG_PATH);
	expect_ref(test, rule, &rule->args[1].value, "/two/");
	KUNIT_EXPECT_EQ(test, rule->args[2].index, 5);
	KUNIT_EXPECT_EQ(test, rule->args[2].kind, NFDBUS_ARG_STRING);
	expect_ref(test, rule, &rule->args[2].value, "five");

	KUNIT_ASSERT_EQ(test, parse_rule(rule, "path_namespace='/p'"), 0);
	KUNIT_EXPECT_EQ(test, rule->keys, NFDBUS_RULE_PATH_NAMESPACE);
	/* inside quotes a backslash is literal and the apostrophe ends them */
	KUNIT_ASSERT_EQ(test, parse_rule(rule, "arg0='a\\'"), 0);
	expect_ref(test, rule, &rule->args[0].value, "a\\");
	KUNIT_EXPECT_EQ(test, parse_rule(rule, "arg0='a\\'b'"), -EINVAL);
	KUNIT_ASSERT_EQ(test, parse_rule(rule, "arg0=a\\'b"), 0);
	expect_ref(test, rule, &rule->args[0].value, "a'b");
	/* outside quotes a backslash escapes any byte, as in dbus-daemon */
	KUNIT_ASSERT_EQ(test, parse_rule(rule, "arg0=a\\,b"), 0);
	expect_ref(test, rule, &rule->args[0].value, "a\\,b");
	/* N as strtoul(N, &end, 0) reads it: 0x1f is 31 */
	KUNIT_ASSERT_EQ(test, parse_rule(rule, "arg0x1f=\\\\'x'"), 0);
	KUNIT_EXPECT_EQ(test, rule->args[0].index, 31);
	expect_ref(test, rule, &rule->args[0].value, "\\\\x");
	/* an empty key ends the rule */
	KUNIT_ASSERT_EQ(test, parse_rule(rule, "type='signal',='x',bogus"), 0);
	KUNIT_EXPECT_EQ(test, rule->keys, NFDBUS_RULE_TYPE);
	/* a NUL inside the text is not part of any rule */
	KUNIT_EXPECT_EQ(test, nfdbus_rule_parse("type='signal'\0", 14, rule),
			-EINVAL);
}

/* dbus-daemon reads the first 16 key=value pairs of a rule and ignores the
 * rest: of 64 argument conditions, arg63 down to arg0, arg48 and above count
 */
static void rule_token_limit(struct kunit *test)
{
	struct nfdbus_rule *rule = alloc_rule(test);
	char *text = kunit_kzalloc(test, 1100, GFP_KERNEL);
	int i, len = 0;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, text);
	for (i = 63; i >= 0; i--)
		len += scnprintf(text + len, 1100 - len, "%sarg%d=%c",
				 i == 63 ? "" : ",", i, 'a' + i % 26);
	KUNIT_ASSERT_LE(test, len, NFDBUS_MAX_RULE_LEN);
	KUNIT_ASSERT_EQ(test, nfdbus_rule_parse(text, len, rule), 0);
	KUNIT_ASSERT_EQ(test, rule->nargs, NFDBUS_MAX_RULE_TOKENS);
	for (i = 0; i < NFDBUS_MAX_RULE_TOKENS; i++)
		KUNIT_EXPECT_EQ(test, rule->args[i].index,
				64 - NFDBUS_MAX_RULE_TOKENS + i);
}

/* 1024 bytes are accepted, 1025 are not */
static void rule_length_limit(struct kunit *test)
{
	static const char head[] = "arg0='";
	struct nfdbus_rule *rule = alloc_rule(test);
	char *text = kunit_kzalloc(test, 1100, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, text);
	memcpy(text, head, sizeof(head) - 1);
	memset(text + sizeof(head) - 1, 'x', 1100 - sizeof(head));
	text[1023] = '\'';
	KUNIT_EXPECT_EQ(test, nfdbus_rule_parse(text, 1024, rule), 0);
	KUNIT_EXPECT_EQ(test, rule->args[0].value.len, 1024 - 7);
	text[1023] = 'x';
	text[1024] = '\'';
	KUNIT_EXPECT_EQ(test, nfdbus_rule_parse(text, 1025, rule), -EMSGSIZE);
}

static struct kunit_case nfdbus_rule_cases[] = {
	KUNIT_CASE(rule_vectors),
	KUNIT_CASE(rule_every_key),
	KUNIT_CASE(rule_token_limit),
	KUNIT_CASE(rule_length_limit),
	{}
};

static struct kunit_suite nfdbus_rule_suite = {
	.name = "nfdbus_rule",
	.test_cases = nfdbus_rule_cases,
};

static bool vector_owns(void *priv, const char *name, size_t name_len,
			const char *unique, size_t unique_len)
{
	const struct nfdbus_vector *v = priv;
	unsigned int i;

	for (i = 0; i < v->nowners; i++)
		if (strlen(v->owners[i].name) == name_len &&
		    !memcmp(v->owners[i].name, name, name_len) &&
		    strlen(v->owners[i].unique) == unique_len &&
		    !memcmp(v->owners[i].unique, unique, unique_len))
			return true;
	return false;
}

/* Every vector message, marshalled in both byte orders, matches or not */
static void match_vectors(struct kunit *test)
{
	struct nfdbus_rule *rule = alloc_rule(test);
	struct nfdbus_msg *msg = nfdbus_test_alloc_msg(test);
	struct mb *m = nfdbus_test_alloc_mb(test);
	unsigned int i, checked = 0;
	u32 len;
	int be;

	for (i = 0; i < ARRAY_SIZE(nfdbus_vectors); i++) {
		const struct nfdbus_vector *v = &nfdbus_vectors[i];
		struct nfdbus_match_env env = {
			.owns = vector_owns,
			.priv = (void *)v,
			.eavesdrop = v->eavesdrop,
		};

		if (v->expect != NFDBUS_VEC_MATCH && v->expect != NFDBUS_VEC_NOMATCH)
			continue;
		KUNIT_ASSERT_EQ(test, parse_rule(rule, v->rule), 0);
		for (be = 0; be < 2; be++) {
			len = nfdbus_test_build(m, v, be, NULL, 0);
			KUNIT_ASSERT_EQ_MSG(test, nfdbus_test_parse(test, m->buf, len, msg),
					    0, "match-rules.txt:%d", v->line);
			KUNIT_EXPECT_EQ_MSG(test, nfdbus_match(rule, msg, &env),
					    v->expect == NFDBUS_VEC_MATCH,
					    "match-rules.txt:%d, %s-endian",
					    v->line, be ? "big" : "little");
			checked++;
		}
	}
	KUNIT_EXPECT_GT(test, checked, 100);
}

static void match_arg_path(struct kunit *test)
{
	static const struct {
		const char *rule, *arg;
		bool match;
	} cases[] = {
		{ "/aa/bb/", "/", true },
		{ "/aa/bb/", "/aa/", true },
		{ "/aa/bb/", "/aa/bb/", true },
		{ "/aa/bb/", "/aa/bb/cc/", true },
		{ "/aa/bb/", "/aa/bb/cc", true },
		{ "/aa/bb/", "/aa/b", false },
		{ "/aa/bb/", "/aa", false },
		{ "/aa/bb/", "/aa/bb", false },
		{ "/aa/bb", "/aa/bb", true },
		{ "/aa/bb", "/aa/bb/", false },
		{ "/", "/anything", true },
		{ "", "", true },
		{ "", "/", false },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, nfdbus_arg_path_match(cases[i].rule,
								strlen(cases[i].rule),
								cases[i].arg,
								strlen(cases[i].arg)),
				    cases[i].match, "'%s' vs '%s'",
				    cases[i].rule, cases[i].arg);
}

/* Without an ownership callback, only equal names match */
static void match_without_env(struct kunit *test)
{
	struct nfdbus_rule *rule = alloc_rule(test);
	struct nfdbus_msg *msg = nfdbus_test_alloc_msg(test);
	struct mb *m = nfdbus_test_alloc_mb(test);
	u32 len = nfdbus_test_build(m, &nfdbus_test_sample_signal, false, NULL, 0);

	KUNIT_ASSERT_EQ(test, nfdbus_test_parse(test, m->buf, len, msg), 0);
	KUNIT_ASSERT_EQ(test, parse_rule(rule, "sender=':1.42',arg0='hello'"), 0);
	KUNIT_EXPECT_TRUE(test, nfdbus_match(rule, msg, NULL));
	KUNIT_ASSERT_EQ(test, parse_rule(rule, "sender='org.x.Y'"), 0);
	KUNIT_EXPECT_FALSE(test, nfdbus_match(rule, msg, NULL));
	KUNIT_ASSERT_EQ(test, parse_rule(rule, "destination='org.example.Dest'"), 0);
	KUNIT_EXPECT_TRUE(test, nfdbus_match(rule, msg, NULL));
}

static struct kunit_case nfdbus_match_cases[] = {
	KUNIT_CASE(match_vectors),
	KUNIT_CASE(match_arg_path),
	KUNIT_CASE(match_without_env),
	{}
};

static struct kunit_suite nfdbus_match_suite = {
	.name = "nfdbus_match",
	.test_cases = nfdbus_match_cases,
};

kunit_test_suites(&nfdbus_rule_suite, &nfdbus_match_suite);
