// SPDX-License-Identifier: GPL-2.0
/*
 * nfdbus: match a parsed D-Bus message against a parsed match rule.
 *
 * The semantics are those of the D-Bus specification ("Match Rules") as
 * dbus-daemon implements them: every key of the rule must hold; argN
 * compares a STRING argument for equality; argNpath compares a STRING or
 * OBJECT_PATH argument with the path-prefix rule; arg0namespace takes a
 * STRING first argument that equals the namespace or starts with it and a
 * dot; path_namespace takes the path itself or any path below it.
 */

#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>

#include "nfdbus_match.h"

static bool str_eq(const char *a, size_t a_len, const char *b, size_t b_len)
{
	return a_len == b_len && !memcmp(a, b, a_len);
}

/**
 * nfdbus_arg_path_match() - the argNpath comparison
 * @rule:     the value in the rule
 * @rule_len: its length
 * @arg:      the message argument
 * @arg_len:  its length
 *
 * Equal strings match; so do two strings of which one ends with '/' and is
 * a prefix of the other: '/aa/bb/' matches '/', '/aa/', '/aa/bb/cc' but
 * neither '/aa/b' nor '/aa/bb'.
 *
 * Return: true if they match.
 */
bool nfdbus_arg_path_match(const char *rule, size_t rule_len,
			   const char *arg, size_t arg_len)
{
	if (str_eq(rule, rule_len, arg, arg_len))
		return true;
	if (rule_len && rule[rule_len - 1] == '/' && rule_len < arg_len &&
	    !memcmp(rule, arg, rule_len))
		return true;
	return arg_len && arg[arg_len - 1] == '/' && arg_len < rule_len &&
	       !memcmp(rule, arg, arg_len);
}

static bool path_in_namespace(const char *ns, size_t ns_len,
			      const struct nfdbus_str *path)
{
	/* "/" is the namespace of every path */
	if (ns_len == 1)
		return true;
	if (path->len < ns_len || memcmp(path->s, ns, ns_len))
		return false;
	return path->len == ns_len || path->s[ns_len] == '/';
}

static bool name_in_namespace(const char *ns, size_t ns_len,
			      const struct nfdbus_str *name)
{
	if (name->len < ns_len || memcmp(name->s, ns, ns_len))
		return false;
	return name->len == ns_len || name->s[ns_len] == '.';
}

/* A name in a rule against a name in the message: equal, or the rule's
 * well-known name is owned by the message's unique name (or the other way
 * round for destinations, see below).
 */
static bool name_match(const struct nfdbus_match_env *env,
		       const char *well_known, size_t wk_len,
		       const struct nfdbus_str *unique)
{
	if (!unique->s)
		return false;
	if (str_eq(well_known, wk_len, unique->s, unique->len))
		return true;
	if (!env || !env->owns || well_known[0] == ':' ||
	    !unique->len || unique->s[0] != ':')
		return false;
	return env->owns(env->priv, well_known, wk_len, unique->s, unique->len);
}

static bool args_match(const struct nfdbus_rule *rule,
		       const struct nfdbus_msg *msg)
{
	unsigned int i;

	for (i = 0; i < rule->nargs; i++) {
		const struct nfdbus_rule_arg *a = &rule->args[i];
		const char *v = nfdbus_rule_value(rule, &a->value);
		struct nfdbus_str arg;
		char type;

		if (!nfdbus_msg_arg(msg, a->index, &arg, &type))
			return false;
		switch (a->kind) {
		case NFDBUS_ARG_STRING:
			if (type != 's' ||
			    !str_eq(v, a->value.len, arg.s, arg.len))
				return false;
			break;
		case NFDBUS_ARG_PATH:
			if ((type != 's' && type != 'o') ||
			    !nfdbus_arg_path_match(v, a->value.len,
						   arg.s, arg.len))
				return false;
			break;
		case NFDBUS_ARG_NAMESPACE:
			if (type != 's' ||
			    !name_in_namespace(v, a->value.len, &arg))
				return false;
			break;
		}
	}
	return true;
}

/**
 * nfdbus_match() - does a message match a rule?
 * @rule: the parsed rule
 * @msg:  the parsed message
 * @env:  name ownership and whether this copy is eavesdropped; may be NULL
 *
 * sender= matches the SENDER field, or, for a well-known name, the unique
 * name that owns it (dbus-daemon resolves the name the same way).
 * destination= matches the DESTINATION field, or the unique name that owns
 * the well-known name the message was addressed to.
 *
 * Return: true if every condition of @rule holds for @msg.
 */
bool nfdbus_match(const struct nfdbus_rule *rule, const struct nfdbus_msg *msg,
		  const struct nfdbus_match_env *env)
{
	u16 keys = rule->keys;

	if (env && env->eavesdrop && !rule->eavesdrop)
		return false;
	if (keys & NFDBUS_RULE_TYPE && rule->type != msg->type)
		return false;
	if (keys & NFDBUS_RULE_SENDER &&
	    !name_match(env, nfdbus_rule_value(rule, &rule->sender),
			rule->sender.len, &msg->sender))
		return false;
	if (keys & NFDBUS_RULE_INTERFACE &&
	    (!msg->interface.s ||
	     !str_eq(nfdbus_rule_value(rule, &rule->interface),
		     rule->interface.len, msg->interface.s, msg->interface.len)))
		return false;
	if (keys & NFDBUS_RULE_MEMBER &&
	    (!msg->member.s ||
	     !str_eq(nfdbus_rule_value(rule, &rule->member), rule->member.len,
		     msg->member.s, msg->member.len)))
		return false;
	if (keys & NFDBUS_RULE_PATH &&
	    (!msg->path.s ||
	     !str_eq(nfdbus_rule_value(rule, &rule->path), rule->path.len,
		     msg->path.s, msg->path.len)))
		return false;
	if (keys & NFDBUS_RULE_PATH_NAMESPACE &&
	    (!msg->path.s ||
	     !path_in_namespace(nfdbus_rule_value(rule, &rule->path),
				rule->path.len, &msg->path)))
		return false;
	if (keys & NFDBUS_RULE_DESTINATION) {
		const struct nfdbus_str *dest = &msg->destination;
		const char *want = nfdbus_rule_value(rule, &rule->destination);
		struct nfdbus_str unique = { want, rule->destination.len };

		if (!dest->s)
			return false;
		if (!str_eq(want, unique.len, dest->s, dest->len) &&
		    !name_match(env, dest->s, dest->len, &unique))
			return false;
	}
	return args_match(rule, msg);
}
