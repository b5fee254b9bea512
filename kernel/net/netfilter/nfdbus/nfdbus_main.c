// SPDX-License-Identifier: GPL-2.0
/*
 * nfdbus: D-Bus message filtering for AF_BUS.
 *
 * The message parser (nfdbus_parse.c), the match-rule parser
 * (nfdbus_rule.c), the matcher (nfdbus_match.c, nfdbus_index.c) are pure
 * functions over caller-provided memory; nfdbus_state.c keeps what the bus
 * master configured, nfdbus_verdict.c decides for one message copy,
 * nfdbus_hook.c runs at NF_BUS_SENDING and nfdbus_netlink.c is the
 * generic netlink family "nfdbus". This file starts and stops them.
 *
 * AF_BUS asks for "net-pf-46-proto-1" when a BUS_PROTO_DBUS socket is
 * created, so the module loads before the first D-Bus bus is bound.
 */

#include <linux/module.h>
#include <linux/net.h>
#include <net/genetlink.h>
#include <uapi/linux/bus.h>
#include <uapi/linux/netfilter/nfdbus.h>

#include "nfdbus_main.h"

static int __init nfdbus_init(void)
{
	int err;

	err = nfdbus_hook_init();
	if (err)
		return err;
	err = nfdbus_netlink_init();
	if (err)
		goto err_hook;
	return 0;

err_hook:
	nfdbus_hook_exit();
	return err;
}

static void __exit nfdbus_exit(void)
{
	nfdbus_netlink_exit();
	nfdbus_hook_exit();
}

module_init(nfdbus_init);
module_exit(nfdbus_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("D-Bus message filtering for AF_BUS sockets");
MODULE_ALIAS_NET_PF_PROTO(PF_BUS, BUS_PROTO_DBUS);
MODULE_ALIAS_GENL_FAMILY(NFDBUS_GENL_NAME);
