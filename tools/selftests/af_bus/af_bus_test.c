// SPDX-License-Identifier: GPL-2.0
/*
 * AF_BUS: creation, paths, joining, routing, options and lifetime, as
 * Documentation/networking/af_bus.rst and include/uapi/linux/bus.h specify
 * them. Delivery guarantees (order, all-or-nothing, fd passing) are in
 * af_bus_delivery_test.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "af_bus_fixture.h"

/* Run @body in a child process; the test fails unless the child exits 0. */
#define IN_CHILD(body) do {						\
	pid_t __pid = fork();						\
	int __status;							\
	ASSERT_LE(0, __pid);						\
	if (__pid == 0) {						\
		body;							\
		_exit(0);						\
	}								\
	ASSERT_EQ(__pid, waitpid(__pid, &__status, 0));			\
	ASSERT_TRUE(WIFEXITED(__status));				\
	EXPECT_EQ(0, WEXITSTATUS(__status));				\
} while (0)

/* In a child: exit with line number @n unless @cond holds. */
#define CHILD_CHECK(cond) do { if (!(cond)) _exit(__LINE__ & 0x7f ?: 1); } while (0)

/* ------------------------------------------------------------------ */
/* Creation                                                           */
/* ------------------------------------------------------------------ */

TEST(create_only_seqpacket)
{
	int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_RDM };
	unsigned int i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		fd = socket(AF_BUS, types[i], BUS_PROTO_NONE);
		EXPECT_EQ(-1, fd);
		EXPECT_EQ(ESOCKTNOSUPPORT, errno);
		if (fd >= 0)
			close(fd);
	}
	fd = socket(AF_BUS, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    BUS_PROTO_NONE);
	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
	EXPECT_EQ(O_NONBLOCK, fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
}

TEST(create_bad_protocol)
{
	int protos[] = { BUS_PROTO_MAX + 1, 255, -1 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(protos); i++)
		EXPECT_EQ(-EPROTONOSUPPORT, bus_socket(protos[i]));
}

TEST(protocol_mismatch)
{
	struct bus_master m;
	int fd = bus_socket(BUS_PROTO_DBUS);

	if (fd < 0)
		SKIP(return, "no BUS_PROTO_DBUS sockets (%d)", fd);
	ASSERT_EQ(0, bus_master_open(&m, false, 0, 0));
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&m.sa, m.salen));
	EXPECT_EQ(EPROTOTYPE, errno);
	close(fd);
	bus_master_close(&m);
}

TEST(unconnected_socket)
{
	struct bus_master m;
	struct bus_peer p;
	char buf[4];
	int fd = bus_socket(BUS_PROTO_NONE);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, listen(fd, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-ENOTCONN, bus_send(fd, BUS_MASTER_ADDR, "x", 1, 0));
	EXPECT_EQ(-ENOTCONN, bus_recv(fd, NULL, buf, sizeof(buf),
				      MSG_DONTWAIT));

	/* The listener neither sends nor receives. */
	ASSERT_EQ(0, bus_master_open(&m, false, 0, 0));
	EXPECT_EQ(-ENOTCONN, bus_send(m.listen_fd, BUS_MASTER_ADDR, "x", 1, 0));

	/* One connection per socket; no out-of-band data. */
	ASSERT_EQ(0, bus_peer_connect(&m, &p, true));
	EXPECT_EQ(-1, connect(p.fd, (struct sockaddr *)&m.sa, m.salen));
	EXPECT_EQ(EISCONN, errno);
	EXPECT_EQ(-EOPNOTSUPP, bus_send(p.fd, BUS_MASTER_ADDR, "x", 1, MSG_OOB));
	bus_peer_close(&p);
	bus_master_close(&m);
	close(fd);
}

/* ------------------------------------------------------------------ */
/* Paths: bind, connect, accept on abstract and filesystem paths      */
/* ------------------------------------------------------------------ */

FIXTURE(paths) {
	struct bus_master m;
};

FIXTURE_VARIANT(paths) {
	bool fs;
};

FIXTURE_VARIANT_ADD(paths, abstract) { .fs = false };
FIXTURE_VARIANT_ADD(paths, filesystem) { .fs = true };

FIXTURE_SETUP(paths)
{
	self->m.listen_fd = -1;
	ASSERT_EQ(0, bus_master_open(&self->m, variant->fs, 0, 0));
}

FIXTURE_TEARDOWN(paths)
{
	bus_master_close(&self->m);
}

