// SPDX-License-Identifier: GPL-2.0
/*
 * nfdbus: D-Bus message filtering for AF_BUS.
 *
 * This file holds the module boilerplate. The message parser
 * (nfdbus_parse.c), the match-rule parser (nfdbus_rule.c) and the matcher
 * (nfdbus_match.c) are pure functions over caller-provided memory; the
 * hook and its generic netlink configuration build on them.
 */

#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("D-Bus message filtering for AF_BUS sockets");
