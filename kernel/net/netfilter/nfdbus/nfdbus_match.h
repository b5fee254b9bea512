/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nfdbus: match a parsed D-Bus message against a parsed match rule.
 */
#ifndef _NFDBUS_MATCH_H
#define _NFDBUS_MATCH_H

#include <linux/types.h>

#include "nfdbus_parse.h"
#include "nfdbus_rule.h"

/**
 * struct nfdbus_match_env - what the matcher needs beyond message and rule
 * @owns:      does the connection with unique name @unique own the bus
 *             name @name now? NULL: only equal names match.
 * @priv:      passed to @owns
 * @eavesdrop: the copy being judged goes to a connection that is not the
 *             message's destination; only eavesdrop='true' rules match it
 */
struct nfdbus_match_env {
	bool (*owns)(void *priv, const char *name, size_t name_len,
		     const char *unique, size_t unique_len);
	void *priv;
	bool eavesdrop;
};

bool nfdbus_arg_path_match(const char *rule, size_t rule_len,
			   const char *arg, size_t arg_len);
bool nfdbus_match(const struct nfdbus_rule *rule, const struct nfdbus_msg *msg,
		  const struct nfdbus_match_env *env);

#endif /* _NFDBUS_MATCH_H */
