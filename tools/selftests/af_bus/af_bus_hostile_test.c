// SPDX-License-Identifier: GPL-2.0
/*
 * AF_BUS against hostile userspace: two calls racing on one socket, limits
 * that one user or one reader must not be able to break, and the
 * semantics chosen for a reader that stops reading. Each test pins down
 * one finding of a review that ran such programs in the debug guest; on a
 * kernel with the bug it fails (or the guest reports a splat).
 *
 * The races loop for RACE_MS each: long enough to hit a window of a few
 * instructions many times under TCG emulation, short enough for CI.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <linux/sockios.h>

#include "af_bus_fixture.h"

#define RACE_MS		3000

static bool before(uint64_t deadline)
{
	return now_ns() < deadline;
}

static uint64_t deadline_in(unsigned int ms)
{
	return now_ns() + (uint64_t)ms * 1000000;
}

/* ------------------------------------------------------------------ */
/* Two calls on one socket                                            */
/* ------------------------------------------------------------------ */

/* A socket another thread hammers with calls that read its role and bus
 * without the socket lock, while the main thread connects it.
 */
struct hammer {
	pthread_t thread;
	int fd;			/* the socket under test, -1 between rounds */
	int round;		/* bumped by the main thread per socket */
	bool stop;
	long calls;
};

static void *hammer_main(void *arg)
{
	struct hammer *h = arg;
	struct sockaddr_bus sa;
	socklen_t len;
	int val, fd;
	char c = 0;

	while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
		fd = __atomic_load_n(&h->fd, __ATOMIC_ACQUIRE);
		if (fd < 0)
			continue;
		len = sizeof(sa);
		getsockname(fd, (struct sockaddr *)&sa, &len);
		len = sizeof(sa);
		getpeername(fd, (struct sockaddr *)&sa, &len);
		len = sizeof(val);
		getsockopt(fd, SOL_BUS, BUS_GET_JOINED, &val, &len);
		len = sizeof(val);
		getsockopt(fd, SOL_BUS, BUS_GET_SENDBUF, &val, &len);
		bus_poll(fd, POLLIN | POLLOUT, 0);
		send(fd, &c, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		ioctl(fd, SIOCINQ, &val);
		h->calls++;
	}
	return NULL;
}

/* Accepts and drops every connection, so that connects never block. */
struct acceptor {
	pthread_t thread;
	int listen_fd;
	bool stop;
	long accepted;
};

static void *acceptor_main(void *arg)
{
	struct acceptor *a = arg;
	int fd;

	while (!__atomic_load_n(&a->stop, __ATOMIC_ACQUIRE)) {
		if (bus_poll(a->listen_fd, POLLIN, 50) <= 0)
			continue;
		fd = accept4(a->listen_fd, NULL, NULL, SOCK_NONBLOCK);
		if (fd >= 0) {
			close(fd);
			a->accepted++;
		}
	}
	return NULL;
}

/*
 * getsockname() (and the other unlocked readers) racing connect() on the
 * same socket once read the bus pointer before the role: a NULL bus with
 * the PEER role, a NULL dereference in bus_getname().
 */
TEST(getsockname_races_connect)
{
	struct acceptor acc = {};
	struct hammer h = { .fd = -1 };
	struct bus_master m;
	uint64_t end = deadline_in(RACE_MS);
	long rounds = 0;
	int fd;

	ASSERT_EQ(0, bus_master_open(&m, false, 0, 0));
	acc.listen_fd = m.listen_fd;
	ASSERT_EQ(0, pthread_create(&acc.thread, NULL, acceptor_main, &acc));
	ASSERT_EQ(0, pthread_create(&h.thread, NULL, hammer_main, &h));
	while (before(end)) {
		fd = bus_socket(BUS_PROTO_NONE);
		ASSERT_LE(0, fd);
		__atomic_store_n(&h.fd, fd, __ATOMIC_RELEASE);
		EXPECT_EQ(0, connect(fd, (struct sockaddr *)&m.sa, m.salen));
		__atomic_store_n(&h.fd, -1, __ATOMIC_RELEASE);
		/* The hammer may still be inside a call on @fd: that is the
		 * point of the test, and close() only drops our reference.
		 */
		close(fd);
		rounds++;
	}
	__atomic_store_n(&h.stop, true, __ATOMIC_RELEASE);
	__atomic_store_n(&acc.stop, true, __ATOMIC_RELEASE);
	pthread_join(h.thread, NULL);
	pthread_join(acc.thread, NULL);
	TH_LOG("%ld connects, %ld calls beside them", rounds, h.calls);
	EXPECT_LT(0, h.calls);
	bus_master_close(&m);
}