TEST_F(paths, connect_accept_addresses)
{
	struct bus_peer a, b;
	struct sockaddr_bus sa;
	socklen_t len;
	struct stat st;

	if (variant->fs) {
		ASSERT_EQ(0, stat(self->m.sa.sbus_path, &st));
		EXPECT_TRUE(S_ISSOCK(st.st_mode));
	}
	ASSERT_EQ(0, bus_peer_connect(&self->m, &a, false));
	ASSERT_EQ(0, bus_peer_connect(&self->m, &b, false));

	/* Prefix-0 addresses, given at once, unique, never the master's. */
	EXPECT_EQ(0, BUS_ADDR_PREFIX(a.addr));
	EXPECT_EQ(0, BUS_ADDR_PREFIX(b.addr));
	EXPECT_NE(BUS_MASTER_ADDR, a.addr);
	EXPECT_LT(a.addr, b.addr);
	EXPECT_FALSE(BUS_ADDR_IS_MULTICAST(b.addr));

	/* The peer's peer is the master; the master's accepted fd names it. */
	len = sizeof(sa);
	ASSERT_EQ(0, getpeername(a.fd, (struct sockaddr *)&sa, &len));
	EXPECT_EQ(AF_BUS, sa.sbus_family);
	EXPECT_EQ(BUS_MASTER_ADDR, sa.sbus_addr.s_addr);
	len = sizeof(sa);
	ASSERT_EQ(0, getpeername(a.ctl, (struct sockaddr *)&sa, &len));
	EXPECT_EQ(a.addr, sa.sbus_addr.s_addr);

	/* The listener is the master: address 0. */
	len = sizeof(sa);
	ASSERT_EQ(0, getsockname(self->m.listen_fd, (struct sockaddr *)&sa, &len));
	EXPECT_EQ(BUS_MASTER_ADDR, sa.sbus_addr.s_addr);

	bus_peer_close(&a);
	bus_peer_close(&b);
}

TEST_F(paths, double_bind)
{
	int fd = bus_socket(BUS_PROTO_NONE);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&self->m.sa, self->m.salen));
	EXPECT_EQ(EADDRINUSE, errno);
	close(fd);

	/* A socket binds once. */
	EXPECT_EQ(-1, bind(self->m.listen_fd, (struct sockaddr *)&self->m.sa,
			   self->m.salen));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(paths, connect_nothing_there)
{
	struct sockaddr_bus sa = self->m.sa;
	int fd = bus_socket(BUS_PROTO_NONE);

	ASSERT_LE(0, fd);
	if (variant->fs)
		sa.sbus_path[strlen(sa.sbus_path) - 1] = 'X';
	else
		sa.sbus_path[self->m.salen - offsetof(struct sockaddr_bus,
						      sbus_path) - 1] ^= 1;
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&sa, self->m.salen));
	EXPECT_EQ(variant->fs ? ENOENT : ECONNREFUSED, errno);
	close(fd);
}

TEST_F(paths, bad_sockaddr)
{
	struct sockaddr_bus sa = self->m.sa;
	int fd = bus_socket(BUS_PROTO_NONE);

	ASSERT_LE(0, fd);
	/* Nonzero padding: EINVAL, for bind and for connect. */
	sa.__sbus_pad[3] = 1;
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&sa, self->m.salen));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sa, self->m.salen));
	EXPECT_EQ(EINVAL, errno);
	sa = self->m.sa;
	sa.__sbus_tail[0] = 1;
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EINVAL, errno);

	/* Wrong family, and a length that holds no path. */
	sa = self->m.sa;
	sa.sbus_family = AF_UNIX;
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&sa, self->m.salen));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	sa = self->m.sa;
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&sa,
			      offsetof(struct sockaddr_bus, sbus_path) - 1));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

/* connect() to @m as nobody, in a child; returns 0 or -errno. */
static int connect_unprivileged(struct bus_master *m)
{
	int status, fd, err;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		err = drop_privileges();
		if (!err) {
			fd = bus_socket(BUS_PROTO_NONE);
			err = fd;
			if (fd >= 0)
				err = connect(fd, (struct sockaddr *)&m->sa,
					      m->salen) ? -errno : 0;
		}
		_exit(-err);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	return -WEXITSTATUS(status);
}

TEST_F(paths, connect_needs_write_permission)
{
	if (!variant->fs)
		SKIP(return, "abstract paths have no permissions");
	ASSERT_EQ(0, chmod(self->m.fs_dir, 0755));
	ASSERT_EQ(0, chmod(self->m.sa.sbus_path, 0644));
	EXPECT_EQ(-EACCES, connect_unprivileged(&self->m));
	ASSERT_EQ(0, chmod(self->m.sa.sbus_path, 0666));
	EXPECT_EQ(0, connect_unprivileged(&self->m));
}

/* ------------------------------------------------------------------ */
/* Joining and routing                                                */
/* ------------------------------------------------------------------ */

