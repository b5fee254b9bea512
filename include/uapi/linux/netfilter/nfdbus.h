/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * nfdbus: D-Bus message filtering for AF_BUS, configured over the generic
 * netlink family "nfdbus".
 *
 * Every request names a bus by NFDBUS_ATTR_BUS_PATH, the path its master
 * bound (the bytes of sbus_path up to its length; an abstract path starts
 * with a NUL byte), looked up in the network namespace of the requesting
 * socket. Commands that act on one connection of the bus name it by
 * NFDBUS_ATTR_ADDR, its prefix-0 AF_BUS address.
 *
 * Only the bus master (the effective uid that bound the bus) or a caller
 * with CAP_NET_ADMIN over the bus's network namespace may use a bus, for
 * any command including NFDBUS_CMD_GET_STATS; anyone else gets -EPERM.
 * Errors are negative errno values with an extended ack message saying
 * which attribute was wrong (-ERANGE where the netlink core finds a value
 * or a length out of range). Documentation/netfilter/nfdbus.rst lists the
 * errors of every command.
 */
#ifndef _UAPI_LINUX_NETFILTER_NFDBUS_H
#define _UAPI_LINUX_NETFILTER_NFDBUS_H

#include <linux/types.h>

#define NFDBUS_GENL_NAME	"nfdbus"
#define NFDBUS_GENL_VERSION	1

/* Longest match rule text, as in the reference D-Bus implementation */
#define NFDBUS_RULE_MAX		1024
/* Longest bus name */
#define NFDBUS_NAME_MAX		255

/**
 * enum nfdbus_cmd - generic netlink commands of the "nfdbus" family
 * @NFDBUS_CMD_UNSPEC: not a command
 * @NFDBUS_CMD_ADD_MATCH: install the match rule NFDBUS_ATTR_RULE for the
 *	connection NFDBUS_ATTR_ADDR (AddMatch). Rules are counted: adding
 *	the same text twice needs two removals.
 * @NFDBUS_CMD_REMOVE_MATCH: remove one instance of NFDBUS_ATTR_RULE from
 *	NFDBUS_ATTR_ADDR (RemoveMatch); -ENOENT if it has none.
 * @NFDBUS_CMD_REMOVE_ALL: remove every rule and name of NFDBUS_ATTR_ADDR,
 *	as when the connection goes away.
 * @NFDBUS_CMD_SET_NAMES: replace the names NFDBUS_ATTR_ADDR owns with the
 *	NFDBUS_ATTR_NAME attributes nested in NFDBUS_ATTR_NAMES.
 * @NFDBUS_CMD_ADD_NAME: NFDBUS_ATTR_ADDR now owns NFDBUS_ATTR_NAME.
 * @NFDBUS_CMD_DEL_NAME: NFDBUS_ATTR_ADDR no longer owns NFDBUS_ATTR_NAME.
 * @NFDBUS_CMD_ADD_POLICY: append the rule nested in NFDBUS_ATTR_POLICY
 *	(enum nfdbus_policy_attr) to the bus's policy. The last rule that
 *	applies to a message decides; with none, the message is allowed.
 * @NFDBUS_CMD_FLUSH_POLICY: remove every policy rule of the bus.
 * @NFDBUS_CMD_SET_STRICT: NFDBUS_ATTR_STRICT nonzero: drop messages whose
 *	SENDER field is not a name the sending connection owns.
 * @NFDBUS_CMD_GET_STATS: reply with NFDBUS_ATTR_STATS (enum
 *	nfdbus_stats_attr) for the bus.
 * @__NFDBUS_CMD_MAX: number of commands
 */
enum nfdbus_cmd {
	NFDBUS_CMD_UNSPEC,
	NFDBUS_CMD_ADD_MATCH,
	NFDBUS_CMD_REMOVE_MATCH,
	NFDBUS_CMD_REMOVE_ALL,
	NFDBUS_CMD_SET_NAMES,
	NFDBUS_CMD_ADD_NAME,
	NFDBUS_CMD_DEL_NAME,
	NFDBUS_CMD_ADD_POLICY,
	NFDBUS_CMD_FLUSH_POLICY,
	NFDBUS_CMD_SET_STRICT,
	NFDBUS_CMD_GET_STATS,
	__NFDBUS_CMD_MAX,
};

#define NFDBUS_CMD_MAX (__NFDBUS_CMD_MAX - 1)

/**
 * enum nfdbus_attr - top-level attributes
 * @NFDBUS_ATTR_UNSPEC: unused
 * @NFDBUS_ATTR_BUS_PATH: binary, 1 to 108 bytes: the bus's bound path
 * @NFDBUS_ATTR_ADDR: u64: a connection's prefix-0 AF_BUS address
 * @NFDBUS_ATTR_RULE: NUL-terminated string of at most NFDBUS_RULE_MAX
 *	bytes before the NUL: a D-Bus match rule
 * @NFDBUS_ATTR_NAME: NUL-terminated string of at most NFDBUS_NAME_MAX
 *	bytes before the NUL: a well-known D-Bus bus name (unique names
 *	":1.N" are owned by address N implicitly)
 * @NFDBUS_ATTR_NAMES: nested: any number of NFDBUS_ATTR_NAME
 * @NFDBUS_ATTR_POLICY: nested: enum nfdbus_policy_attr
 * @NFDBUS_ATTR_STRICT: u8: 0 off, 1 on
 * @NFDBUS_ATTR_STATS: nested: enum nfdbus_stats_attr
 * @NFDBUS_ATTR_PAD: padding that keeps u64 attributes 8-byte aligned
 * @__NFDBUS_ATTR_MAX: number of attributes
 */
