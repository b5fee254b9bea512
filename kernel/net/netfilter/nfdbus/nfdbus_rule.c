// SPDX-License-Identifier: GPL-2.0
/*
 * nfdbus: D-Bus match rules.
 *
 * Written from the D-Bus specification ("Match Rules"): comma-separated
 * key=value pairs; a value may be quoted with apostrophes, inside which
 * every byte is literal. Where the specification is silent or dbus-daemon
 * (1.14, checked by tests/dbus/match_daemon_test.cpp against the real
 * daemon) accepts more, this follows dbus-daemon, so that a rule means here
 * what it means there; each such place is commented.
 *
 * The rule is parsed once, when it is installed, into a struct nfdbus_rule
 * that the matcher reads without looking at the text again.
 */

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>

#include "nfdbus_rule.h"

struct nfdbus_rule_key_name {
	const char *name;
	u16 key;
};

static const struct nfdbus_rule_key_name nfdbus_rule_keys[] = {
	{ "type", NFDBUS_RULE_TYPE },
	{ "sender", NFDBUS_RULE_SENDER },
	{ "interface", NFDBUS_RULE_INTERFACE },
	{ "member", NFDBUS_RULE_MEMBER },
	{ "path", NFDBUS_RULE_PATH },
	{ "path_namespace", NFDBUS_RULE_PATH_NAMESPACE },
	{ "destination", NFDBUS_RULE_DESTINATION },
	{ "eavesdrop", NFDBUS_RULE_EAVESDROP },
};

static const char * const nfdbus_type_names[] = {
	[NFDBUS_MSG_METHOD_CALL] = "method_call",
	[NFDBUS_MSG_METHOD_RETURN] = "method_return",
	[NFDBUS_MSG_ERROR] = "error",
	[NFDBUS_MSG_SIGNAL] = "signal",
};

/* dbus-daemon's white space between tokens: not \v or \f */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* what strtoul() skips before a number: all six C-locale spaces */
static bool is_c_space(char c)
{
	return is_space(c) || c == '\v' || c == '\f';
}

static bool str_is(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && !memcmp(s, lit, len);
}

/* A bus name in a rule (sender, destination; arg0namespace with @prefix)
 * as dbus-daemon checks it, with libdbus's grammar, which is looser than
 * the specification's for unique names: ':' and dot-separated elements of
 * [A-Za-z0-9_-] of which only the first may be empty, so ":", ":1" and
 * ":.1" pass. A well-known name needs two elements, a @prefix one.
 */
static bool rule_valid_name(const char *s, size_t len, bool prefix)
{
	bool unique = len > 0 && s[0] == ':';
	unsigned int elements = 0;
	bool start = true;
	size_t i = unique;

	if (len == 0 || len > NFDBUS_MAX_NAME_LEN)
		return false;
	if (unique && len == 1)
		return true;
	if (unique && s[1] == '.')
		i = 2;
	for (; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (start)
				return false;
			start = true;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      c == '_' || c == '-' ||
		      ((unique || !start) && c >= '0' && c <= '9')))
			return false;
		if (start)
			elements++;
		start = false;
	}
	return !start && (unique || elements >= (prefix ? 1 : 2));
}

/* The value of digit @c in @base, or @base if it is not one */
static unsigned int digit_value(char c, unsigned int base)
{
	unsigned int d = base;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	return d < base ? d : base;
}

/* argN, argNpath, arg0namespace. dbus-daemon reads N with
 * strtoul(N, &end, 0) and so takes what strtoul takes: leading white space
 * (\v and \f, the only kinds a key can hold), a sign, and 0x (hex) and 0
 * (octal) prefixes: "arg0x1f", "arg010", "arg+1" and "arg-0" are valid
 * keys; a negative N other than zero wraps around far above 63.
 * Returns N and sets *kind, or -EINVAL.
 */
static int parse_arg_key(const char *key, size_t len, u8 *kind)
{
	unsigned int base = 10, n = 0;
	bool negative = false;
	size_t i = 3, digits;

	if (len < 3 || memcmp(key, "arg", 3))
		return -EINVAL;
	while (i < len && is_c_space(key[i]))
		i++;
	if (i < len && (key[i] == '+' || key[i] == '-'))
		negative = key[i++] == '-';
	if (i < len && key[i] == '0') {
		base = 8;
		if (i + 2 < len && (key[i + 1] == 'x' || key[i + 1] == 'X') &&
		    digit_value(key[i + 2], 16) < 16) {
			base = 16;
			i += 2;
		}
	}
	for (digits = i; i < len && digit_value(key[i], base) < base; i++) {
		/* past 63 it is refused anyway: stop growing */
		if (n < NFDBUS_MAX_MATCH_ARGS)
			n = n * base + digit_value(key[i], base);
	}
	if (i == digits || n >= NFDBUS_MAX_MATCH_ARGS || (negative && n))
		return -EINVAL;
	if (i == len)
		*kind = NFDBUS_ARG_STRING;
	else if (str_is(key + i, len - i, "path"))
		*kind = NFDBUS_ARG_PATH;
	else if (str_is(key, len, "arg0namespace")) /* not "arg00namespace" */
		*kind = NFDBUS_ARG_NAMESPACE;
	else
		return -EINVAL;
	return n;
}