struct limit_setter {
	pthread_t thread;
	int fd;
	bool stop;
	long set;
};

static void *limit_setter_main(void *arg)
{
	struct limit_setter *s = arg;
	int big = 4096, fd;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		fd = __atomic_load_n(&s->fd, __ATOMIC_ACQUIRE);
		if (fd >= 0 && !setsockopt(fd, SOL_BUS, BUS_SET_SENDBUF, &big,
					   sizeof(big)))
			s->set++;
	}
	return NULL;
}

/*
 * BUS_SET_SENDBUF is the master's (or a fresh socket's, for a bus it will
 * bind). Set on a socket while it connects, it once passed the role check
 * before connect() and changed the new peer's own limit after it: a peer
 * overriding the limit its master set for the bus.
 */
TEST(setsockopt_races_connect)
{
	struct limit_setter s = { .fd = -1 };
	struct acceptor acc = {};
	struct bus_master m;
	uint64_t end = deadline_in(RACE_MS);
	long rounds = 0, overridden = 0;
	char big[4096] = {};
	int fd, val;

	ASSERT_EQ(0, bus_master_open(&m, false, 0, 1024));
	acc.listen_fd = m.listen_fd;
	ASSERT_EQ(0, pthread_create(&acc.thread, NULL, acceptor_main, &acc));
	ASSERT_EQ(0, pthread_create(&s.thread, NULL, limit_setter_main, &s));
	while (before(end)) {
		fd = bus_socket(BUS_PROTO_NONE);
		ASSERT_LE(0, fd);
		__atomic_store_n(&s.fd, fd, __ATOMIC_RELEASE);
		usleep(rounds % 50);
		ASSERT_EQ(0, connect(fd, (struct sockaddr *)&m.sa, m.salen));
		__atomic_store_n(&s.fd, -1, __ATOMIC_RELEASE);
		usleep(100); /* let a setsockopt() in flight finish */
		ASSERT_EQ(0, bus_get_int(fd, BUS_GET_SENDBUF, &val));
		if (val != 1024 ||
		    send(fd, big, sizeof(big), MSG_DONTWAIT | MSG_NOSIGNAL) !=
		    -1 || errno != EMSGSIZE)
			overridden++;
		close(fd);
		rounds++;
	}
	__atomic_store_n(&s.stop, true, __ATOMIC_RELEASE);
	__atomic_store_n(&acc.stop, true, __ATOMIC_RELEASE);
	pthread_join(s.thread, NULL);
	pthread_join(acc.thread, NULL);
	TH_LOG("%ld connects, %ld limits set beside them", rounds, s.set);
	EXPECT_EQ(0, overridden);
	bus_master_close(&m);
}

/* Keeps the bus's receive queues moving: every receive is a change of
 * room that blocked senders and connects are woken for.
 */
struct churn {
	pthread_t thread;
	int a, b;
	uint64_t b_addr;
	bool stop;
};

static void *churn_main(void *arg)
{
	struct churn *c = arg;
	char buf[8];

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		bus_send(c->a, c->b_addr, "x", 1, MSG_DONTWAIT);
		bus_recv(c->b, NULL, buf, sizeof(buf), MSG_DONTWAIT);
	}
	return NULL;
}

struct connector {
	pthread_t thread;
	struct bus_master *m;
	uint64_t end;
	long tries, refused;
	int bad_errno;
};

