// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: kernel/net/netfilter/nfdbus/nfdbus_rule.c, compiled
 * unchanged, on arbitrary rule text. A parsed rule must be consistent:
 * values inside the decoded text and NUL-terminated, arguments sorted.
 */
#include <stdlib.h>
#include "nfdbus_rule.h"

static void check_ref(const struct nfdbus_rule *rule, unsigned int key,
		      const struct nfdbus_rule_ref *ref)
{
	if (!(rule->keys & key))
		return;
	if (ref->off + ref->len >= rule->text_len || rule->text[ref->off + ref->len])
		abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct nfdbus_rule rule;
	unsigned int i;

	if (nfdbus_rule_parse((const char *)data, size, &rule))
		return 0;
	if (size > NFDBUS_MAX_RULE_LEN || rule.text_len > size + 1)
		abort();
	check_ref(&rule, NFDBUS_RULE_SENDER, &rule.sender);
	check_ref(&rule, NFDBUS_RULE_INTERFACE, &rule.interface);
	check_ref(&rule, NFDBUS_RULE_MEMBER, &rule.member);
	check_ref(&rule, NFDBUS_RULE_PATH | NFDBUS_RULE_PATH_NAMESPACE, &rule.path);
	check_ref(&rule, NFDBUS_RULE_DESTINATION, &rule.destination);
	for (i = 0; i < rule.nargs; i++) {
		check_ref(&rule, ~0u, &rule.args[i].value);
		if (rule.args[i].index >= NFDBUS_MAX_MATCH_ARGS ||
		    (i && rule.args[i].index <= rule.args[i - 1].index))
			abort();
	}
	return 0;
}
