// SPDX-License-Identifier: GPL-2.0
/*
 * nfdbus: the match rules of one recipient, indexed by interface and member.
 *
 * Nearly every rule a D-Bus client installs names the interface and the
 * member of the signal it wants. Those rules go into a hash table keyed by
 * both, and a message is compared only with the rules of its own bucket and
 * with the few rules that lack one of the two (the wildcard list), so fanning
 * a signal out to many peers does not scan every rule of every peer.
 */

#include <linux/jhash.h>
#include <linux/rculist.h>

#include "nfdbus_index.h"

static u32 nfdbus_index_hash(const char *interface, size_t interface_len,
			     const char *member, size_t member_len)
{
	return jhash(member, member_len, jhash(interface, interface_len, 0));
}

/**
 * nfdbus_index_init() - initialise an empty index
 * @idx: the index
 */
void nfdbus_index_init(struct nfdbus_index *idx)
{
	hash_init(idx->buckets);
	INIT_HLIST_HEAD(&idx->wildcard);
	idx->count = 0;
}

/**
 * nfdbus_index_add() - add a rule to an index
 * @idx:  the index
 * @e:    entry to link, owned by the caller until nfdbus_index_del()
 * @rule: the parsed rule, which must outlive the entry
 *
 * The caller serialises writers; concurrent nfdbus_index_match() under
 * rcu_read_lock() is safe.
 */
void nfdbus_index_add(struct nfdbus_index *idx, struct nfdbus_index_entry *e,
		      const struct nfdbus_rule *rule)
{
	u16 both = NFDBUS_RULE_INTERFACE | NFDBUS_RULE_MEMBER;

	e->rule = rule;
	e->wildcard = (rule->keys & both) != both;
	if (e->wildcard) {
		e->hash = 0;
		hlist_add_head_rcu(&e->node, &idx->wildcard);
	} else {
		e->hash = nfdbus_index_hash(nfdbus_rule_value(rule, &rule->interface),
					    rule->interface.len,
					    nfdbus_rule_value(rule, &rule->member),
					    rule->member.len);
		hash_add_rcu(idx->buckets, &e->node, e->hash);
	}
	idx->count++;
}

/**
 * nfdbus_index_del() - remove a rule from an index
 * @idx: the index
 * @e:   an entry added to @idx
 *
 * Readers may still see @e until an RCU grace period has passed.
 */
void nfdbus_index_del(struct nfdbus_index *idx, struct nfdbus_index_entry *e)
{
	hlist_del_rcu(&e->node);
	idx->count--;
}

/**
 * nfdbus_index_match() - find a rule of the index that matches a message
 * @idx: the index
 * @msg: the parsed message
 * @env: passed to nfdbus_match()
 *
 * Looks at the bucket of the message's interface and member, then at the
 * wildcard rules. Call under rcu_read_lock() or the writers' lock.
 *
 * Return: a matching rule, or NULL if none matches.
 */
const struct nfdbus_rule *
nfdbus_index_match(const struct nfdbus_index *idx, const struct nfdbus_msg *msg,
		   const struct nfdbus_match_env *env)
{
	struct nfdbus_index_entry *e;
	u32 hash;

	if (msg->interface.s && msg->member.s) {
		hash = nfdbus_index_hash(msg->interface.s, msg->interface.len,
					 msg->member.s, msg->member.len);
		hash_for_each_possible_rcu(idx->buckets, e, node, hash)
			if (e->hash == hash && nfdbus_match(e->rule, msg, env))
				return e->rule;
	}
	hlist_for_each_entry_rcu(e, &idx->wildcard, node)
		if (nfdbus_match(e->rule, msg, env))
			return e->rule;
	return NULL;
}