/* Check @value for @key and store it in @rule. */
static int set_key(struct nfdbus_rule *rule, u16 key,
		   const struct nfdbus_rule_ref *ref)
{
	const char *v = nfdbus_rule_value(rule, ref);
	size_t len = ref->len;
	unsigned int t;

	/* dbus-daemon refuses any key given twice, except eavesdrop where
	 * the last value wins; path and path_namespace exclude each other.
	 */
	if (rule->keys & key & ~NFDBUS_RULE_EAVESDROP)
		return -EINVAL;
	if ((key | rule->keys) & NFDBUS_RULE_PATH &&
	    (key | rule->keys) & NFDBUS_RULE_PATH_NAMESPACE)
		return -EINVAL;
	rule->keys |= key;

	switch (key) {
	case NFDBUS_RULE_TYPE:
		for (t = NFDBUS_MSG_METHOD_CALL; t <= NFDBUS_MSG_SIGNAL; t++) {
			if (str_is(v, len, nfdbus_type_names[t])) {
				rule->type = t;
				return 0;
			}
		}
		return -EINVAL;
	case NFDBUS_RULE_SENDER:
		rule->sender = *ref;
		return rule_valid_name(v, len, false) ? 0 : -EINVAL;
	case NFDBUS_RULE_INTERFACE:
		rule->interface = *ref;
		return nfdbus_valid_interface(v, len) ? 0 : -EINVAL;
	case NFDBUS_RULE_MEMBER:
		rule->member = *ref;
		return nfdbus_valid_member(v, len) ? 0 : -EINVAL;
	case NFDBUS_RULE_PATH:
	case NFDBUS_RULE_PATH_NAMESPACE:
		rule->path = *ref;
		return nfdbus_valid_object_path(v, len) ? 0 : -EINVAL;
	case NFDBUS_RULE_DESTINATION:
		rule->destination = *ref;
		return rule_valid_name(v, len, false) ? 0 : -EINVAL;
	case NFDBUS_RULE_EAVESDROP:
		if (str_is(v, len, "true"))
			rule->eavesdrop = true;
		else if (str_is(v, len, "false"))
			rule->eavesdrop = false;
		else
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

/* Insert an argument condition, keeping @rule->args sorted by index. */
static int add_arg(struct nfdbus_rule *rule, int index, u8 kind,
		   const struct nfdbus_rule_ref *ref)
{
	const char *v = nfdbus_rule_value(rule, ref);
	unsigned int i, j;

	/* arg0, arg0path and arg0namespace all claim argument 0: one only */
	for (i = 0; i < rule->nargs && rule->args[i].index <= index; i++)
		if (rule->args[i].index == index)
			return -EINVAL;
	if (kind == NFDBUS_ARG_NAMESPACE && !rule_valid_name(v, ref->len, true))
		return -EINVAL;
	for (j = rule->nargs; j > i; j--)
		rule->args[j] = rule->args[j - 1];
	rule->args[i].index = index;
	rule->args[i].kind = kind;
	rule->args[i].value = *ref;
	rule->nargs++;
	return 0;
}

/* Decode the value at text[*pos] up to an unquoted, unescaped comma or the
 * end, into rule->text. Inside apostrophes every byte is literal. Outside,
 * as in dbus-daemon, a backslash escapes the next byte: \' is an
 * apostrophe, any other pair is kept whole (so "\," does not end the value
 * and "\\" is two backslashes), and a backslash at the end is kept.
 * Returns 0 and the reference, or -EINVAL for an unterminated quote.
 */
static int decode_value(const char *text, size_t len, size_t *pos,
			struct nfdbus_rule *rule, struct nfdbus_rule_ref *ref)
{
	size_t i = *pos, out = rule->text_len;
	bool quoted = false;

	ref->off = out;
	for (; i < len; i++) {
		char c = text[i];

		if (quoted) {
			if (c == '\'')
				quoted = false;
			else
				rule->text[out++] = c;
		} else if (c == '\'') {
			quoted = true;
		} else if (c == ',') {
			break;
		} else if (c == '\\' && i + 1 < len) {
			if (text[++i] != '\'')
				rule->text[out++] = '\\';
			rule->text[out++] = text[i];
		} else {
			rule->text[out++] = c;
		}
	}
	if (quoted)
		return -EINVAL;
	/* every decoded byte comes from at least one input byte, and the
	 * NUL from the key's '='
	 */
	rule->text[out] = '\0';
	ref->len = out - ref->off;
	rule->text_len = out + 1;
	*pos = i;
	return 0;
}

/**
 * nfdbus_rule_parse() - parse a match rule from its text
 * @text: the rule, as given to AddMatch; need not be NUL-terminated
 * @len:  its length, at most 1024 bytes
 * @rule: filled in; owns copies of the decoded values
 *
 * Accepts the keys type, sender, interface, member, path, path_namespace,
 * destination, eavesdrop, arg0 to arg63, arg0path to arg63path and
 * arg0namespace, each at most once (eavesdrop excepted, as in dbus-daemon),
 * and checks each value's grammar. White space (space, tab, CR, LF) may
 * come before a key and on either side of its '='. An empty rule matches
 * every message. As in dbus-daemon, an empty key ends the rule ("='x'" is
 * the empty rule, "type='signal',='x',bogus" is type='signal'), and only
 * the first NFDBUS_MAX_RULE_TOKENS key=value pairs are read: the rest of
 * the text is ignored.
 *
 * Return: 0, -EMSGSIZE if @len exceeds 1024, -EINVAL if the rule is
 * malformed or has an unknown key or a bad value.
 */
int nfdbus_rule_parse(const char *text, size_t len, struct nfdbus_rule *rule)
{
	unsigned int tokens;
	size_t pos = 0;

	memset(rule, 0, offsetof(struct nfdbus_rule, text));
	rule->text[0] = '\0';
	if (len > NFDBUS_MAX_RULE_LEN)
		return -EMSGSIZE;
	if (memchr(text, 0, len))
		return -EINVAL;

	for (tokens = 0; tokens < NFDBUS_MAX_RULE_TOKENS && pos < len; tokens++) {
		struct nfdbus_rule_ref ref;
		size_t key, key_len, i;
		u16 bit = 0;
		int err, n;
		u8 kind;

		while (pos < len && is_space(text[pos]))
			pos++;
		key = pos;
		while (pos < len && text[pos] != '=' && !is_space(text[pos]))
			pos++;
		key_len = pos - key;
		while (pos < len && is_space(text[pos]))
			pos++;
		/* dbus-daemon stops at an empty key and ignores the rest */
		if (!key_len)
			break;
		if (pos == len || text[pos] != '=')
			return -EINVAL;
		pos++;
		err = decode_value(text, len, &pos, rule, &ref);
		if (err)
			return err;

		for (i = 0; i < ARRAY_SIZE(nfdbus_rule_keys); i++)
			if (str_is(text + key, key_len, nfdbus_rule_keys[i].name))
				bit = nfdbus_rule_keys[i].key;
		if (bit) {
			err = set_key(rule, bit, &ref);
		} else {
			n = parse_arg_key(text + key, key_len, &kind);
			err = n < 0 ? n : add_arg(rule, n, kind, &ref);
		}
		if (err)
			return err;
		/* skip the comma; dbus-daemon accepts a trailing one */
		if (pos < len)
			pos++;
	}
	return 0;
}

static bool ref_equal(const struct nfdbus_rule *a,
		      const struct nfdbus_rule_ref *ra,
		      const struct nfdbus_rule *b,
		      const struct nfdbus_rule_ref *rb)
{
	return ra->len == rb->len &&
	       !memcmp(nfdbus_rule_value(a, ra), nfdbus_rule_value(b, rb),
		       ra->len);
}

/**
 * nfdbus_rule_equal() - do two parsed rules say the same?
 * @a: a rule
 * @b: another
 *
 * Rules are equal when they have the same keys with the same values,
 * whatever the order and quoting of their texts (dbus-daemon's
 * RemoveMatch compares rules the same way).
 *
 * Return: true if they are equal.
 */
bool nfdbus_rule_equal(const struct nfdbus_rule *a, const struct nfdbus_rule *b)
{
	static const size_t refs[] = {
		offsetof(struct nfdbus_rule, sender),
		offsetof(struct nfdbus_rule, interface),
		offsetof(struct nfdbus_rule, member),
		offsetof(struct nfdbus_rule, path),
		offsetof(struct nfdbus_rule, destination),
	};
	static const u16 ref_keys[] = {
		NFDBUS_RULE_SENDER, NFDBUS_RULE_INTERFACE, NFDBUS_RULE_MEMBER,
		NFDBUS_RULE_PATH | NFDBUS_RULE_PATH_NAMESPACE,
		NFDBUS_RULE_DESTINATION,
	};
	unsigned int i;

	if (a->keys != b->keys || a->eavesdrop != b->eavesdrop ||
	    a->nargs != b->nargs)
		return false;
	if ((a->keys & NFDBUS_RULE_TYPE) && a->type != b->type)
		return false;
	for (i = 0; i < ARRAY_SIZE(refs); i++) {
		const struct nfdbus_rule_ref *ra =
			(const void *)((const char *)a + refs[i]);
		const struct nfdbus_rule_ref *rb =
			(const void *)((const char *)b + refs[i]);

		if ((a->keys & ref_keys[i]) && !ref_equal(a, ra, b, rb))
			return false;
	}
	for (i = 0; i < a->nargs; i++) {
		if (a->args[i].index != b->args[i].index ||
		    a->args[i].kind != b->args[i].kind ||
		    !ref_equal(a, &a->args[i].value, b, &b->args[i].value))
			return false;
	}
	return true;
}
