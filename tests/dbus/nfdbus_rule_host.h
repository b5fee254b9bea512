/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's match-rule parser (kernel/net/netfilter/nfdbus/nfdbus_rule.c,
 * compiled unchanged for the host against tests/fuzz/nfdbus/shim), with its
 * result as plain C data, so that a C++ test can compare it with
 * libafbus-dbus and with dbus-daemon.
 */
#ifndef TESTS_DBUS_NFDBUS_RULE_HOST_H
#define TESTS_DBUS_NFDBUS_RULE_HOST_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum nfdbus_host_arg_kind {
	NFDBUS_HOST_ARG_STRING,		/* argN */
	NFDBUS_HOST_ARG_PATH,		/* argNpath */
	NFDBUS_HOST_ARG_NAMESPACE,	/* arg0namespace */
};

struct nfdbus_host_arg {
	unsigned int index;
	unsigned int kind;		/* enum nfdbus_host_arg_kind */
	const char *value;
};

/* A parsed rule; the strings are NULL for keys the rule does not have. */
struct nfdbus_host_rule {
	int err;			/* nfdbus_rule_parse()'s return value */
	unsigned int type;		/* 0 (any), or the D-Bus type code 1..4 */
	int eavesdrop;
	const char *sender;
	const char *interface;
	const char *member;
	const char *path;
	const char *path_namespace;
	const char *destination;
	unsigned int nargs;
	struct nfdbus_host_arg args[64];
	void *priv;			/* the kernel's struct nfdbus_rule */
};

/* Parses @text (@len bytes) into @out; free with nfdbus_host_rule_free(). */
void nfdbus_host_rule_parse(const char *text, size_t len,
			    struct nfdbus_host_rule *out);
void nfdbus_host_rule_free(struct nfdbus_host_rule *rule);

#ifdef __cplusplus
}
#endif

#endif /* TESTS_DBUS_NFDBUS_RULE_HOST_H */