TEST_F(bus, unjoined_talks_only_to_master)
{
	struct bus_peer u;
	uint64_t from = ~0ULL;
	char buf[16];
	int val;

	ASSERT_EQ(0, bus_peer_connect(&self->m, &u, false));
	ASSERT_EQ(0, bus_get_int(u.fd, BUS_GET_JOINED, &val));
	EXPECT_EQ(0, val);
	ASSERT_EQ(0, bus_get_int(u.ctl, BUS_GET_JOINED, &val));
	EXPECT_EQ(0, val);

	EXPECT_EQ(-EHOSTUNREACH, bus_send(u.fd, self->p[0].addr, "x", 1, 0));
	EXPECT_EQ(-EHOSTUNREACH, bus_send(u.fd, BUS_MULTICAST(0), "x", 1, 0));
	EXPECT_EQ(-EHOSTUNREACH, bus_send(u.fd, BUS_ADDR(TEST_PREFIX, 1),
					  "x", 1, 0));
	EXPECT_EMPTY(self->p[0].fd);

	/* The master hears it on its accepted socket, with the true sender. */
	EXPECT_EQ(5, bus_send(u.fd, BUS_MASTER_ADDR, "hello", 5, 0));
	EXPECT_EQ(5, bus_recv(u.ctl, &from, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(u.addr, from);
	EXPECT_EQ(2, send(u.fd, "hi", 2, 0));
	EXPECT_ONE_FROM(u.ctl, u.addr, 2);
	/* and answers on it, or reaches it from another handle. */
	EXPECT_EQ(2, send(u.ctl, "ok", 2, 0));
	EXPECT_EQ(2, bus_recv(u.fd, &from, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(BUS_MASTER_ADDR, from);
	EXPECT_EQ(2, bus_send(self->p[0].ctl, u.addr, "ok", 2, 0));
	EXPECT_ONE_FROM(u.fd, BUS_MASTER_ADDR, 2);
	EXPECT_EQ(-EHOSTUNREACH, bus_send(self->p[0].ctl,
					  BUS_ADDR(TEST_PREFIX, 99), "x", 1, 0));

	/* Once joined, the same send goes through. */
	ASSERT_EQ(0, bus_join(u.ctl));
	ASSERT_EQ(0, bus_get_int(u.fd, BUS_GET_JOINED, &val));
	EXPECT_EQ(1, val);
	EXPECT_EQ(1, bus_send(u.fd, self->p[0].addr, "x", 1, 0));
	EXPECT_ONE_FROM(self->p[0].fd, u.addr, 1);
	bus_peer_close(&u);
}

TEST_F(bus, join_twice)
{
	EXPECT_EQ(-EALREADY, bus_join(self->p[0].ctl));
}

TEST_F(bus, unicast)
{
	static const char msg[] = "unicast payload";
	ssize_t len = sizeof(msg);
	uint64_t from = 0;
	char buf[64];

	ASSERT_EQ(len, bus_send(self->p[0].fd, self->p[1].addr, msg, len, 0));
	ASSERT_EQ(len, bus_recv(self->p[1].fd, &from, buf, sizeof(buf),
				MSG_DONTWAIT));
	EXPECT_EQ(0, memcmp(buf, msg, sizeof(msg)));
	EXPECT_EQ(self->p[0].addr, from);
	EXPECT_EMPTY(self->p[2].fd);
	EXPECT_EMPTY(self->p[0].ctl);

	/* Zero-length messages are messages. */
	EXPECT_EQ(0, bus_send(self->p[1].fd, self->p[0].addr, NULL, 0, 0));
	EXPECT_ONE_FROM(self->p[0].fd, self->p[1].addr, 0);
}

TEST_F(bus, default_route_to_master)
{
	uint64_t unheld[] = {
		BUS_ADDR(0, 0x123456789aULL),
		BUS_ADDR(TEST_PREFIX, 42),
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(unheld); i++) {
		EXPECT_EQ(3, bus_send(self->p[2].fd, unheld[i], "abc", 3, 0));
		EXPECT_ONE_FROM(self->p[2].ctl, self->p[2].addr, 3);
		EXPECT_EMPTY(self->p[0].fd);
		EXPECT_EMPTY(self->p[1].fd);
	}
}

TEST_F(bus, add_del_addr)
{
	uint64_t name = BUS_ADDR(TEST_PREFIX, 1);
	struct bus_addr addrs[4];
	socklen_t len;

	ASSERT_EQ(0, bus_add_addr(self->p[1].ctl, name));
	EXPECT_EQ(-EADDRINUSE, bus_add_addr(self->p[2].ctl, name));
	EXPECT_EQ(4, bus_send(self->p[0].fd, name, "name", 4, 0));
	EXPECT_ONE_FROM(self->p[1].fd, self->p[0].addr, 4);

	/* The getter: prefix-0 address first, from both sides. */
	len = sizeof(addrs);
	ASSERT_EQ(0, getsockopt(self->p[1].fd, SOL_BUS, BUS_GET_ADDRS, addrs,
				&len));
	ASSERT_EQ(2 * sizeof(struct bus_addr), len);
	EXPECT_EQ(self->p[1].addr, addrs[0].s_addr);
	EXPECT_EQ(name, addrs[1].s_addr);
	len = sizeof(struct bus_addr);
	EXPECT_EQ(-1, getsockopt(self->p[1].ctl, SOL_BUS, BUS_GET_ADDRS, addrs,
				 &len));
	EXPECT_EQ(ERANGE, errno);
	EXPECT_EQ(2 * sizeof(struct bus_addr), len);

	/* Errors: held already, not held, prefix 0, multicast, the master's. */
	EXPECT_EQ(-EEXIST, bus_add_addr(self->p[1].ctl, name));
	EXPECT_EQ(-EADDRNOTAVAIL, bus_del_addr(self->p[2].ctl, name));
	EXPECT_EQ(-EINVAL, bus_del_addr(self->p[2].ctl, self->p[2].addr));
	EXPECT_EQ(-EINVAL, bus_add_addr(self->p[2].ctl, BUS_ADDR(0, 77)));
	EXPECT_EQ(-EINVAL, bus_add_addr(self->p[2].ctl,
					BUS_MULTICAST(TEST_PREFIX)));
	EXPECT_EQ(-EINVAL, bus_add_addr(self->p[2].ctl, BUS_MASTER_ADDR));
	EXPECT_EQ(-EADDRINUSE, bus_add_addr(self->p[2].ctl, self->p[1].addr));

	/* Taken away: default route again, and free for another peer. */
	ASSERT_EQ(0, bus_del_addr(self->p[1].ctl, name));
	EXPECT_EQ(-EADDRNOTAVAIL, bus_del_addr(self->p[1].ctl, name));
	EXPECT_EQ(4, bus_send(self->p[0].fd, name, "name", 4, 0));
	EXPECT_ONE_FROM(self->p[0].ctl, self->p[0].addr, 4);
	EXPECT_EMPTY(self->p[1].fd);
	EXPECT_EQ(0, bus_add_addr(self->p[2].ctl, name));
	EXPECT_EQ(4, bus_send(self->p[0].fd, name, "name", 4, 0));
	EXPECT_ONE_FROM(self->p[2].fd, self->p[0].addr, 4);
}

TEST_F(bus, sender_address_is_true)
{
	struct sockaddr_bus sa;
	struct iovec iov = { .iov_base = "hi", .iov_len = 2 };
	struct msghdr msg = {
		.msg_name = &sa, .msg_iov = &iov, .msg_iovlen = 1,
	};

	/* A peer holding other addresses is still seen by its prefix-0 one. */
	ASSERT_EQ(0, bus_add_addr(self->p[0].ctl, BUS_ADDR(TEST_PREFIX, 3)));
	EXPECT_EQ(2, bus_send(self->p[0].fd, self->p[1].addr, "hi", 2, 0));
	EXPECT_ONE_FROM(self->p[1].fd, self->p[0].addr, 2);

	/* sbus_addr of sendto() is the destination, never a source. */
	msg.msg_namelen = bus_dest(&sa, self->p[1].addr);
	EXPECT_EQ(2, sendmsg(self->p[2].fd, &msg, 0));
	EXPECT_ONE_FROM(self->p[1].fd, self->p[2].addr, 2);
}

/* ------------------------------------------------------------------ */
/* Options                                                            */
/* ------------------------------------------------------------------ */

TEST_F(bus, options_on_wrong_socket)
{
	struct bus_addr a = { .s_addr = BUS_ADDR(TEST_PREFIX, 9) };
	struct {
		int opt;
		socklen_t len;
	} opts[] = {
		{ BUS_ADD_ADDR, sizeof(a) }, { BUS_DEL_ADDR, sizeof(a) },
		{ BUS_JOIN_BUS, 0 }, { BUS_SET_EAVESDROP, 0 },
		{ BUS_UNSET_EAVESDROP, 0 },
	};
	int one = 1, fd = self->p[0].fd;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(opts); i++) {
		void *val = opts[i].len ? &a : NULL;

		EXPECT_EQ(-1, setsockopt(fd, SOL_BUS, opts[i].opt, val,
					 opts[i].len));
		EXPECT_EQ(EPERM, errno);
		EXPECT_EQ(-1, setsockopt(self->m.listen_fd, SOL_BUS,
					 opts[i].opt, val, opts[i].len));
		EXPECT_EQ(EPERM, errno);
	}
	EXPECT_EQ(-1, setsockopt(fd, SOL_BUS, BUS_SET_MAXQLEN, &one,
				 sizeof(one)));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, setsockopt(fd, SOL_BUS, BUS_SET_SENDBUF, &one,
				 sizeof(one)));
	EXPECT_EQ(EPERM, errno);

	/* Nothing changed. */
	EXPECT_EQ(-EADDRNOTAVAIL, bus_del_addr(self->p[0].ctl, a.s_addr));
}

TEST_F(bus, options_wrong_size)
{
	struct bus_addr a = { .s_addr = BUS_ADDR(TEST_PREFIX, 9) };
	int ctl = self->p[0].ctl, lfd = self->m.listen_fd, val = 8;
	socklen_t len;

	EXPECT_EQ(-1, setsockopt(ctl, SOL_BUS, BUS_ADD_ADDR, &a, 4));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(ctl, SOL_BUS, BUS_ADD_ADDR, NULL, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(ctl, SOL_BUS, BUS_DEL_ADDR, &a, 4));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(lfd, SOL_BUS, BUS_SET_MAXQLEN, &val, 2));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(lfd, SOL_BUS, BUS_SET_SENDBUF, &val, 2));
	EXPECT_EQ(EINVAL, errno);
	val = -1;
	EXPECT_EQ(-1, setsockopt(lfd, SOL_BUS, BUS_SET_MAXQLEN, &val,
				 sizeof(val)));
	EXPECT_EQ(EINVAL, errno);

	/* Unknown options, both directions. */
	EXPECT_EQ(-1, setsockopt(ctl, SOL_BUS, 99, &val, sizeof(val)));
	EXPECT_EQ(ENOPROTOOPT, errno);
	len = sizeof(val);
	EXPECT_EQ(-1, getsockopt(ctl, SOL_BUS, 99, &val, &len));
	EXPECT_EQ(ENOPROTOOPT, errno);

	/* The address really was not added. */
	EXPECT_EQ(-EADDRNOTAVAIL, bus_del_addr(ctl, a.s_addr));
}

