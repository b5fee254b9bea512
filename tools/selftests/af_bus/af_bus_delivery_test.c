// SPDX-License-Identifier: GPL-2.0
/*
 * AF_BUS delivery guarantees: multicast reaches exactly the holders of the
 * prefix; one total order across all receivers under concurrent senders;
 * all-or-nothing multicast when one receiver is full, blocking and not;
 * no head-of-line blocking across peers; fd and credential passing, with a
 * private copy of every fd per receiver and in-flight cycles collected.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "af_bus_fixture.h"

/* ------------------------------------------------------------------ */
/* Multicast                                                          */
/* ------------------------------------------------------------------ */

TEST_F(bus, multicast_reaches_prefix_holders)
{
	uint64_t group = BUS_MULTICAST(TEST_PREFIX);
	int i;

	/* p1 holds two addresses of the prefix: still one copy. */
	ASSERT_EQ(0, bus_add_addr(self->p[1].ctl, BUS_ADDR(TEST_PREFIX, 1)));
	ASSERT_EQ(0, bus_add_addr(self->p[1].ctl, BUS_ADDR(TEST_PREFIX, 2)));
	ASSERT_EQ(0, bus_add_addr(self->p[2].ctl, BUS_ADDR(TEST_PREFIX, 3)));
	ASSERT_EQ(0, bus_add_addr(self->p[3].ctl, BUS_ADDR(TEST_PREFIX + 1, 1)));

	EXPECT_EQ(5, bus_send(self->p[0].fd, group, "mcast", 5, 0));
	EXPECT_ONE_FROM(self->p[1].fd, self->p[0].addr, 5);
	EXPECT_ONE_FROM(self->p[2].fd, self->p[0].addr, 5);
	EXPECT_EMPTY(self->p[3].fd);
	EXPECT_EMPTY(self->p[0].fd);
	for (i = 0; i < BUS_PEERS; i++)
		EXPECT_EMPTY(self->p[i].ctl);

	/* Prefix 0: every joined peer, the sender included. */
	EXPECT_EQ(1, bus_send(self->p[0].fd, BUS_MULTICAST(0), "*", 1, 0));
	for (i = 0; i < BUS_PEERS; i++)
		EXPECT_ONE_FROM(self->p[i].fd, self->p[0].addr, 1);
	for (i = 0; i < BUS_PEERS; i++)
		EXPECT_EMPTY(self->p[i].ctl);

	/* A peer whose address is taken away drops out of the group. */
	ASSERT_EQ(0, bus_del_addr(self->p[2].ctl, BUS_ADDR(TEST_PREFIX, 3)));
	EXPECT_EQ(2, bus_send(self->p[3].fd, group, "mc", 2, 0));
	EXPECT_ONE_FROM(self->p[1].fd, self->p[3].addr, 2);
	EXPECT_EMPTY(self->p[2].fd);
}

/* ------------------------------------------------------------------ */
/* Total order                                                        */
/* ------------------------------------------------------------------ */

#define ORDER_SENDERS	4
#define ORDER_RECEIVERS	4
#define ORDER_MSGS	400
#define ORDER_TOTAL	(ORDER_SENDERS * ORDER_MSGS)

struct order_msg {
	uint32_t sender;
	uint32_t seq;
};

struct order_run {
	struct bus_peer snd[ORDER_SENDERS], rcv[ORDER_RECEIVERS];
	/* plan[s][i]: receiver of sender s's message i, -1 for multicast */
	int plan[ORDER_SENDERS][ORDER_MSGS];
	int expect[ORDER_RECEIVERS];
	/* what each receiver got, in order, as sender * ORDER_MSGS + seq */
	int got[ORDER_RECEIVERS][ORDER_TOTAL];
	int ngot[ORDER_RECEIVERS];
	int err;
};

struct order_arg {
	struct order_run *run;
	int idx;
};

