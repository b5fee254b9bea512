/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the AF_BUS selftests, the stress test and the benchmark:
 * addresses, a bus master with its listening socket, peers connected (and
 * optionally joined) to it, and sends and receives that name addresses.
 *
 * Every helper that can fail returns 0 (or a count) on success and -errno on
 * failure, so a failed ASSERT prints the errno.
 */
#ifndef AF_BUS_UTIL_H
#define AF_BUS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <linux/bus.h>

/* The prefix the tests hand out with BUS_ADD_ADDR for multicast groups. */
#define TEST_PREFIX		5

/* uid/gid the privilege tests drop to (nobody/nogroup). */
#define NOBODY			65534
#define NOGROUP			65534

/* How long a test waits for something that must happen soon. */
#define BUS_WAIT_MS		5000

struct bus_master {
	int listen_fd;
	int proto;		/* BUS_PROTO_*, which peers connect with */
	struct sockaddr_bus sa;	/* the bus path, for connect() */
	socklen_t salen;
	char fs_dir[64];	/* temporary directory of a filesystem bus */
};

struct bus_peer {
	int fd;		/* the peer's own socket */
	int ctl;	/* the master's accepted socket for it */
	uint64_t addr;	/* its prefix-0 address */
};

/* socket(AF_BUS, SOCK_SEQPACKET, proto); -errno on failure. */
int bus_socket(int proto);

/* false when the running kernel has no AF_BUS (EAFNOSUPPORT). */
bool bus_supported(void);

/*
 * Fill @sa with the bus path: abstract (leading NUL) when @abstract, a
 * filesystem path otherwise. Returns the address length for bind/connect.
 */
socklen_t bus_path_addr(struct sockaddr_bus *sa, const char *path,
			bool abstract);

/*
 * Create a bus: socket, bind, listen. @fs: bind to a fresh filesystem path
 * under /tmp, otherwise to a unique abstract name. @maxqlen and @sendbuf
 * are set on the listener when > 0.
 */
int bus_master_open(struct bus_master *m, bool fs, int maxqlen, int sendbuf);
/* The same, for a bus of protocol @proto (BUS_PROTO_*). */
int bus_master_open_proto(struct bus_master *m, int proto, bool fs,
			  int maxqlen, int sendbuf);
void bus_master_close(struct bus_master *m);

/* connect() a new peer and accept() it; join it too when @join. */
int bus_peer_connect(struct bus_master *m, struct bus_peer *p, bool join);
void bus_peer_close(struct bus_peer *p);

/* Options on the master's accepted socket for a peer. */
int bus_join(int ctl);
int bus_add_addr(int ctl, uint64_t addr);
int bus_del_addr(int ctl, uint64_t addr);
int bus_get_int(int fd, int opt, int *val);

/* The socket's own prefix-0 address, from getsockname(). */
int bus_sock_addr(int fd, uint64_t *addr);

/* Fill a sockaddr_bus that names @addr, as sendto() wants it. */
socklen_t bus_dest(struct sockaddr_bus *sa, uint64_t addr);

/* sendto() @addr; returns the bytes sent or -errno. */
ssize_t bus_send(int fd, uint64_t addr, const void *buf, size_t len,
		 int flags);

/*
 * recvmsg() one message; @src (if not NULL) gets the sender from msg_name.
 * Returns the bytes received or -errno.
 */
ssize_t bus_recv(int fd, uint64_t *src, void *buf, size_t len, int flags);

/* poll() one fd for @events; returns revents, 0 on timeout, -errno. */
int bus_poll(int fd, short events, int timeout_ms);

/* Send, and receive without blocking, with one fd as SCM_RIGHTS. */
ssize_t bus_send_fd(int fd, uint64_t addr, const void *buf, size_t len,
		    int passfd);
ssize_t bus_recv_fd(int fd, void *buf, size_t len, int *passfd);

/* Fill @fd's receive queue with unicasts from @from; returns the count. */
int bus_fill(int from, uint64_t to);

/*
 * Receive without blocking: one message of @len bytes from @src, then
 * nothing (@len < 0: nothing at all). Returns 0, or -1 after printing what
 * came instead.
 */
int bus_expect_one(int fd, uint64_t src, ssize_t len);

/* Drain a socket without blocking; returns the number of messages. */
int bus_drain(int fd);

/* Drop to nobody/nogroup, with no capabilities left. */
int drop_privileges(void);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t now_ns(void);

#endif /* AF_BUS_UTIL_H */
