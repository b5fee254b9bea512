// SPDX-License-Identifier: GPL-2.0
/*
 * AF_BUS under load, for the debug kernel (KASAN, lockdep, kmemleak): for a
 * bounded time, multicast and unicast senders run against STABLE receivers
 * while churners connect, get joined and named, read a little, send noise
 * and disconnect, some with messages still queued. Then every stable
 * receiver must have seen every sender's messages without loss and in send
 * order, and all of them the same order of multicasts.
 *
 * AF_BUS_STRESS_SECONDS in the environment changes the duration (default
 * STRESS_SECONDS).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/time.h>

#include "af_bus_fixture.h"

#define STRESS_SECONDS	20
#define STABLE		32
#define MCAST_SENDERS	3
#define UCAST_SENDERS	3
#define CHURNERS	4
#define MAXQLEN		16

enum { MSG_DATA, MSG_END, MSG_NOISE };

struct stress_msg {
	uint32_t sender;
	uint32_t kind;
	uint64_t seq;
};

struct stable_state {
	struct bus_peer p;
	uint64_t mnext[MCAST_SENDERS];	/* next multicast seq per sender */
	uint64_t unext[UCAST_SENDERS];	/* next unicast seq per sender */
	uint64_t order_hash;		/* of every multicast, in order */
	uint64_t mcasts;
	int ends;
	int err;
};

static struct stress {
	struct bus_master m;
	struct stable_state rcv[STABLE];
	struct bus_peer snd[MCAST_SENDERS + UCAST_SENDERS];
	uint64_t usent[UCAST_SENDERS][STABLE];
	uint64_t deadline;
	pthread_mutex_t accept_lock;
	int churners_done, churn_cycles, errors;
} st;

static void stress_fail(const char *what, long val)
{
	fprintf(stderr, "# stress: %s (%ld)\n", what, val);
	__atomic_add_fetch(&st.errors, 1, __ATOMIC_RELAXED);
}

static bool running(void)
{
	return now_ns() < st.deadline;
}

/*
 * Senders send their END markers only once the churners are gone, so that
 * no noise can follow the last marker a receiver waits for.
 */
static void wait_for_churners(void)
{
	while (!__atomic_load_n(&st.churners_done, __ATOMIC_ACQUIRE))
		usleep(1000);
}

static void *mcast_sender(void *arg)
{
	int idx = (long)arg;
	struct stress_msg msg = { .sender = idx, .kind = MSG_DATA };
	ssize_t n;

	for (msg.seq = 0; running(); msg.seq++) {
		n = bus_send(st.snd[idx].fd, BUS_MULTICAST(TEST_PREFIX), &msg,
			     sizeof(msg), 0);
		if (n != sizeof(msg)) {
			stress_fail("multicast send", n);
			break;
		}
	}
	wait_for_churners();
	msg.kind = MSG_END;
	n = bus_send(st.snd[idx].fd, BUS_MULTICAST(TEST_PREFIX), &msg,
		     sizeof(msg), 0);
	if (n != sizeof(msg))
		stress_fail("multicast end", n);
	return NULL;
}

static void *ucast_sender(void *arg)
{
	int idx = (long)arg, fd = st.snd[MCAST_SENDERS + idx].fd, r;
	struct stress_msg msg = { .sender = idx, .kind = MSG_DATA };
	unsigned int seed = idx + 100;
	ssize_t n;

	while (running()) {
		r = rand_r(&seed) % STABLE;
		msg.seq = st.usent[idx][r]++;
		n = bus_send(fd, st.rcv[r].p.addr, &msg, sizeof(msg), 0);
		if (n != sizeof(msg)) {
			stress_fail("unicast send", n);
			break;
		}
	}
	wait_for_churners();
	msg.kind = MSG_END;
	for (r = 0; r < STABLE; r++) {
		msg.seq = st.usent[idx][r];
		n = bus_send(fd, st.rcv[r].p.addr, &msg, sizeof(msg), 0);
		if (n != sizeof(msg))
			stress_fail("unicast end", n);
	}
	return NULL;
}

