/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * AF_BUS: reliable, totally ordered datagram buses with multicast, for
 * D-Bus-style IPC. See Documentation/networking/af_bus.rst.
 *
 * A bus is created by its master: socket(AF_BUS, SOCK_SEQPACKET, proto),
 * bind() to a path, listen(). Peers connect() to the path; every connection
 * gets a unique prefix-0 address at once. The master accept()s, and the
 * accepted socket is its control handle for that peer (the options below).
 */
#ifndef _UAPI_LINUX_BUS_H
#define _UAPI_LINUX_BUS_H

#include <linux/socket.h>
#include <linux/types.h>

/* Not in libc headers: the family and option level numbers. */
#ifndef AF_BUS
#define AF_BUS		46
#define PF_BUS		AF_BUS
#endif
#ifndef SOL_BUS
#define SOL_BUS		288
#endif

/* Protocols (third argument of socket()). Master and peers must agree. */
#define BUS_PROTO_NONE	0	/* raw messages */
#define BUS_PROTO_DBUS	1	/* D-Bus messages, filtered by nfdbus */
#define BUS_PROTO_MAX	1

/* Length of sockaddr_bus.sbus_path, as sockaddr_un.sun_path. */
#define BUS_PATH_MAX	108

/* The largest message a bus carries: BUS_SET_SENDBUF's upper bound, so a
 * receive buffer of this size never truncates.
 */
#define BUS_MAX_MSGSIZE	(512 * 1024)

/**
 * struct bus_addr - an address on a bus
 * @s_addr: the top BUS_PREFIX_BITS bits are the prefix, the low
 *	BUS_CLIENT_BITS bits the client part
 *
 * Prefix 0 belongs to the kernel: the master is address 0, and each
 * connection gets the next prefix-0 address, never reused while the bus
 * lives. The master hands out addresses of other prefixes with
 * BUS_ADD_ADDR. A client part of all ones is the multicast address of its
 * prefix: it reaches every joined peer holding an address of that prefix.
 */
struct bus_addr {
	__u64 s_addr;
};

#define BUS_PREFIX_BITS		16
#define BUS_CLIENT_BITS		48
#define BUS_CLIENT_MASK		((__u64)0x0000ffffffffffffULL)
#define BUS_PREFIX_MASK		((__u64)0xffff000000000000ULL)
#define BUS_MASTER_ADDR		((__u64)0)

/* Building and taking apart addresses. */
#define BUS_ADDR(prefix, client) \
	((((__u64)(prefix)) << BUS_CLIENT_BITS) | ((__u64)(client) & BUS_CLIENT_MASK))
#define BUS_ADDR_PREFIX(addr)	((__u16)((__u64)(addr) >> BUS_CLIENT_BITS))
#define BUS_ADDR_CLIENT(addr)	((__u64)(addr) & BUS_CLIENT_MASK)
#define BUS_MULTICAST(prefix)	BUS_ADDR(prefix, BUS_CLIENT_MASK)
#define BUS_ADDR_IS_MULTICAST(addr) \
	(BUS_ADDR_CLIENT(addr) == BUS_CLIENT_MASK)

/**
 * struct sockaddr_bus - AF_BUS socket address
 * @sbus_family: AF_BUS
 * @__sbus_pad: zero
 * @sbus_addr: the address on the bus: the destination of sendto(), the
 *	true sender on recvmsg(), the socket's own prefix-0 address from
 *	getsockname(); ignored by bind() and connect()
 * @sbus_path: the bus, as sockaddr_un.sun_path: a file system path, or
 *	abstract if it starts with a NUL byte
 * @__sbus_tail: zero; the structure is 128 bytes, the size of
 *	struct sockaddr_storage
 *
 * As with AF_UNIX, the address length passed to bind() and connect() is
 * offsetof(struct sockaddr_bus, sbus_path) plus the used length of the path;
 * sendto() needs at least offsetof(struct sockaddr_bus, sbus_path). Padding
 * must be zero (EINVAL otherwise), so it can be given a meaning later.
 */
struct sockaddr_bus {
	__kernel_sa_family_t	sbus_family;
	__u8			__sbus_pad[6];
	struct bus_addr		sbus_addr;
	char			sbus_path[BUS_PATH_MAX];
	__u8			__sbus_tail[4];
};

/*
 * Socket options, level SOL_BUS.
 *
 * setsockopt() on a socket the master accepted (changes that peer; EPERM on
 * any other socket):
 *   BUS_ADD_ADDR	struct bus_addr: give the peer another address
 *			(EADDRINUSE if another peer holds it, EINVAL for
 *			prefix 0 or a multicast address)
 *   BUS_DEL_ADDR	struct bus_addr: take it away (EADDRNOTAVAIL if the
 *			peer does not hold it)
 *   BUS_JOIN_BUS	no value: let the peer talk to other peers (EALREADY
 *			if it already may)
 *   BUS_SET_EAVESDROP	no value: the peer also receives a copy of all
 *   BUS_UNSET_EAVESDROP	traffic on the bus; needs CAP_NET_ADMIN over the
 *			bus's network namespace or the credentials of the
 *			master
 * setsockopt() on the master's listening socket (applies to peers that
 * connect later):
 *   BUS_SET_SENDBUF	int: largest message a peer may send (EMSGSIZE above)
 *   BUS_SET_MAXQLEN	int: receive queue limit in messages (default
 *			BUS_DEFAULT_MAXQLEN)
 *
 * getsockopt(), on a peer's own socket or the master's accepted socket for it:
 *   BUS_GET_ADDRS	struct bus_addr[]: the addresses the peer holds, its
 *			prefix-0 address first; optlen says how many fit, and
 *			is set to the size needed (ERANGE if too small)
 *   BUS_GET_JOINED	int: 1 once joined
 *   BUS_GET_EAVESDROP	int: 1 while eavesdropping
 *   BUS_GET_QLEN	int: messages in the receive queue
 *   BUS_GET_MAXQLEN	int: the receive queue limit
 *   BUS_GET_SENDBUF	int: the largest message the peer may send
 * On the listening socket, BUS_GET_MAXQLEN and BUS_GET_SENDBUF give the
 * values for peers that connect later.
 */
#define BUS_ADD_ADDR		1
#define BUS_JOIN_BUS		2
#define BUS_DEL_ADDR		3
#define BUS_SET_EAVESDROP	4
#define BUS_UNSET_EAVESDROP	5
#define BUS_SET_SENDBUF		6
#define BUS_SET_MAXQLEN		7
#define BUS_GET_ADDRS		8
#define BUS_GET_JOINED		9
#define BUS_GET_EAVESDROP	10
#define BUS_GET_QLEN		11
#define BUS_GET_MAXQLEN		12
#define BUS_GET_SENDBUF		13

#define BUS_DEFAULT_MAXQLEN	64

#endif /* _UAPI_LINUX_BUS_H */