TEST_F(bus, getters)
{
	struct bus_peer q;
	int val;

	ASSERT_EQ(0, bus_get_int(self->m.listen_fd, BUS_GET_MAXQLEN, &val));
	EXPECT_EQ(BUS_DEFAULT_MAXQLEN, val);
	ASSERT_EQ(0, bus_get_int(self->p[0].fd, BUS_GET_MAXQLEN, &val));
	EXPECT_EQ(BUS_DEFAULT_MAXQLEN, val);
	ASSERT_EQ(0, bus_get_int(self->p[0].fd, BUS_GET_SENDBUF, &val));
	EXPECT_LT(0, val);
	ASSERT_EQ(0, bus_get_int(self->p[0].ctl, BUS_GET_EAVESDROP, &val));
	EXPECT_EQ(0, val);
	ASSERT_EQ(0, bus_get_int(self->p[0].ctl, BUS_GET_JOINED, &val));
	EXPECT_EQ(1, val);

	ASSERT_EQ(0, bus_get_int(self->p[1].fd, BUS_GET_QLEN, &val));
	EXPECT_EQ(0, val);
	EXPECT_EQ(1, bus_send(self->p[0].fd, self->p[1].addr, "1", 1, 0));
	EXPECT_EQ(1, bus_send(self->p[2].fd, self->p[1].addr, "2", 1, 0));
	ASSERT_EQ(0, bus_get_int(self->p[1].fd, BUS_GET_QLEN, &val));
	EXPECT_EQ(2, val);
	ASSERT_EQ(0, bus_get_int(self->p[1].ctl, BUS_GET_QLEN, &val));
	EXPECT_EQ(2, val);

	/* Listener settings apply to peers that connect later. */
	val = 16;
	ASSERT_EQ(0, setsockopt(self->m.listen_fd, SOL_BUS, BUS_SET_MAXQLEN,
				&val, sizeof(val)));
	val = 4096;
	ASSERT_EQ(0, setsockopt(self->m.listen_fd, SOL_BUS, BUS_SET_SENDBUF,
				&val, sizeof(val)));
	ASSERT_EQ(0, bus_peer_connect(&self->m, &q, true));
	ASSERT_EQ(0, bus_get_int(q.fd, BUS_GET_MAXQLEN, &val));
	EXPECT_EQ(16, val);
	ASSERT_EQ(0, bus_get_int(q.ctl, BUS_GET_SENDBUF, &val));
	EXPECT_EQ(4096, val);
	ASSERT_EQ(0, bus_get_int(self->p[0].fd, BUS_GET_MAXQLEN, &val));
	EXPECT_EQ(BUS_DEFAULT_MAXQLEN, val);
	EXPECT_EQ(16, bus_fill(self->p[0].fd, q.addr));
	bus_peer_close(&q);
}