static void *connector_main(void *arg)
{
	struct timeval tv = { .tv_usec = 1000 };
	struct connector *c = arg;
	int fd;

	while (before(c->end)) {
		fd = bus_socket(BUS_PROTO_NONE);
		if (fd < 0) {
			c->bad_errno = -fd;
			break;
		}
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, (struct sockaddr *)&c->m->sa, c->m->salen)) {
			if (errno == EAGAIN)
				c->refused++;
			else if (errno != EINTR)
				c->bad_errno = errno;
		}
		close(fd);
		c->tries++;
	}
	return NULL;
}

/*
 * A blocking connect() with a short SO_SNDTIMEO to a bus whose backlog is
 * full, while the bus is busy: its wait loop once took the socket lock
 * still in TASK_INTERRUPTIBLE ("do not call blocking ops when
 * !TASK_RUNNING"), a warning and so a panic under panic_on_warn.
 */
TEST(blocking_connect_while_busy)
{
	struct connector conn[3];
	struct bus_peer a, b;
	struct churn ch = {};
	struct bus_master m;
	long tries = 0, refused = 0;
	int i, fd, pending = 0;

	ASSERT_EQ(0, bus_master_open(&m, false, 0, 0));
	ASSERT_EQ(0, bus_peer_connect(&m, &a, true));
	ASSERT_EQ(0, bus_peer_connect(&m, &b, true));
	/* Fill the backlog with connections nobody accepts. */
	ASSERT_EQ(0, listen(m.listen_fd, 2));
	for (i = 0; i < 8; i++) {
		fd = bus_socket(BUS_PROTO_NONE);
		ASSERT_LE(0, fd);
		fcntl(fd, F_SETFL, O_NONBLOCK);
		if (connect(fd, (struct sockaddr *)&m.sa, m.salen))
			close(fd);
		else
			pending++;
	}
	ASSERT_LT(0, pending);

	ch = (struct churn){ .a = a.fd, .b = b.fd, .b_addr = b.addr };
	ASSERT_EQ(0, pthread_create(&ch.thread, NULL, churn_main, &ch));
	for (i = 0; i < 3; i++) {
		conn[i] = (struct connector){ .m = &m,
					      .end = deadline_in(RACE_MS) };
		ASSERT_EQ(0, pthread_create(&conn[i].thread, NULL,
					    connector_main, &conn[i]));
	}
	for (i = 0; i < 3; i++) {
		pthread_join(conn[i].thread, NULL);
		EXPECT_EQ(0, conn[i].bad_errno);
		tries += conn[i].tries;
		refused += conn[i].refused;
	}
	__atomic_store_n(&ch.stop, true, __ATOMIC_RELEASE);
	pthread_join(ch.thread, NULL);
	TH_LOG("%ld blocking connects, %ld timed out with EAGAIN", tries,
	       refused);
	EXPECT_EQ(tries, refused);
	bus_peer_close(&a);
	bus_peer_close(&b);
	bus_master_close(&m);
}

/*
 * listen() once made the bus connectable before it set the credentials
 * that connect() copies into the peer's SO_PEERCRED: a peer connecting
 * in between saw no credentials at all.
 */
TEST(peercred_races_listen)
{
	uint64_t end = deadline_in(RACE_MS);
	struct ucred cred;
	struct bus_master m;
	socklen_t len;
	long rounds = 0, wrong = 0;
	pid_t child;
	int fd, status;

	while (before(end)) {
		/* A bound bus that is not listening yet. */
		ASSERT_EQ(0, bus_master_open(&m, false, 0, 0));
		close(m.listen_fd);
		m.listen_fd = bus_socket(BUS_PROTO_NONE);
		ASSERT_LE(0, m.listen_fd);
		ASSERT_EQ(0, bind(m.listen_fd, (struct sockaddr *)&m.sa,
				  m.salen));
		child = fork();
		ASSERT_LE(0, child);
		if (!child) {
			usleep(rounds % 100);
			_exit(listen(m.listen_fd, 8) ? 1 : 0);
		}
		fd = bus_socket(BUS_PROTO_NONE);
		ASSERT_LE(0, fd);
		while (connect(fd, (struct sockaddr *)&m.sa, m.salen))
			ASSERT_EQ(ECONNREFUSED, errno);
		len = sizeof(cred);
		ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred,
					&len));
		ASSERT_EQ(child, waitpid(child, &status, 0));
		ASSERT_EQ(0, status);
		/* The master is whoever called listen(): the child. */
		if (cred.pid != child || cred.uid != getuid())
			wrong++;
		close(fd);
		bus_master_close(&m);
		rounds++;
	}
	TH_LOG("%ld rounds", rounds);
	EXPECT_EQ(0, wrong);
}

