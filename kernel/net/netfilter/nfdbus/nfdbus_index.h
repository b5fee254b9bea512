/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nfdbus: the match rules of one recipient, indexed so that judging a
 * message looks at the rules that can match it, not at all of them.
 */
#ifndef _NFDBUS_INDEX_H
#define _NFDBUS_INDEX_H

#include <linux/hashtable.h>
#include <linux/types.h>

#include "nfdbus_match.h"

#define NFDBUS_INDEX_BITS	6

/**
 * struct nfdbus_index_entry - one rule in an index
 * @node:     in a bucket, or in the wildcard list
 * @hash:     hash of the rule's interface and member
 * @wildcard: the rule lacks an interface or a member
 * @rule:     the rule, owned by the caller
 */
struct nfdbus_index_entry {
	struct hlist_node node;
	u32 hash;
	bool wildcard;
	const struct nfdbus_rule *rule;
};

/**
 * struct nfdbus_index - rules keyed by interface and member
 * @buckets:  rules with both an interface and a member, by their hash
 * @wildcard: every other rule
 * @count:    number of rules
 *
 * Writers serialise among themselves; readers may run under RCU.
 */
struct nfdbus_index {
	DECLARE_HASHTABLE(buckets, NFDBUS_INDEX_BITS);
	struct hlist_head wildcard;
	unsigned int count;
};

void nfdbus_index_init(struct nfdbus_index *idx);
void nfdbus_index_add(struct nfdbus_index *idx, struct nfdbus_index_entry *e,
		      const struct nfdbus_rule *rule);
void nfdbus_index_del(struct nfdbus_index *idx, struct nfdbus_index_entry *e);
const struct nfdbus_rule *
nfdbus_index_match(const struct nfdbus_index *idx, const struct nfdbus_msg *msg,
		   const struct nfdbus_match_env *env);

#endif /* _NFDBUS_INDEX_H */