/* Multicasts carry sender + MCAST_SENDERS.., noise from churners 1000.. */
static void stable_multicast(struct stable_state *s, struct stress_msg *msg)
{
	s->order_hash = (s->order_hash ^ ((uint64_t)msg->sender << 40 ^ msg->seq))
			* 0x100000001b3ULL;
	s->mcasts++;
	if (msg->kind == MSG_NOISE)
		return;
	if (msg->sender >= MCAST_SENDERS || msg->seq != s->mnext[msg->sender]) {
		s->err = 1;
		return;
	}
	if (msg->kind == MSG_END)
		s->ends++;
	else
		s->mnext[msg->sender]++;
}

static void stable_unicast(struct stable_state *s, struct stress_msg *msg,
			   int r)
{
	if (msg->kind == MSG_NOISE)
		return;
	if (msg->sender >= UCAST_SENDERS || msg->seq != s->unext[msg->sender]) {
		s->err = 2;
		return;
	}
	if (msg->kind == MSG_END) {
		s->ends++;
		if (msg->seq != st.usent[msg->sender][r])
			s->err = 3;
	} else {
		s->unext[msg->sender]++;
	}
}

static void *stable_receiver(void *arg)
{
	int r = (long)arg;
	struct stable_state *s = &st.rcv[r];
	struct stress_msg msg;
	uint64_t from;
	ssize_t n;
	int i;

	while (s->ends < MCAST_SENDERS + UCAST_SENDERS && !s->err) {
		n = bus_recv(s->p.fd, &from, &msg, sizeof(msg), 0);
		if (n != sizeof(msg)) {
			stress_fail("stable receive", n);
			s->err = 4;
			break;
		}
		for (i = 0; i < MCAST_SENDERS + UCAST_SENDERS; i++)
			if (from == st.snd[i].addr)
				break;
		if (msg.kind == MSG_NOISE ? msg.sender >= 1000 &&
		    (msg.seq & 1) : i < MCAST_SENDERS)
			stable_multicast(s, &msg);
		else
			stable_unicast(s, &msg, r);
	}
	return NULL;
}

static int churn_connect(struct bus_peer *p, unsigned int *seed, int id)
{
	int err;

	pthread_mutex_lock(&st.accept_lock);
	err = bus_peer_connect(&st.m, p, false);
	pthread_mutex_unlock(&st.accept_lock);
	if (err)
		return err;
	if (rand_r(seed) % 4 == 0)
		return 0;	/* stays unjoined */
	err = bus_join(p->ctl);
	if (!err && rand_r(seed) % 4)
		err = bus_add_addr(p->ctl, BUS_ADDR(TEST_PREFIX, 1000000 + id));
	return err;
}