/* ------------------------------------------------------------------ */
/* poll and epoll                                                     */
/* ------------------------------------------------------------------ */

FIXTURE(epoll) {
	struct bus_master m;
	struct bus_peer rcv;
	int fd, ctl, ep;
	uint64_t addr;
};

FIXTURE_VARIANT(epoll) {
	uint32_t flags;
};

FIXTURE_VARIANT_ADD(epoll, level) { .flags = 0 };
FIXTURE_VARIANT_ADD(epoll, edge) { .flags = EPOLLET };

/* The sender's socket joins the epoll set before it connects. */
FIXTURE_SETUP(epoll)
{
	struct epoll_event ev = { .events = EPOLLOUT | variant->flags };

	ASSERT_EQ(0, bus_master_open(&self->m, false, 4, 0));
	ASSERT_EQ(0, bus_peer_connect(&self->m, &self->rcv, true));
	self->fd = bus_socket(BUS_PROTO_NONE);
	ASSERT_LE(0, self->fd);
	self->ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, self->ep);
	ASSERT_EQ(0, epoll_ctl(self->ep, EPOLL_CTL_ADD, self->fd, &ev));
	EXPECT_EQ(0, epoll_wait(self->ep, &ev, 1, 0));
	ASSERT_EQ(0, connect(self->fd, (struct sockaddr *)&self->m.sa,
			     self->m.salen));
	self->ctl = accept4(self->m.listen_fd, NULL, NULL, SOCK_CLOEXEC);
	ASSERT_LE(0, self->ctl);
	ASSERT_EQ(0, bus_join(self->ctl));
}

FIXTURE_TEARDOWN(epoll)
{
	close(self->ep);
	close(self->fd);
	close(self->ctl);
	bus_peer_close(&self->rcv);
	bus_master_close(&self->m);
}

/*
 * epoll once never reported EPOLLOUT for such a socket: poll() joined the
 * bus's wait queue only when the socket had a bus at registration, and
 * connect() woke nobody.
 */
TEST_F(epoll, out_after_connect_and_after_drain)
{
	struct epoll_event ev;

	ASSERT_EQ(1, epoll_wait(self->ep, &ev, 1, BUS_WAIT_MS));
	EXPECT_TRUE(!!(ev.events & EPOLLOUT));

	/* Full receiver: POLLOUT clears with the failed send... */
	EXPECT_EQ(4, bus_fill(self->fd, self->rcv.addr));
	EXPECT_EQ(0, epoll_wait(self->ep, &ev, 1, 0));
	EXPECT_EQ(0, bus_poll(self->fd, POLLOUT, 0));
	/* ...and comes back, through epoll too, once the receiver read. */
	EXPECT_EQ(1, bus_recv(self->rcv.fd, NULL, &ev, sizeof(ev),
			      MSG_DONTWAIT) > 0);
	ASSERT_EQ(1, epoll_wait(self->ep, &ev, 1, BUS_WAIT_MS));
	EXPECT_TRUE(!!(ev.events & EPOLLOUT));
	EXPECT_EQ(POLLOUT, bus_poll(self->fd, POLLOUT, 0));
}

/* ------------------------------------------------------------------ */
/* Limits                                                             */
/* ------------------------------------------------------------------ */

#define FD_LIMIT	64