TEST(message_size)
{
	struct bus_master m;
	struct bus_peer a, b;
	static char buf[2048];

	ASSERT_EQ(0, bus_master_open(&m, false, 0, 1024));
	ASSERT_EQ(0, bus_peer_connect(&m, &a, true));
	ASSERT_EQ(0, bus_peer_connect(&m, &b, true));
	EXPECT_EQ(1024, bus_send(a.fd, b.addr, buf, 1024, 0));
	EXPECT_EQ(-EMSGSIZE, bus_send(a.fd, b.addr, buf, 1025, 0));
	EXPECT_EQ(-EMSGSIZE, bus_send(a.fd, BUS_MASTER_ADDR, buf, 1025, 0));
	EXPECT_EQ(-EMSGSIZE, bus_send(a.fd, BUS_MULTICAST(0), buf, 2048, 0));
	EXPECT_EQ(1024, bus_recv(b.fd, NULL, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EMPTY(b.fd);
	bus_peer_close(&a);
	bus_peer_close(&b);
	bus_master_close(&m);
}

TEST_F(bus, sendto_bad_address)
{
	struct sockaddr_bus sa;
	socklen_t len = bus_dest(&sa, self->p[1].addr);
	int fd = self->p[0].fd;

	sa.__sbus_pad[0] = 1;
	EXPECT_EQ(-1, sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, len));
	EXPECT_EQ(EINVAL, errno);
	bus_dest(&sa, self->p[1].addr);
	sa.__sbus_tail[3] = 1;
	EXPECT_EQ(-1, sendto(fd, "x", 1, 0, (struct sockaddr *)&sa,
			     sizeof(sa)));
	EXPECT_EQ(EINVAL, errno);
	bus_dest(&sa, self->p[1].addr);
	sa.sbus_family = AF_UNIX;
	EXPECT_EQ(-1, sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, len));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	bus_dest(&sa, self->p[1].addr);
	EXPECT_EQ(-1, sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, len - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EMPTY(self->p[1].fd);
	EXPECT_EMPTY(self->p[0].ctl);
}

/* ------------------------------------------------------------------ */
/* AF_UNIX-like socket behaviour                                      */
/* ------------------------------------------------------------------ */

TEST_F(bus, poll_semantics)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int a = self->p[0].fd, b = self->p[1].fd, ep, cfd;

	EXPECT_EQ(POLLOUT, bus_poll(a, POLLIN | POLLOUT, 0));
	EXPECT_EQ(0, bus_poll(self->m.listen_fd, POLLIN, 0));

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	EXPECT_EQ(1, bus_send(b, self->p[0].addr, "x", 1, 0));
	EXPECT_EQ(POLLIN | POLLOUT, bus_poll(a, POLLIN | POLLOUT, 0));
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 0));
	EXPECT_EQ((uint32_t)EPOLLIN, ev.events);
	EXPECT_EQ(1, bus_drain(a));
	EXPECT_EQ(POLLOUT, bus_poll(a, POLLIN | POLLOUT, 0));
	close(ep);

	/* A pending connection makes the listener readable. */
	cfd = bus_socket(BUS_PROTO_NONE);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, connect(cfd, (struct sockaddr *)&self->m.sa, self->m.salen));
	EXPECT_EQ(POLLIN, bus_poll(self->m.listen_fd, POLLIN, 0));
	close(cfd);
}

