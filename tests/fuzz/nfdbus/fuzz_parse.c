// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: kernel/net/netfilter/nfdbus/nfdbus_parse.c, compiled
 * unchanged, on arbitrary bytes. libFuzzer hands over a heap buffer of
 * exactly @size bytes, so ASan catches any read past the end; on success
 * every extracted string must lie inside the message and end in a NUL.
 */
#include <stdlib.h>
#include "nfdbus_parse.h"

static void check_str(const struct nfdbus_msg *msg, const struct nfdbus_str *s)
{
	const char *base = (const char *)msg->buf;

	if (!s->s || !s->len)
		return;
	if (s->s < base || s->s + s->len >= base + msg->total_len || s->s[s->len])
		abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct nfdbus_msg msg;
	struct nfdbus_str arg;
	size_t len;
	unsigned int i;
	char type;

	if (nfdbus_parse_message(data, size, &msg))
		return 0;
	if (nfdbus_message_length(data, size, &len) || len != msg.total_len ||
	    len > size || !msg.serial)
		abort();
	check_str(&msg, &msg.path);
	check_str(&msg, &msg.interface);
	check_str(&msg, &msg.member);
	check_str(&msg, &msg.error_name);
	check_str(&msg, &msg.destination);
	check_str(&msg, &msg.sender);
	for (i = 0; i < NFDBUS_MAX_MATCH_ARGS; i++)
		if (nfdbus_msg_arg(&msg, i, &arg, &type))
			check_str(&msg, &arg);
	return 0;
}