/* Send one pipe end per message until the first failure; the count. */
static int send_fds_until_error(int fd, uint64_t to, int passfd, int *err)
{
	int n = 0;
	ssize_t r;

	while (n < 4000) {
		r = bus_send_fd(fd, to, "f", 1, passfd);
		if (r < 0) {
			*err = (int)-r;
			return n;
		}
		n++;
	}
	*err = 0;
	return n;
}

/*
 * Files in flight are charged to the sending user with AF_UNIX's rule: as
 * nobody with RLIMIT_NOFILE 64, sending fails with ETOOMANYREFS once more
 * than 64 are in flight; the charge goes when the receiver reads them.
 * AF_BUS once carried 4000 (bounded only by fs.file-max).
 */
TEST_F(bus, files_in_flight_per_user)
{
	struct rlimit rl = { FD_LIMIT, FD_LIMIT };
	struct timeval tv = { .tv_sec = 2 };
	int go[2], report[2], p[2], sent, err, status, drained;
	uint64_t to = self->p[1].addr;
	pid_t child;
	char c;

	ASSERT_EQ(0, setsockopt(self->m.listen_fd, SOL_BUS, BUS_SET_MAXQLEN,
				&(int){ 8192 }, sizeof(int)));
	/* The receiving peer must take 4000 messages. */
	bus_peer_close(&self->p[1]);
	ASSERT_EQ(0, bus_peer_connect(&self->m, &self->p[1], true));
	to = self->p[1].addr;
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(report));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		if (pipe(p) || setrlimit(RLIMIT_NOFILE, &rl) ||
		    drop_privileges() ||
		    setsockopt(self->p[0].fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
			       sizeof(tv)))
			_exit(2);
		sent = send_fds_until_error(self->p[0].fd, to, p[0], &err);
		if (write(report[1], &sent, sizeof(sent)) != sizeof(sent) ||
		    write(report[1], &err, sizeof(err)) != sizeof(err))
			_exit(2);
		/* Once the receiver read them, there is room again. */
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(bus_send_fd(self->p[0].fd, to, "f", 1, p[0]) == 1 ? 0 : 3);
	}
	ASSERT_EQ((ssize_t)sizeof(sent), read(report[0], &sent, sizeof(sent)));
	ASSERT_EQ((ssize_t)sizeof(err), read(report[0], &err, sizeof(err)));
	TH_LOG("as nobody with RLIMIT_NOFILE %d: %d files in flight, then %s",
	       FD_LIMIT, sent, strerror(err));
	EXPECT_EQ(ETOOMANYREFS, err);
	EXPECT_LE(FD_LIMIT, sent);
	EXPECT_GE(FD_LIMIT + 1, sent);
	drained = bus_drain(self->p[1].fd);
	EXPECT_EQ(sent, drained);
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

#define BIG_MSG		(16 * 1024)

struct drainer {
	pthread_t thread;
	int fd;
	unsigned int delay_ms;
	int drained;
};

static void *drainer_main(void *arg)
{
	struct drainer *d = arg;

	usleep(d->delay_ms * 1000);
	d->drained = bus_drain(d->fd);
	return NULL;
}

/*
 * What one socket has queued on the bus is bounded by its SO_SNDBUF, as
 * for AF_UNIX, and a multicast is charged once, not once per receiver.
 * AF_BUS once charged copies after queuing them and never checked: 8
 * sockets queued 135 MiB to a peer that never reads.
 */