TEST_F(bus, inq_outq)
{
	int a = self->p[0].fd, b = self->p[1].fd, val, i;
	char buf[32] = {};

	ASSERT_EQ(0, ioctl(b, SIOCINQ, &val));
	EXPECT_EQ(0, val);
	ASSERT_EQ(0, ioctl(a, SIOCOUTQ, &val));
	EXPECT_EQ(0, val);
	EXPECT_EQ(10, bus_send(a, self->p[1].addr, buf, 10, 0));
	EXPECT_EQ(20, bus_send(a, self->p[1].addr, buf, 20, 0));
	ASSERT_EQ(0, ioctl(b, SIOCINQ, &val));
	EXPECT_EQ(30, val);
	ASSERT_EQ(0, ioctl(a, SIOCOUTQ, &val));
	EXPECT_LE(30, val);
	EXPECT_EQ(2, bus_drain(b));
	ASSERT_EQ(0, ioctl(b, SIOCINQ, &val));
	EXPECT_EQ(0, val);
	/* Sent memory is given back once the receiver consumed it. */
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, ioctl(a, SIOCOUTQ, &val));
		if (!val)
			break;
		usleep(10000);
	}
	EXPECT_EQ(0, val);
}

TEST_F(bus, peek_trunc_dontwait)
{
	int a = self->p[0].fd, b = self->p[1].fd;
	struct iovec iov;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	char buf[16];

	EXPECT_EQ(-EAGAIN, bus_recv(b, NULL, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(10, bus_send(a, self->p[1].addr, "0123456789", 10, 0));
	EXPECT_EQ(3, bus_send(a, self->p[1].addr, "abc", 3, 0));

	/* MSG_PEEK leaves it queued. */
	EXPECT_EQ(10, bus_recv(b, NULL, buf, sizeof(buf), MSG_PEEK));
	EXPECT_EQ(10, bus_recv(b, NULL, buf, sizeof(buf), MSG_PEEK));

	/* A short buffer truncates and discards the rest of the message. */
	iov.iov_base = buf;
	iov.iov_len = 4;
	EXPECT_EQ(10, recvmsg(b, &msg, MSG_TRUNC));
	EXPECT_TRUE(msg.msg_flags & MSG_TRUNC);
	EXPECT_EQ(0, memcmp(buf, "0123", 4));
	iov.iov_len = 2;
	msg.msg_flags = 0;
	EXPECT_EQ(2, recvmsg(b, &msg, 0));
	EXPECT_TRUE(msg.msg_flags & MSG_TRUNC);
	EXPECT_EQ(0, memcmp(buf, "ab", 2));
	EXPECT_EMPTY(b);
}

TEST_F(bus, shutdown)
{
	int a = self->p[0].fd, b = self->p[1].fd;
	char buf[8];

	ASSERT_EQ(0, shutdown(a, SHUT_WR));
	EXPECT_EQ(-EPIPE, bus_send(a, self->p[1].addr, "x", 1, 0));
	EXPECT_EMPTY(b);
	ASSERT_EQ(0, shutdown(b, SHUT_RD));
	EXPECT_EQ(0, bus_recv(b, NULL, buf, sizeof(buf), MSG_DONTWAIT));
	ASSERT_EQ(0, shutdown(a, SHUT_RD));
	EXPECT_TRUE(bus_poll(a, POLLIN, 0) & POLLHUP);
}

/* ------------------------------------------------------------------ */
/* Lifetime                                                           */
/* ------------------------------------------------------------------ */

TEST_F(bus, master_exit)
{
	int pending, i, ev;
	ssize_t n;
	char buf[8];

	/* One message still queued, and a connection never accepted. */
	EXPECT_EQ(1, bus_send(self->p[0].fd, self->p[1].addr, "q", 1, 0));
	pending = bus_socket(BUS_PROTO_NONE);
	ASSERT_LE(0, pending);
	ASSERT_EQ(0, connect(pending, (struct sockaddr *)&self->m.sa,
			     self->m.salen));

	bus_master_close(&self->m);

	/* What was queued can still be read; then POLLHUP and EOF. */
	EXPECT_EQ(1, bus_recv(self->p[1].fd, NULL, buf, sizeof(buf), 0));
	for (i = 0; i < BUS_PEERS; i++) {
		ev = bus_poll(self->p[i].fd, POLLIN, BUS_WAIT_MS);
		EXPECT_TRUE(ev & POLLHUP);
	}
	EXPECT_TRUE(bus_poll(pending, POLLIN, BUS_WAIT_MS) & POLLHUP);
	for (i = 0; i < BUS_PEERS; i++)
		EXPECT_EQ(0, bus_recv(self->p[i].fd, NULL, buf, sizeof(buf),
				      MSG_DONTWAIT));
	for (i = 0; i < BUS_PEERS; i++) {
		n = bus_send(self->p[i].fd, self->p[(i + 1) % BUS_PEERS].addr,
			     "x", 1, 0);
		EXPECT_EQ(-EPIPE, n);
	}
	n = bus_send(pending, BUS_MASTER_ADDR, "x", 1, 0);
	EXPECT_TRUE(n == -EPIPE || n == -ECONNRESET);
	close(pending);

	/* The path is gone with the bus. */
	pending = bus_socket(BUS_PROTO_NONE);
	ASSERT_LE(0, pending);
	EXPECT_EQ(-1, connect(pending, (struct sockaddr *)&self->m.sa,
			      self->m.salen));
	EXPECT_EQ(ECONNREFUSED, errno);
	close(pending);
}

TEST_F(bus, peer_exit_frees_addresses)
{
	uint64_t name = BUS_ADDR(TEST_PREFIX, 7), old = self->p[0].addr;
	struct bus_peer q;
	char buf[8];

	ASSERT_EQ(0, bus_add_addr(self->p[0].ctl, name));
	EXPECT_EQ(-EADDRINUSE, bus_add_addr(self->p[1].ctl, name));
	close(self->p[0].fd);
	self->p[0].fd = -1;

	/* The master learns of it on its accepted socket. */
	EXPECT_TRUE(bus_poll(self->p[0].ctl, POLLIN, BUS_WAIT_MS) & POLLHUP);
	EXPECT_EQ(0, bus_recv(self->p[0].ctl, NULL, buf, sizeof(buf),
			      MSG_DONTWAIT));

	/* Its name is free at once; its old address routes to the master. */
	EXPECT_EQ(0, bus_add_addr(self->p[1].ctl, name));
	EXPECT_EQ(1, bus_send(self->p[2].fd, old, "x", 1, 0));
	EXPECT_ONE_FROM(self->p[2].ctl, self->p[2].addr, 1);

	/* Prefix-0 addresses are never reused. */
	ASSERT_EQ(0, bus_peer_connect(&self->m, &q, true));
	EXPECT_LT(self->p[BUS_PEERS - 1].addr, q.addr);
	bus_peer_close(&q);
}

TEST_F(bus, master_drops_peer)
{
	char buf[8];

	close(self->p[0].ctl);
	self->p[0].ctl = -1;
	EXPECT_TRUE(bus_poll(self->p[0].fd, POLLIN, BUS_WAIT_MS) & POLLHUP);
	EXPECT_EQ(0, bus_recv(self->p[0].fd, NULL, buf, sizeof(buf),
			      MSG_DONTWAIT));
	EXPECT_EQ(-ECONNRESET, bus_send(self->p[0].fd, self->p[1].addr, "x",
					1, 0));
	/* and it is no recipient any more: still end of file, no message. */
	EXPECT_EQ(1, bus_send(self->p[1].fd, BUS_MULTICAST(0), "x", 1, 0));
	EXPECT_EQ(0, bus_recv(self->p[0].fd, NULL, buf, sizeof(buf),
			      MSG_DONTWAIT));
}

TEST(netns_isolation)
{
	struct bus_master abs, fs;

	ASSERT_EQ(0, bus_master_open(&abs, false, 0, 0));
	ASSERT_EQ(0, bus_master_open(&fs, true, 0, 0));

	IN_CHILD({
		struct bus_master other;
		int fd;

		if (unshare(CLONE_NEWNET))
			_exit(errno == EPERM ? 0 : 1);
		fd = bus_socket(BUS_PROTO_NONE);
		CHILD_CHECK(fd >= 0);
		CHILD_CHECK(connect(fd, (struct sockaddr *)&abs.sa,
				    abs.salen) == -1 && errno == ECONNREFUSED);
		CHILD_CHECK(connect(fd, (struct sockaddr *)&fs.sa,
				    fs.salen) == -1 && errno == ECONNREFUSED);
		close(fd);
		/* The same abstract name is free in the new namespace. */
		other.listen_fd = bus_socket(BUS_PROTO_NONE);
		CHILD_CHECK(other.listen_fd >= 0);
		CHILD_CHECK(bind(other.listen_fd, (struct sockaddr *)&abs.sa,
				 abs.salen) == 0);
		close(other.listen_fd);
	});
	bus_master_close(&abs);
	bus_master_close(&fs);
}

TEST_F(bus, eavesdrop)
{
	int spy = self->p[2].fd, val;

	ASSERT_EQ(0, setsockopt(self->p[2].ctl, SOL_BUS, BUS_SET_EAVESDROP,
				NULL, 0));
	ASSERT_EQ(0, bus_get_int(spy, BUS_GET_EAVESDROP, &val));
	EXPECT_EQ(1, val);
	EXPECT_EQ(3, bus_send(self->p[0].fd, self->p[1].addr, "abc", 3, 0));
	EXPECT_ONE_FROM(self->p[1].fd, self->p[0].addr, 3);
	EXPECT_ONE_FROM(spy, self->p[0].addr, 3);

	ASSERT_EQ(0, setsockopt(self->p[2].ctl, SOL_BUS, BUS_UNSET_EAVESDROP,
				NULL, 0));
	ASSERT_EQ(0, bus_get_int(self->p[2].ctl, BUS_GET_EAVESDROP, &val));
	EXPECT_EQ(0, val);
	EXPECT_EQ(3, bus_send(self->p[0].fd, self->p[1].addr, "abc", 3, 0));
	EXPECT_ONE_FROM(self->p[1].fd, self->p[0].addr, 3);
	EXPECT_EMPTY(spy);
}

TEST_F(bus, eavesdrop_permission)
{
	int ctl = self->p[3].ctl;

	/* Neither CAP_NET_ADMIN nor the master's credentials. */
	IN_CHILD({
		CHILD_CHECK(drop_privileges() == 0);
		CHILD_CHECK(setsockopt(ctl, SOL_BUS, BUS_SET_EAVESDROP,
				       NULL, 0) == -1 && errno == EPERM);
	});
	EXPECT_EQ(3, bus_send(self->p[0].fd, self->p[1].addr, "abc", 3, 0));
	EXPECT_EMPTY(self->p[3].fd);

	/* An unprivileged master may let its own peers eavesdrop. */
	IN_CHILD({
		struct bus_master m;
		struct bus_peer p;

		CHILD_CHECK(drop_privileges() == 0);
		CHILD_CHECK(bus_master_open(&m, false, 0, 0) == 0);
		CHILD_CHECK(bus_peer_connect(&m, &p, true) == 0);
		CHILD_CHECK(setsockopt(p.ctl, SOL_BUS, BUS_SET_EAVESDROP,
				       NULL, 0) == 0);
	});
}

/* @mod's reference count, or -1 when it is not loaded. */
static int module_refcnt(const char *mod)
{
	char path[64];
	int n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", mod);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/*
 * Unloads @mod once its last user is gone. A closed socket drops its
 * module reference when the sock is freed, which may come a little after
 * close() returns, so "in use" is retried for up to 10 s.
 */
static int unload_module(const char *mod)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (!syscall(SYS_delete_module, mod, O_NONBLOCK))
			return 0;
		if (errno != EWOULDBLOCK && errno != EBUSY)
			return -errno;
		usleep(10000);
	}
	return -EBUSY;
}

/*
 * The module's life, when AF_BUS is built as one: a socket pins it (unload
 * refused), the last close releases it, socket(AF_BUS) loads it again
 * through its net-pf-46 alias and a BUS_PROTO_DBUS socket loads nfdbus
 * through net-pf-46-proto-1. nfdbus uses af_bus, so it leaves first.
 */
TEST(module_lifetime)
{
	int fd;

	if (module_refcnt("af_bus") < 0)
		SKIP(return, "AF_BUS is not a loaded module");
	if (module_refcnt("nfdbus") >= 0)
		ASSERT_EQ(0, unload_module("nfdbus"));

	fd = bus_socket(BUS_PROTO_NONE);
	ASSERT_LE(0, fd);
	EXPECT_LE(1, module_refcnt("af_bus"));
	EXPECT_EQ(-1, syscall(SYS_delete_module, "af_bus", O_NONBLOCK));
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY);
	EXPECT_EQ(0, access("/sys/module/af_bus", F_OK));
	close(fd);

	ASSERT_EQ(0, unload_module("af_bus"));
	EXPECT_EQ(-1, module_refcnt("af_bus"));

	fd = bus_socket(BUS_PROTO_DBUS);
	ASSERT_LE(0, fd) TH_LOG("no autoload: is modprobe reachable?");
	EXPECT_LE(1, module_refcnt("af_bus"));
	EXPECT_LE(0, module_refcnt("nfdbus"));
	close(fd);
}

int main(int argc, char **argv)
{
	return bus_test_main(argc, argv);
}