static void *churner(void *arg)
{
	int idx = (long)arg, id = idx, err, i;
	struct stress_msg msg = { .sender = 1000 + idx, .kind = MSG_NOISE };
	unsigned int seed = idx + 1000;
	struct bus_peer p;
	uint64_t until;

	while (running()) {
		id += CHURNERS;
		err = churn_connect(&p, &seed, id);
		if (err) {
			stress_fail("churn connect", err);
			break;
		}
		until = now_ns() + (rand_r(&seed) % 200) * 1000000ULL;
		if (until > st.deadline)
			until = st.deadline;
		for (i = 0; now_ns() < until; i++) {
			bus_poll(p.fd, POLLIN, 5);
			bus_drain(p.fd);
			if (i % 8)
				continue;
			/* Odd seq: multicast noise; even: unicast noise. */
			msg.seq = (uint64_t)id << 16 | (i & 0xfffe) |
				  (rand_r(&seed) & 1);
			bus_send(p.fd, msg.seq & 1 ? BUS_MULTICAST(TEST_PREFIX) :
				 st.rcv[rand_r(&seed) % STABLE].p.addr,
				 &msg, sizeof(msg), MSG_DONTWAIT);
		}
		/* Leave with whatever is queued, closing either end first. */
		if (rand_r(&seed) & 1) {
			close(p.fd);
			close(p.ctl);
		} else {
			close(p.ctl);
			close(p.fd);
		}
		__atomic_add_fetch(&st.churn_cycles, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

TEST_F_TIMEOUT(bus, stress, 240)
{
	pthread_t rt[STABLE], mt[MCAST_SENDERS], ut[UCAST_SENDERS], ct[CHURNERS];
	struct timeval tv = { .tv_sec = 60 };
	const char *env = getenv("AF_BUS_STRESS_SECONDS");
	int secs = env ? atoi(env) : STRESS_SECONDS;
	long i;

	ASSERT_EQ(0, bus_master_open(&st.m, false, MAXQLEN, 0));
	pthread_mutex_init(&st.accept_lock, NULL);
	for (i = 0; i < STABLE; i++) {
		ASSERT_EQ(0, bus_peer_connect(&st.m, &st.rcv[i].p, true));
		ASSERT_EQ(0, bus_add_addr(st.rcv[i].p.ctl,
					  BUS_ADDR(TEST_PREFIX, i + 1)));
		ASSERT_EQ(0, setsockopt(st.rcv[i].p.fd, SOL_SOCKET, SO_RCVTIMEO,
					&tv, sizeof(tv)));
	}
	for (i = 0; i < MCAST_SENDERS + UCAST_SENDERS; i++) {
		ASSERT_EQ(0, bus_peer_connect(&st.m, &st.snd[i], true));
		ASSERT_EQ(0, setsockopt(st.snd[i].fd, SOL_SOCKET, SO_SNDTIMEO,
					&tv, sizeof(tv)));
	}

	st.deadline = now_ns() + secs * 1000000000ULL;
	for (i = 0; i < STABLE; i++)
		ASSERT_EQ(0, pthread_create(&rt[i], NULL, stable_receiver,
					    (void *)i));
	for (i = 0; i < CHURNERS; i++)
		ASSERT_EQ(0, pthread_create(&ct[i], NULL, churner, (void *)i));
	for (i = 0; i < MCAST_SENDERS; i++)
		ASSERT_EQ(0, pthread_create(&mt[i], NULL, mcast_sender,
					    (void *)i));
	for (i = 0; i < UCAST_SENDERS; i++)
		ASSERT_EQ(0, pthread_create(&ut[i], NULL, ucast_sender,
					    (void *)i));

	for (i = 0; i < CHURNERS; i++)
		pthread_join(ct[i], NULL);
	__atomic_store_n(&st.churners_done, 1, __ATOMIC_RELEASE);
	for (i = 0; i < MCAST_SENDERS; i++)
		pthread_join(mt[i], NULL);
	for (i = 0; i < UCAST_SENDERS; i++)
		pthread_join(ut[i], NULL);
	for (i = 0; i < STABLE; i++)
		pthread_join(rt[i], NULL);

	TH_LOG("%d s: %lu multicasts per receiver, %d churn cycles",
	       secs, (unsigned long)st.rcv[0].mcasts, st.churn_cycles);
	EXPECT_EQ(0, st.errors);
	EXPECT_LT(0, st.churn_cycles);
	for (i = 0; i < STABLE; i++) {
		struct stable_state *s = &st.rcv[i];

		EXPECT_EQ(0, s->err) TH_LOG("receiver %ld", i);
		EXPECT_EQ(MCAST_SENDERS + UCAST_SENDERS, s->ends);
		EXPECT_EQ(st.rcv[0].mcasts, s->mcasts);
		EXPECT_EQ(st.rcv[0].order_hash, s->order_hash)
			TH_LOG("receiver %ld saw another multicast order", i);
		EXPECT_EMPTY(s->p.fd);
		bus_peer_close(&s->p);
	}
	EXPECT_LT((uint64_t)0, st.rcv[0].mnext[0]);
	for (i = 0; i < MCAST_SENDERS + UCAST_SENDERS; i++)
		bus_peer_close(&st.snd[i]);
	bus_master_close(&st.m);
}

int main(int argc, char **argv)
{
	return bus_test_main(argc, argv);
}
