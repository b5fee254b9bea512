/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nfdbus: D-Bus match rules, parsed once from dbus-daemon's text syntax.
 */
#ifndef _NFDBUS_RULE_H
#define _NFDBUS_RULE_H

#include <linux/types.h>

#include "nfdbus_parse.h"

/* The reference implementation's limit on the text of one rule */
#define NFDBUS_MAX_RULE_LEN	1024
/* dbus-daemon reads this many key=value pairs and ignores the rest */
#define NFDBUS_MAX_RULE_TOKENS	16

/* Keys present in a rule, bits of nfdbus_rule.keys */
enum nfdbus_rule_key {
	NFDBUS_RULE_TYPE		= 0x001,
	NFDBUS_RULE_SENDER		= 0x002,
	NFDBUS_RULE_INTERFACE		= 0x004,
	NFDBUS_RULE_MEMBER		= 0x008,
	NFDBUS_RULE_PATH		= 0x010,
	NFDBUS_RULE_PATH_NAMESPACE	= 0x020,
	NFDBUS_RULE_DESTINATION		= 0x040,
	NFDBUS_RULE_EAVESDROP		= 0x080,
};

/* How an argument condition compares, nfdbus_rule_arg.kind */
enum nfdbus_arg_kind {
	NFDBUS_ARG_STRING,	/* argN: equal string */
	NFDBUS_ARG_PATH,	/* argNpath: path prefix rules */
	NFDBUS_ARG_NAMESPACE,	/* arg0namespace: name or name.* */
};

/**
 * struct nfdbus_rule_ref - a decoded value in nfdbus_rule.text
 * @off: offset of its first byte; text[off + len] is a NUL
 * @len: length
 */
struct nfdbus_rule_ref {
	u16 off;
	u16 len;
};

/**
 * struct nfdbus_rule_arg - one argN, argNpath or arg0namespace condition
 * @index: N
 * @kind:  enum nfdbus_arg_kind
 * @value: the value to compare with
 */
struct nfdbus_rule_arg {
	u8 index;
	u8 kind;
	struct nfdbus_rule_ref value;
};

/**
 * struct nfdbus_rule - a parsed match rule
 * @keys:        enum nfdbus_rule_key bits of the keys the rule has
 * @type:        message type for type=, enum nfdbus_msg_type
 * @eavesdrop:   eavesdrop='true'
 * @nargs:       number of entries in @args, sorted by index
 * @sender:      sender=
 * @interface:   interface=
 * @member:      member=
 * @path:        path= or path_namespace= (see @keys)
 * @destination: destination=
 * @args:        argument conditions
 * @text_len:    bytes used in @text
 * @text:        the decoded values, each followed by a NUL
 */
struct nfdbus_rule {
	u16 keys;
	u8 type;
	bool eavesdrop;
	u8 nargs;
	struct nfdbus_rule_ref sender;
	struct nfdbus_rule_ref interface;
	struct nfdbus_rule_ref member;
	struct nfdbus_rule_ref path;
	struct nfdbus_rule_ref destination;
	struct nfdbus_rule_arg args[NFDBUS_MAX_MATCH_ARGS];
	u16 text_len;
	char text[NFDBUS_MAX_RULE_LEN + 1];
};

int nfdbus_rule_parse(const char *text, size_t len, struct nfdbus_rule *rule);
bool nfdbus_rule_equal(const struct nfdbus_rule *a, const struct nfdbus_rule *b);

/**
 * nfdbus_rule_value() - a decoded value of a rule
 * @rule: the rule
 * @ref:  one of its references
 *
 * Return: the NUL-terminated value.
 */
static inline const char *nfdbus_rule_value(const struct nfdbus_rule *rule,
					    const struct nfdbus_rule_ref *ref)
{
	return rule->text + ref->off;
}

#endif /* _NFDBUS_RULE_H */