enum nfdbus_attr {
	NFDBUS_ATTR_UNSPEC,
	NFDBUS_ATTR_BUS_PATH,
	NFDBUS_ATTR_ADDR,
	NFDBUS_ATTR_RULE,
	NFDBUS_ATTR_NAME,
	NFDBUS_ATTR_NAMES,
	NFDBUS_ATTR_POLICY,
	NFDBUS_ATTR_STRICT,
	NFDBUS_ATTR_STATS,
	NFDBUS_ATTR_PAD,
	__NFDBUS_ATTR_MAX,
};

#define NFDBUS_ATTR_MAX (__NFDBUS_ATTR_MAX - 1)

/**
 * enum nfdbus_policy_action - what a policy rule does with what it applies to
 * @NFDBUS_POLICY_ALLOW: deliver
 * @NFDBUS_POLICY_DENY: drop, counted in NFDBUS_STATS_DROPPED_POLICY
 */
enum nfdbus_policy_action {
	NFDBUS_POLICY_ALLOW,
	NFDBUS_POLICY_DENY,
};

/**
 * enum nfdbus_policy_attr - one policy rule; an absent condition holds for
 *	every message
 * @NFDBUS_POLICY_ATTR_UNSPEC: unused
 * @NFDBUS_POLICY_ATTR_ACTION: u8, enum nfdbus_policy_action (required)
 * @NFDBUS_POLICY_ATTR_UID: u32: the sending connection's uid
 * @NFDBUS_POLICY_ATTR_DESTINATION: string: a bus name the recipient owns
 * @NFDBUS_POLICY_ATTR_INTERFACE: string: the INTERFACE field
 * @NFDBUS_POLICY_ATTR_MEMBER: string: the MEMBER field
 * @NFDBUS_POLICY_ATTR_TYPE: u8: the message type (1 method call,
 *	2 method return, 3 error, 4 signal)
 * @__NFDBUS_POLICY_ATTR_MAX: number of attributes
 */
enum nfdbus_policy_attr {
	NFDBUS_POLICY_ATTR_UNSPEC,
	NFDBUS_POLICY_ATTR_ACTION,
	NFDBUS_POLICY_ATTR_UID,
	NFDBUS_POLICY_ATTR_DESTINATION,
	NFDBUS_POLICY_ATTR_INTERFACE,
	NFDBUS_POLICY_ATTR_MEMBER,
	NFDBUS_POLICY_ATTR_TYPE,
	__NFDBUS_POLICY_ATTR_MAX,
};

#define NFDBUS_POLICY_ATTR_MAX (__NFDBUS_POLICY_ATTR_MAX - 1)

/**
 * enum nfdbus_stats_attr - counters of one bus, each a u64 (aligned with
 *	NFDBUS_STATS_PAD), counting message copies judged at the hook
 * @NFDBUS_STATS_UNSPEC: unused
 * @NFDBUS_STATS_PARSED: copies whose message parsed
 * @NFDBUS_STATS_ACCEPTED: copies delivered
 * @NFDBUS_STATS_DROPPED_MALFORMED: dropped: not a valid D-Bus message
 * @NFDBUS_STATS_DROPPED_NO_MATCH: dropped: multicast no rule of the
 *	recipient matched, and it does not own the destination
 * @NFDBUS_STATS_DROPPED_POLICY: dropped by a policy rule
 * @NFDBUS_STATS_DROPPED_SPOOFED: dropped in strict mode: SENDER not owned
 *	by the sending connection
 * @NFDBUS_STATS_PAD: padding
 * @NFDBUS_STATS_MESSAGES: messages the hook parsed, valid or not, each
 *	counted once however many of its copies are judged (a multicast to
 *	N recipients: N copies, 1 message)
 * @__NFDBUS_STATS_MAX: number of attributes
 */
enum nfdbus_stats_attr {
	NFDBUS_STATS_UNSPEC,
	NFDBUS_STATS_PARSED,
	NFDBUS_STATS_ACCEPTED,
	NFDBUS_STATS_DROPPED_MALFORMED,
	NFDBUS_STATS_DROPPED_NO_MATCH,
	NFDBUS_STATS_DROPPED_POLICY,
	NFDBUS_STATS_DROPPED_SPOOFED,
	NFDBUS_STATS_PAD,
	NFDBUS_STATS_MESSAGES,
	__NFDBUS_STATS_MAX,
};

#define NFDBUS_STATS_MAX (__NFDBUS_STATS_MAX - 1)

#endif /* _UAPI_LINUX_NETFILTER_NFDBUS_H */