TEST(sndbuf_bounds_queued_memory)
{
	struct timeval tv = { .tv_usec = 200000 };
	struct bus_peer a, b, many[16];
	struct drainer d = {};
	struct bus_master m;
	static char msg[BIG_MSG];
	int sndbuf, outq, sent = 0, i;
	socklen_t len = sizeof(sndbuf);
	uint64_t t0, group = BUS_ADDR(TEST_PREFIX, 1);
	ssize_t r;

	ASSERT_EQ(0, bus_master_open(&m, false, 512, 0));
	ASSERT_EQ(0, bus_peer_connect(&m, &a, true));
	ASSERT_EQ(0, bus_peer_connect(&m, &b, true));
	ASSERT_EQ(0, getsockopt(a.fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len));

	while ((r = bus_send(a.fd, b.addr, msg, sizeof(msg), MSG_DONTWAIT)) ==
	       sizeof(msg))
		sent++;
	EXPECT_EQ(-EAGAIN, r);
	ASSERT_EQ(0, ioctl(a.fd, SIOCOUTQ, &outq));
	TH_LOG("SO_SNDBUF %d: %d messages of %d bytes queued, SIOCOUTQ %d",
	       sndbuf, sent, BIG_MSG, outq);
	EXPECT_GE(sndbuf + 2 * BIG_MSG, outq);
	EXPECT_GE(sndbuf / BIG_MSG + 1, sent);
	EXPECT_LT(0, sent);
	EXPECT_EQ(0, bus_poll(a.fd, POLLOUT, 0));

	/* A blocking send waits SO_SNDTIMEO, then fails. */
	ASSERT_EQ(0, setsockopt(a.fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
				sizeof(tv)));
	t0 = now_ns();
	EXPECT_EQ(-EAGAIN, bus_send(a.fd, b.addr, msg, sizeof(msg), 0));
	EXPECT_LE(150000000ULL, now_ns() - t0);

	/* The receiver reads: the sender is woken and may send again. */
	d.fd = b.fd;
	d.delay_ms = 100;
	ASSERT_EQ(0, pthread_create(&d.thread, NULL, drainer_main, &d));
	tv.tv_sec = 5;
	ASSERT_EQ(0, setsockopt(a.fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
				sizeof(tv)));
	EXPECT_EQ((ssize_t)sizeof(msg), bus_send(a.fd, b.addr, msg, sizeof(msg), 0));
	pthread_join(d.thread, NULL);
	EXPECT_EQ(POLLOUT, bus_poll(a.fd, POLLOUT, BUS_WAIT_MS));
	bus_drain(b.fd);

	/* One multicast to 16 receivers: one message's worth of SO_SNDBUF. */
	for (i = 0; i < 16; i++) {
		ASSERT_EQ(0, bus_peer_connect(&m, &many[i], true));
		ASSERT_EQ(0, bus_add_addr(many[i].ctl, group + i));
	}
	for (i = 0; i < 8; i++) {
		r = bus_send(a.fd, BUS_MULTICAST(TEST_PREFIX), msg, sizeof(msg),
			     MSG_DONTWAIT);
		EXPECT_EQ((ssize_t)sizeof(msg), r);
	}
	for (i = 0; i < 16; i++) {
		EXPECT_EQ(8, bus_drain(many[i].fd));
		bus_peer_close(&many[i]);
	}
	bus_peer_close(&a);
	bus_peer_close(&b);
	bus_master_close(&m);
}

/* BUS_GET_ADDRS once failed with ERANGE above 4096 addresses. */
TEST_F(bus, get_addrs_beyond_4096)
{
	enum { N = 5000 };
	static uint64_t addrs[N + 2];
	socklen_t len = sizeof(addrs);
	int i;

	for (i = 1; i <= N; i++)
		ASSERT_EQ(0, bus_add_addr(self->p[0].ctl,
					  BUS_ADDR(TEST_PREFIX, i)));
	ASSERT_EQ(0, getsockopt(self->p[0].fd, SOL_BUS, BUS_GET_ADDRS, addrs,
				&len));
	EXPECT_EQ((N + 1) * sizeof(uint64_t), len);
	EXPECT_EQ(self->p[0].addr, addrs[0]);
	EXPECT_EQ(BUS_ADDR(TEST_PREFIX, N), addrs[N]);

	/* Too small: ERANGE, and the size needed. */
	len = N * sizeof(uint64_t);
	EXPECT_EQ(-1, getsockopt(self->p[0].ctl, SOL_BUS, BUS_GET_ADDRS, addrs,
				 &len));
	EXPECT_EQ(ERANGE, errno);
	EXPECT_EQ((N + 1) * sizeof(uint64_t), len);
}