static void *order_sender(void *p)
{
	struct order_arg *arg = p;
	struct order_run *run = arg->run;
	struct order_msg msg = { .sender = arg->idx };
	uint64_t to;
	int i, r;

	for (i = 0; i < ORDER_MSGS; i++) {
		r = run->plan[arg->idx][i];
		to = r < 0 ? BUS_MULTICAST(TEST_PREFIX) : run->rcv[r].addr;
		msg.seq = i;
		if (bus_send(run->snd[arg->idx].fd, to, &msg, sizeof(msg), 0) !=
		    sizeof(msg))
			__atomic_store_n(&run->err, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *order_receiver(void *p)
{
	struct order_arg *arg = p;
	struct order_run *run = arg->run;
	struct order_msg msg;
	int r = arg->idx;

	while (run->ngot[r] < run->expect[r]) {
		if (bus_recv(run->rcv[r].fd, NULL, &msg, sizeof(msg), 0) !=
		    sizeof(msg) || msg.sender >= ORDER_SENDERS ||
		    msg.seq >= ORDER_MSGS) {
			__atomic_store_n(&run->err, 2, __ATOMIC_RELAXED);
			break;
		}
		run->got[r][run->ngot[r]++] = msg.sender * ORDER_MSGS + msg.seq;
	}
	return NULL;
}

/*
 * Every receiver must see the messages it got from one sender in send order,
 * and any two receivers must agree on the order of the messages both got.
 */
static int order_check(struct order_run *run, int *pos_a, int *pos_b)
{
	int a, b, i, m, last;

	for (a = 0; a < ORDER_RECEIVERS; a++) {
		int seen[ORDER_SENDERS];

		memset(seen, 0xff, sizeof(seen));
		for (i = 0; i < run->ngot[a]; i++) {
			m = run->got[a][i];
			if (m % ORDER_MSGS <= seen[m / ORDER_MSGS])
				return -1;
			seen[m / ORDER_MSGS] = m % ORDER_MSGS;
		}
	}
	for (a = 0; a < ORDER_RECEIVERS; a++) {
		for (b = a + 1; b < ORDER_RECEIVERS; b++) {
			memset(pos_a, 0xff, ORDER_TOTAL * sizeof(int));
			memset(pos_b, 0xff, ORDER_TOTAL * sizeof(int));
			for (i = 0; i < run->ngot[a]; i++)
				pos_a[run->got[a][i]] = i;
			for (i = 0; i < run->ngot[b]; i++)
				pos_b[run->got[b][i]] = i;
			last = -1;
			for (i = 0; i < run->ngot[a]; i++) {
				m = run->got[a][i];
				if (pos_b[m] < 0)
					continue;
				if (pos_b[m] < last)
					return -(10 + a * ORDER_RECEIVERS + b);
				last = pos_b[m];
			}
		}
	}
	return 0;
}

TEST_F_TIMEOUT(bus, total_order, 120)
{
	static struct order_run run;
	static int pos_a[ORDER_TOTAL], pos_b[ORDER_TOTAL];
	struct order_arg sargs[ORDER_SENDERS], rargs[ORDER_RECEIVERS];
	pthread_t st[ORDER_SENDERS], rt[ORDER_RECEIVERS];
	struct timeval tv = { .tv_sec = 20 };
	unsigned int seed = 1;
	struct bus_master m;
	int s, r, i, ncast = 0;

	ASSERT_EQ(0, bus_master_open(&m, false, 8, 0));
	for (r = 0; r < ORDER_RECEIVERS; r++) {
		ASSERT_EQ(0, bus_peer_connect(&m, &run.rcv[r], true));
		ASSERT_EQ(0, bus_add_addr(run.rcv[r].ctl,
					  BUS_ADDR(TEST_PREFIX, r + 1)));
		ASSERT_EQ(0, setsockopt(run.rcv[r].fd, SOL_SOCKET, SO_RCVTIMEO,
					&tv, sizeof(tv)));
	}
	for (s = 0; s < ORDER_SENDERS; s++) {
		ASSERT_EQ(0, bus_peer_connect(&m, &run.snd[s], true));
		for (i = 0; i < ORDER_MSGS; i++) {
			r = rand_r(&seed) % (ORDER_RECEIVERS + 2) - 2;
			run.plan[s][i] = r < 0 ? -1 : r;
			if (r < 0)
				ncast++;
			else
				run.expect[r]++;
		}
	}
	for (r = 0; r < ORDER_RECEIVERS; r++) {
		run.expect[r] += ncast;
		rargs[r] = (struct order_arg){ .run = &run, .idx = r };
		ASSERT_EQ(0, pthread_create(&rt[r], NULL, order_receiver,
					    &rargs[r]));
	}
	for (s = 0; s < ORDER_SENDERS; s++) {
		sargs[s] = (struct order_arg){ .run = &run, .idx = s };
		ASSERT_EQ(0, pthread_create(&st[s], NULL, order_sender,
					    &sargs[s]));
	}
	for (s = 0; s < ORDER_SENDERS; s++)
		pthread_join(st[s], NULL);
	for (r = 0; r < ORDER_RECEIVERS; r++)
		pthread_join(rt[r], NULL);

	EXPECT_EQ(0, run.err);
	for (r = 0; r < ORDER_RECEIVERS; r++) {
		EXPECT_EQ(run.expect[r], run.ngot[r]);
		EXPECT_EMPTY(run.rcv[r].fd);
	}
	EXPECT_EQ(0, order_check(&run, pos_a, pos_b));

	for (r = 0; r < ORDER_RECEIVERS; r++)
		bus_peer_close(&run.rcv[r]);
	for (s = 0; s < ORDER_SENDERS; s++)
		bus_peer_close(&run.snd[s]);
	bus_master_close(&m);
}

/* ------------------------------------------------------------------ */
/* All-or-nothing multicast, and no head-of-line blocking             */
/* ------------------------------------------------------------------ */

/* p1 and p2 hold an address in TEST_PREFIX; p2's queue is full. */
static int group_with_full_member(struct bus_peer *p)
{
	int err;

	err = bus_add_addr(p[1].ctl, BUS_ADDR(TEST_PREFIX, 1));
	if (!err)
		err = bus_add_addr(p[2].ctl, BUS_ADDR(TEST_PREFIX, 2));
	if (err)
		return err;
	return bus_fill(p[3].fd, p[2].addr);
}

TEST_F(bus, all_or_nothing_nonblocking)
{
	uint64_t group = BUS_MULTICAST(TEST_PREFIX);
	int qlen;

	ASSERT_EQ(BUS_DEFAULT_MAXQLEN, group_with_full_member(self->p));
	ASSERT_EQ(0, bus_get_int(self->p[2].fd, BUS_GET_QLEN, &qlen));
	EXPECT_EQ(BUS_DEFAULT_MAXQLEN, qlen);

	EXPECT_EQ(-EAGAIN, bus_send(self->p[0].fd, group, "m", 1, MSG_DONTWAIT));
	EXPECT_EQ(-EAGAIN, bus_send(self->p[0].fd, BUS_MULTICAST(0), "m", 1,
				    MSG_DONTWAIT));
	EXPECT_EMPTY(self->p[1].fd);
	EXPECT_EMPTY(self->p[3].fd);
	EXPECT_EMPTY(self->p[0].ctl);
	ASSERT_EQ(0, bus_get_int(self->p[2].fd, BUS_GET_QLEN, &qlen));
	EXPECT_EQ(BUS_DEFAULT_MAXQLEN, qlen);

	/* Room for one: it goes to both. */
	ASSERT_LE(0, bus_recv(self->p[2].fd, NULL, &qlen, sizeof(qlen), 0));
	EXPECT_EQ(1, bus_send(self->p[0].fd, group, "m", 1, MSG_DONTWAIT));
	EXPECT_ONE_FROM(self->p[1].fd, self->p[0].addr, 1);
	EXPECT_EQ(BUS_DEFAULT_MAXQLEN, bus_drain(self->p[2].fd));
}

struct blocked_send {
	int fd;
	uint64_t to;
	ssize_t ret;
	int done;
};

static void *blocked_send_fn(void *p)
{
	struct blocked_send *bs = p;

	bs->ret = bus_send(bs->fd, bs->to, "b", 1, 0);
	__atomic_store_n(&bs->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

TEST_F(bus, all_or_nothing_blocking)
{
	struct blocked_send bs = {
		.fd = self->p[0].fd, .to = BUS_MULTICAST(TEST_PREFIX),
	};
	struct timeval tv = { .tv_usec = 200000 };
	uint64_t t0, from;
	pthread_t th;
	char buf[8];
	int i;

	ASSERT_EQ(BUS_DEFAULT_MAXQLEN, group_with_full_member(self->p));

	/* SO_SNDTIMEO bounds the wait; then nothing was delivered. */
	ASSERT_EQ(0, setsockopt(bs.fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
				sizeof(tv)));
	t0 = now_ns();
	EXPECT_EQ(-EAGAIN, bus_send(bs.fd, bs.to, "t", 1, 0));
	EXPECT_LE(150000000ULL, now_ns() - t0);
	EXPECT_EQ(-EAGAIN, bus_send(bs.fd, self->p[2].addr, "t", 1, 0));
	EXPECT_EMPTY(self->p[1].fd);

	/* Without a timeout it waits until the full receiver reads. */
	tv.tv_usec = 0;
	ASSERT_EQ(0, setsockopt(bs.fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
				sizeof(tv)));
	ASSERT_EQ(0, pthread_create(&th, NULL, blocked_send_fn, &bs));
	usleep(300000);
	EXPECT_EQ(0, __atomic_load_n(&bs.done, __ATOMIC_ACQUIRE));
	EXPECT_EMPTY(self->p[1].fd);
	ASSERT_LE(0, bus_recv(self->p[2].fd, NULL, buf, sizeof(buf), 0));
	pthread_join(th, NULL);
	EXPECT_EQ(1, bs.ret);
	EXPECT_ONE_FROM(self->p[1].fd, self->p[0].addr, 1);

	/* The multicast is the last in p2's queue, after the fill. */
	for (i = 1; i < BUS_DEFAULT_MAXQLEN; i++)
		ASSERT_EQ(4, bus_recv(self->p[2].fd, &from, buf, sizeof(buf),
				      MSG_DONTWAIT));
	EXPECT_ONE_FROM(self->p[2].fd, self->p[0].addr, 1);
}

TEST_F(bus, no_head_of_line_blocking)
{
	int qlen_dummy;

	ASSERT_EQ(BUS_DEFAULT_MAXQLEN, group_with_full_member(self->p));

	/*
	 * p2 is full and not reading: the others still talk, at once, and
	 * POLLOUT stays up on every socket that did not try to reach p2.
	 */
	EXPECT_TRUE(bus_poll(self->p[0].fd, POLLOUT, 0) & POLLOUT);
	EXPECT_TRUE(bus_poll(self->p[1].fd, POLLOUT, 0) & POLLOUT);
	EXPECT_EQ(-EAGAIN, bus_send(self->p[0].fd, self->p[2].addr, "x", 1,
				    MSG_DONTWAIT));
	EXPECT_EQ(0, bus_poll(self->p[0].fd, POLLOUT, 0));
	EXPECT_TRUE(bus_poll(self->p[1].fd, POLLOUT, 0) & POLLOUT);
	EXPECT_EQ(1, bus_send(self->p[0].fd, self->p[1].addr, "u", 1,
			      MSG_DONTWAIT));
	EXPECT_ONE_FROM(self->p[1].fd, self->p[0].addr, 1);
	EXPECT_EQ(1, bus_send(self->p[3].fd, self->p[1].addr, "u", 1,
			      MSG_DONTWAIT));
	EXPECT_ONE_FROM(self->p[1].fd, self->p[3].addr, 1);
	EXPECT_EQ(1, bus_send(self->p[1].fd, self->p[0].addr, "u", 1,
			      MSG_DONTWAIT));
	EXPECT_ONE_FROM(self->p[0].fd, self->p[1].addr, 1);
	/* and the master too. */
	EXPECT_EQ(1, bus_send(self->p[0].fd, BUS_MASTER_ADDR, "u", 1,
			      MSG_DONTWAIT));
	EXPECT_ONE_FROM(self->p[0].ctl, self->p[0].addr, 1);

	/* Room in p2 raises POLLOUT on the sender that was stuck. */
	ASSERT_LE(0, bus_recv(self->p[2].fd, NULL, &qlen_dummy, 4, 0));
	EXPECT_TRUE(bus_poll(self->p[0].fd, POLLOUT, BUS_WAIT_MS) & POLLOUT);
	EXPECT_EQ(1, bus_send(self->p[0].fd, self->p[2].addr, "x", 1,
			      MSG_DONTWAIT));
}

struct delayed_recv {
	int fd;
	int delay_us;
};

static void *delayed_recv_fn(void *p)
{
	struct delayed_recv *dr = p;
	char buf[8];

	usleep(dr->delay_us);
	bus_recv(dr->fd, NULL, buf, sizeof(buf), 0);
	return NULL;
}

/*
 * A poller asleep when the full receiver reads is woken with POLLOUT: by
 * poll(), and by epoll when EPOLLOUT was only added with EPOLL_CTL_MOD
 * after the send failed (epoll does not register wait queues anew then).
 */
TEST_F(bus, pollout_wakes_sleeping_poller)
{
	struct delayed_recv dr = { .fd = self->p[2].fd, .delay_us = 200000 };
	struct epoll_event ev = { .events = EPOLLIN };
	int a = self->p[0].fd, ep, round;
	uint64_t t0;
	pthread_t th;

	ASSERT_EQ(BUS_DEFAULT_MAXQLEN, group_with_full_member(self->p));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev));
	for (round = 0; round < 2; round++) {
		EXPECT_EQ(-EAGAIN, bus_send(a, self->p[2].addr, "x", 1,
					    MSG_DONTWAIT));
		ASSERT_EQ(0, pthread_create(&th, NULL, delayed_recv_fn, &dr));
		t0 = now_ns();
		if (round == 0) {
			EXPECT_EQ(POLLOUT, bus_poll(a, POLLOUT, BUS_WAIT_MS));
		} else {
			ev.events = EPOLLIN | EPOLLOUT;
			ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_MOD, a, &ev));
			EXPECT_EQ(1, epoll_wait(ep, &ev, 1, BUS_WAIT_MS));
			EXPECT_EQ((uint32_t)EPOLLOUT, ev.events);
		}
		/* woken by the read, well before the timeout */
		EXPECT_GT((BUS_WAIT_MS - 1000) * 1000000ULL, now_ns() - t0);
		pthread_join(th, NULL);
		EXPECT_EQ(1, bus_send(a, self->p[2].addr, "x", 1,
				      MSG_DONTWAIT));
		if (round == 0) {
			ev.events = EPOLLIN;
			ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_MOD, a, &ev));
		}
	}
	close(ep);
	EXPECT_EQ(BUS_DEFAULT_MAXQLEN, bus_drain(self->p[2].fd));
}

