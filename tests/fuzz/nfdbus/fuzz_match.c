// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the whole path a message takes at the hook. The input
 * is a match rule, a NUL, then a D-Bus message; both are parsed and, when
 * valid, matched, with an ownership callback that says yes to every other
 * query. Matching must never read outside either.
 */
#include <stdlib.h>
#include <string.h>
#include "nfdbus_match.h"

static bool owns_sometimes(void *priv, const char *name, size_t name_len,
			   const char *unique, size_t unique_len)
{
	unsigned int *n = priv;

	return name_len && unique_len && (++*n & 1);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct nfdbus_rule rule;
	const unsigned char *nul = memchr(data, 0, size);
	unsigned int calls = 0;
	struct nfdbus_match_env env = { .owns = owns_sometimes, .priv = &calls };
	struct nfdbus_msg msg;
	size_t rule_len;

	if (!nul)
		return 0;
	rule_len = nul - data;
	if (nfdbus_rule_parse((const char *)data, rule_len, &rule))
		return 0;
	if (nfdbus_parse_message(nul + 1, size - rule_len - 1, &msg))
		return 0;
	nfdbus_match(&rule, &msg, &env);
	env.eavesdrop = true;
	nfdbus_match(&rule, &msg, &env);
	nfdbus_match(&rule, &msg, NULL);
	return 0;
}