/* ------------------------------------------------------------------ */
/* Readers that do not read                                           */
/* ------------------------------------------------------------------ */

/*
 * An eavesdropper that never reads once stalled every sender of the bus.
 * Now its copies never hold a message up: once its queue is full it stops
 * eavesdropping and its next receive fails with ENOBUFS, after which it
 * reads what it had.
 */
TEST(eavesdropper_never_reads)
{
	struct bus_peer a, b, spy;
	struct bus_master m;
	char buf[8];
	int i, val;

	ASSERT_EQ(0, bus_master_open(&m, false, 8, 0));
	ASSERT_EQ(0, bus_peer_connect(&m, &a, true));
	ASSERT_EQ(0, bus_peer_connect(&m, &b, true));
	ASSERT_EQ(0, bus_peer_connect(&m, &spy, true));
	ASSERT_EQ(0, setsockopt(spy.ctl, SOL_BUS, BUS_SET_EAVESDROP, NULL, 0));

	for (i = 0; i < 32; i++) {
		ASSERT_EQ(1, bus_send(a.fd, b.addr, "m", 1, MSG_DONTWAIT));
		ASSERT_EQ(1, bus_recv(b.fd, NULL, buf, sizeof(buf),
				      MSG_DONTWAIT));
	}
	ASSERT_EQ(0, bus_get_int(spy.ctl, BUS_GET_EAVESDROP, &val));
	EXPECT_EQ(0, val);
	EXPECT_TRUE(bus_poll(spy.fd, POLLIN, 0) & POLLERR);
	EXPECT_EQ(-ENOBUFS, bus_recv(spy.fd, NULL, buf, sizeof(buf),
				     MSG_DONTWAIT));
	EXPECT_EQ(8, bus_drain(spy.fd));

	/* The master may let it eavesdrop again. */
	ASSERT_EQ(0, setsockopt(spy.ctl, SOL_BUS, BUS_SET_EAVESDROP, NULL, 0));
	ASSERT_EQ(1, bus_send(a.fd, b.addr, "m", 1, MSG_DONTWAIT));
	EXPECT_EQ(1, bus_drain(spy.fd));
	bus_peer_close(&a);
	bus_peer_close(&b);
	bus_peer_close(&spy);
	bus_master_close(&m);
}

/*
 * A unicast to a peer that shut down reading once returned success and
 * the message was dropped; as for AF_UNIX it fails with EPIPE. A
 * multicast leaves that peer out and reaches the others.
 */
TEST_F(bus, send_to_shut_reader)
{
	uint64_t group = BUS_MULTICAST(TEST_PREFIX);
	int qlen;

	ASSERT_EQ(0, bus_add_addr(self->p[1].ctl, BUS_ADDR(TEST_PREFIX, 1)));
	ASSERT_EQ(0, bus_add_addr(self->p[2].ctl, BUS_ADDR(TEST_PREFIX, 2)));
	ASSERT_EQ(0, shutdown(self->p[1].fd, SHUT_RD));

	EXPECT_EQ(-EPIPE, bus_send(self->p[0].fd, self->p[1].addr, "u", 1,
				   MSG_DONTWAIT));
	EXPECT_EQ(-EPIPE, bus_send(self->p[0].fd, BUS_ADDR(TEST_PREFIX, 1),
				   "u", 1, MSG_DONTWAIT));
	EXPECT_EQ(1, bus_send(self->p[0].fd, group, "m", 1, MSG_DONTWAIT));
	EXPECT_ONE_FROM(self->p[2].fd, self->p[0].addr, 1);
	ASSERT_EQ(0, bus_get_int(self->p[1].fd, BUS_GET_QLEN, &qlen));
	EXPECT_EQ(0, qlen);
	/* The master's unicasts too. */
	EXPECT_EQ(-EPIPE, bus_send(self->p[1].ctl, self->p[1].addr, "u", 1,
				   MSG_DONTWAIT));
}