/* ------------------------------------------------------------------ */
/* fd and credential passing                                          */
/* ------------------------------------------------------------------ */

TEST_F(bus, scm_rights_unicast)
{
	int pipefd[2], fd;
	char buf[8];

	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(1, bus_send_fd(self->p[0].fd, self->p[1].addr, "f", 1,
				 pipefd[0]));
	close(pipefd[0]);
	EXPECT_EQ(1, bus_recv_fd(self->p[1].fd, buf, sizeof(buf), &fd));
	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
	EXPECT_EQ(3, write(pipefd[1], "abc", 3));
	EXPECT_EQ(3, read(fd, buf, sizeof(buf)));
	close(fd);
	close(pipefd[1]);
}

TEST_F(bus, scm_rights_multicast_copies)
{
	int pipefd[2], fd1, fd2;
	struct stat st1, st2;
	char buf[8];

	ASSERT_EQ(0, bus_add_addr(self->p[1].ctl, BUS_ADDR(TEST_PREFIX, 1)));
	ASSERT_EQ(0, bus_add_addr(self->p[2].ctl, BUS_ADDR(TEST_PREFIX, 2)));
	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(1, bus_send_fd(self->p[0].fd, BUS_MULTICAST(TEST_PREFIX),
				 "f", 1, pipefd[1]));
	close(pipefd[1]);
	EXPECT_EQ(1, bus_recv_fd(self->p[1].fd, buf, sizeof(buf), &fd1));
	EXPECT_EQ(1, bus_recv_fd(self->p[2].fd, buf, sizeof(buf), &fd2));
	ASSERT_LE(0, fd1);
	ASSERT_LE(0, fd2);
	EXPECT_NE(fd1, fd2);
	ASSERT_EQ(0, fstat(fd1, &st1));
	ASSERT_EQ(0, fstat(fd2, &st2));
	EXPECT_EQ(st1.st_ino, st2.st_ino);

	/* Each receiver's copy lives on its own. */
	EXPECT_EQ(1, write(fd1, "1", 1));
	close(fd1);
	EXPECT_EQ(1, write(fd2, "2", 1));
	close(fd2);
	EXPECT_EQ(2, read(pipefd[0], buf, sizeof(buf)));
	EXPECT_EQ(0, read(pipefd[0], buf, sizeof(buf)));
	close(pipefd[0]);
}

