// SPDX-License-Identifier: LGPL-2.1-or-later
#include "nfdbus_rule_host.h"

#include <stdlib.h>

#include "nfdbus_rule.h"

static const char *value_of(const struct nfdbus_rule *r, unsigned int key,
			    const struct nfdbus_rule_ref *ref)
{
	return (r->keys & key) ? nfdbus_rule_value(r, ref) : NULL;
}

void nfdbus_host_rule_parse(const char *text, size_t len,
			    struct nfdbus_host_rule *out)
{
	struct nfdbus_rule *r = malloc(sizeof(*r));
	unsigned int i;

	*out = (struct nfdbus_host_rule){ .priv = r };
	if (!r) {
		out->err = -ENOMEM;
		return;
	}
	out->err = nfdbus_rule_parse(text, len, r);
	if (out->err)
		return;
	out->type = (r->keys & NFDBUS_RULE_TYPE) ? r->type : 0;
	out->eavesdrop = r->eavesdrop;
	out->sender = value_of(r, NFDBUS_RULE_SENDER, &r->sender);
	out->interface = value_of(r, NFDBUS_RULE_INTERFACE, &r->interface);
	out->member = value_of(r, NFDBUS_RULE_MEMBER, &r->member);
	out->path = value_of(r, NFDBUS_RULE_PATH, &r->path);
	out->path_namespace = value_of(r, NFDBUS_RULE_PATH_NAMESPACE, &r->path);
	out->destination = value_of(r, NFDBUS_RULE_DESTINATION, &r->destination);
	out->nargs = r->nargs;
	for (i = 0; i < r->nargs; i++) {
		out->args[i].index = r->args[i].index;
		out->args[i].kind = r->args[i].kind == NFDBUS_ARG_PATH ?
			NFDBUS_HOST_ARG_PATH :
			r->args[i].kind == NFDBUS_ARG_NAMESPACE ?
			NFDBUS_HOST_ARG_NAMESPACE : NFDBUS_HOST_ARG_STRING;
		out->args[i].value = nfdbus_rule_value(r, &r->args[i].value);
	}
}

void nfdbus_host_rule_free(struct nfdbus_host_rule *rule)
{
	free(rule->priv);
	rule->priv = NULL;
}