/*
 * shutdown(SHUT_RD) on the master's handle for a peer once cut the peer
 * off the whole bus (its every send failed with EPIPE). Only what goes to
 * the master fails now.
 */
TEST_F(bus, handle_shut_reader_keeps_peer_on_bus)
{
	ASSERT_EQ(0, shutdown(self->p[0].ctl, SHUT_RD));
	EXPECT_EQ(1, bus_send(self->p[0].fd, self->p[1].addr, "u", 1,
			      MSG_DONTWAIT));
	EXPECT_ONE_FROM(self->p[1].fd, self->p[0].addr, 1);
	EXPECT_EQ(-EPIPE, bus_send(self->p[0].fd, BUS_MASTER_ADDR, "u", 1,
				   MSG_DONTWAIT));
	/* The handle still sends to its peer. */
	EXPECT_EQ(1, bus_send(self->p[0].ctl, self->p[0].addr, "c", 1,
			      MSG_DONTWAIT));
	EXPECT_ONE_FROM(self->p[0].fd, BUS_MASTER_ADDR, 1);
}

/* ------------------------------------------------------------------ */
/* Reserved fields and inspection                                     */
/* ------------------------------------------------------------------ */

TEST_F(bus, reserved_fields_must_be_zero)
{
	struct { struct bus_addr a; uint64_t extra; } opt = {
		.a.s_addr = BUS_ADDR(TEST_PREFIX, 3),
	};
	struct sockaddr_bus sa = self->m.sa;
	int fd, one = 1;

	/* bind() and connect() name a bus, not an address on it. */
	sa.sbus_addr.s_addr = 7;
	fd = bus_socket(BUS_PROTO_NONE);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&sa, self->m.salen));
	EXPECT_EQ(EINVAL, errno);
	sa.sbus_path[1] ^= 1;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sa, self->m.salen));
	EXPECT_EQ(EINVAL, errno);
	close(fd);

	/* Options without a value take none. */
	EXPECT_EQ(-1, setsockopt(self->p[0].ctl, SOL_BUS, BUS_SET_EAVESDROP,
				 &one, sizeof(one)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(self->p[0].ctl, SOL_BUS, BUS_UNSET_EAVESDROP,
				 &one, sizeof(one)));
	EXPECT_EQ(EINVAL, errno);

	/* A longer value is fine if what follows is zero. */
	opt.extra = 1;
	EXPECT_EQ(-1, setsockopt(self->p[0].ctl, SOL_BUS, BUS_ADD_ADDR, &opt,
				 sizeof(opt)));
	EXPECT_EQ(EINVAL, errno);
	opt.extra = 0;
	EXPECT_EQ(0, setsockopt(self->p[0].ctl, SOL_BUS, BUS_ADD_ADDR, &opt,
				sizeof(opt)));
}

static int read_fdinfo(int fd, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY);
	if (f < 0)
		return -errno;
	n = read(f, buf, size - 1);
	close(f);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

TEST_F(bus, fdinfo)
{
	char buf[1024], want[64];

	ASSERT_EQ(0, read_fdinfo(self->p[0].fd, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "bus_role:\tpeer\n")) TH_LOG("%s", buf);
	snprintf(want, sizeof(want), "bus_addr:\t%#llx\n",
		 (unsigned long long)self->p[0].addr);
	EXPECT_NE(NULL, strstr(buf, want)) TH_LOG("%s", buf);
	EXPECT_NE(NULL, strstr(buf, "bus_joined:\t1\n"));

	ASSERT_EQ(0, read_fdinfo(self->p[0].ctl, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "bus_role:\thandle\n")) TH_LOG("%s", buf);
	ASSERT_EQ(0, read_fdinfo(self->m.listen_fd, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "bus_role:\tmaster\n")) TH_LOG("%s", buf);
	EXPECT_NE(NULL, strstr(buf, "bus_peers:\t4\n")) TH_LOG("%s", buf);
}

int main(int argc, char **argv)
{
	return bus_test_main(argc, argv);
}