static int recv_creds(int fd, struct ucred *uc)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} control;
	char data[16];
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg;

	if (recvmsg(fd, &msg, MSG_DONTWAIT) < 0)
		return -errno;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level == SOL_SOCKET &&
		    cmsg->cmsg_type == SCM_CREDENTIALS) {
			memcpy(uc, CMSG_DATA(cmsg), sizeof(*uc));
			return 0;
		}
	}
	return -ENOMSG;
}

TEST_F(bus, scm_credentials)
{
	struct ucred uc;
	int one = 1;

	/* Without SO_PASSCRED, no credentials. */
	EXPECT_EQ(1, bus_send(self->p[0].fd, self->p[1].addr, "c", 1, 0));
	EXPECT_EQ(-ENOMSG, recv_creds(self->p[1].fd, &uc));

	ASSERT_EQ(0, setsockopt(self->p[1].fd, SOL_SOCKET, SO_PASSCRED, &one,
				sizeof(one)));
	ASSERT_EQ(0, setsockopt(self->p[2].fd, SOL_SOCKET, SO_PASSCRED, &one,
				sizeof(one)));
	EXPECT_EQ(1, bus_send(self->p[0].fd, self->p[1].addr, "c", 1, 0));
	ASSERT_EQ(0, recv_creds(self->p[1].fd, &uc));
	EXPECT_EQ(getpid(), uc.pid);
	EXPECT_EQ(getuid(), uc.uid);
	EXPECT_EQ(getgid(), uc.gid);

	/* Multicast: every receiver that asked gets them. */
	ASSERT_EQ(0, bus_add_addr(self->p[1].ctl, BUS_ADDR(TEST_PREFIX, 1)));
	ASSERT_EQ(0, bus_add_addr(self->p[2].ctl, BUS_ADDR(TEST_PREFIX, 2)));
	EXPECT_EQ(1, bus_send(self->p[3].fd, BUS_MULTICAST(TEST_PREFIX), "c",
			      1, 0));
	ASSERT_EQ(0, recv_creds(self->p[1].fd, &uc));
	EXPECT_EQ(getpid(), uc.pid);
	ASSERT_EQ(0, recv_creds(self->p[2].fd, &uc));
	EXPECT_EQ(getpid(), uc.pid);
}

TEST_F(bus, so_peercred)
{
	struct bus_peer q = { .fd = -1 };
	int go[2], status, ctl;
	struct ucred uc;
	socklen_t len;
	pid_t pid;

	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char c;

		q.fd = bus_socket(BUS_PROTO_NONE);
		if (q.fd < 0 || connect(q.fd, (struct sockaddr *)&self->m.sa,
					self->m.salen))
			_exit(1);
		len = sizeof(uc);
		if (getsockopt(q.fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) ||
		    uc.pid != getppid() || uc.uid != getuid())
			_exit(2);
		close(go[1]);
		if (read(go[0], &c, 1) < 0)
			_exit(3);
		_exit(0);
	}
	close(go[0]);
	ctl = accept(self->m.listen_fd, NULL, NULL);
	ASSERT_LE(0, ctl);
	len = sizeof(uc);
	ASSERT_EQ(0, getsockopt(ctl, SOL_SOCKET, SO_PEERCRED, &uc, &len));
	EXPECT_EQ(pid, uc.pid);
	EXPECT_EQ(getuid(), uc.uid);
	EXPECT_EQ(getgid(), uc.gid);
	close(go[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(ctl);
}

/*
 * No reference cycle may go through an AF_BUS queue: AF_UNIX and AF_BUS
 * sockets are refused in SCM_RIGHTS (EOPNOTSUPP), with nothing delivered.
 */
TEST_F(bus, scm_rights_refuses_sockets)
{
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	EXPECT_EQ(-EOPNOTSUPP, bus_send_fd(self->p[0].fd, self->p[1].addr,
					   "s", 1, self->p[0].fd));
	EXPECT_EQ(-EOPNOTSUPP, bus_send_fd(self->p[0].fd, self->p[1].addr,
					   "s", 1, self->p[2].fd));
	EXPECT_EQ(-EOPNOTSUPP, bus_send_fd(self->p[0].fd, self->p[1].addr,
					   "s", 1, sv[0]));
	EXPECT_EQ(-EOPNOTSUPP, bus_send_fd(self->p[0].ctl, self->p[0].addr,
					   "s", 1, self->m.listen_fd));
	EXPECT_EMPTY(self->p[1].fd);
	EXPECT_EMPTY(self->p[0].fd);
	close(sv[0]);
	close(sv[1]);
}

/* Wait until @ctl may take @addr, i.e. its previous holder is gone. */
static int wait_addr_free(int ctl, uint64_t addr)
{
	int i, err = -EADDRINUSE;

	for (i = 0; i < BUS_WAIT_MS / 10 && err == -EADDRINUSE; i++) {
		err = bus_add_addr(ctl, addr);
		if (err == -EADDRINUSE)
			usleep(10000);
	}
	return err;
}

/*
 * An AF_BUS socket may travel over AF_UNIX. Caught in an AF_UNIX cycle
 * that nothing else references, AF_UNIX's collector must free it, and the
 * bus must then see the peer leave: its handle hangs up, its name is free.
 */
TEST_F(bus, scm_rights_cycle_via_af_unix)
{
	uint64_t name = BUS_ADDR(TEST_PREFIX, 11);
	struct bus_peer x;
	int sv[2];
	char buf[8];

	ASSERT_EQ(0, bus_peer_connect(&self->m, &x, true));
	ASSERT_EQ(0, bus_add_addr(x.ctl, name));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));

	/* sv[0] and x in sv[1]'s queue, sv[1] in sv[0]'s. */
	EXPECT_EQ(1, bus_send_fd(sv[0], 0, "a", 1, sv[0]));
	EXPECT_EQ(1, bus_send_fd(sv[0], 0, "x", 1, x.fd));
	EXPECT_EQ(1, bus_send_fd(sv[1], 0, "b", 1, sv[1]));
	close(x.fd);
	close(sv[0]);
	close(sv[1]);
	/* 6.1's AF_UNIX collects when some AF_UNIX socket is released. */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	close(sv[0]);
	close(sv[1]);

	EXPECT_EQ(0, wait_addr_free(self->p[1].ctl, name));
	EXPECT_TRUE(bus_poll(x.ctl, POLLIN, BUS_WAIT_MS) & POLLHUP);
	EXPECT_EQ(0, bus_recv(x.ctl, NULL, buf, sizeof(buf), MSG_DONTWAIT));
	close(x.ctl);
}

int main(int argc, char **argv)
{
	return bus_test_main(argc, argv);
}
