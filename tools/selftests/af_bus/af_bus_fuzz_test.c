// SPDX-License-Identifier: GPL-2.0
/*
 * Randomised syscall stress for AF_BUS and nfdbus's generic netlink family,
 * in the spirit of syzkaller, for the debug kernel (KASAN, lockdep, UBSAN,
 * panic_on_warn).
 *
 * The parent forks FUZZ_PROCS workers: half stay root, half drop to
 * nobody/nogroup with no capabilities. Each worker runs a number of threads
 * that pick random operations on a SHARED pool of file descriptors, so two
 * threads often act on the same socket at the same time (connect racing
 * getsockname, setsockopt, poll, close...): this is what finds races that
 * sequential tests never reach. Operations: socket, bind, listen, connect
 * (blocking with a short SO_SNDTIMEO, or not), accept, sendmsg (SCM_RIGHTS
 * with pipes, memfds and sockets, SCM_CREDENTIALS, odd iovecs and addresses,
 * sizes around BUS_MAX_MSGSIZE, D-Bus messages on BUS_PROTO_DBUS buses),
 * recvmsg, every SOL_BUS option both ways, getsockname/getpeername,
 * poll/epoll, SIOCINQ/SIOCOUTQ, shutdown, close, dup, O_NONBLOCK, and nfdbus
 * commands with random attributes.
 *
 * Buses are shared by name between the workers: a worker binds only the
 * names of its class (root or nobody) but connects to any, so peers and
 * masters live in different processes and credentials.
 *
 * What fails the test (besides any kernel report, which the guest harness
 * and panic_on_warn catch): a worker killed by a signal or still running at
 * the watchdog; a broken invariant (an AF_UNIX or AF_BUS socket carried by
 * SCM_RIGHTS, a receive longer than its buffer, a send longer than asked, a
 * bad pointer that did not fault, a foreign family from getsockname, nfdbus
 * obeying nobody on root's bus); file descriptors left open after a worker
 * closed its pool.
 *
 * Environment:
 *   AF_BUS_FUZZ_SEED     seed (decimal or 0x hex); default from the clock.
 *                        Printed first: the same seed replays the same
 *                        sequence of operations and arguments in every
 *                        thread; which socket an operation meets and how
 *                        threads interleave depend on timing, so a race
 *                        may take a few runs to come back.
 *   AF_BUS_FUZZ_SECONDS  duration of the random phase (default
 *                        FUZZ_DEFAULT_SECONDS: about 2-3 minutes in all in
 *                        the TCG debug guest).
 *   AF_BUS_FUZZ_THREADS  threads per worker (default FUZZ_DEFAULT_THREADS).
 *   AF_BUS_FUZZ_PROCS    workers (default FUZZ_DEFAULT_PROCS, even).
 *   AF_BUS_FUZZ_DISABLE  ops to leave out, comma-separated (op_names[]),
 *                        e.g. "getname" to get past a known getsockname
 *                        bug; "collide" stops the collider thread. Naming
 *                        all ops but one focuses a long run on it: "storm"
 *                        alone (blocking connects to a busy, full bus)
 *                        reached the connect warning of issue 20 in about
 *                        a minute where the full mix had not in two.
 *
 * Runs (from the top of the project):
 *   tools/vmtest/vmtest run --filter af_bus_fuzz          (CI length)
 * Longer, on demand, outside the kselftest timeout (settings), after one
 * `vmtest run` built the selftests:
 *   tools/vmtest/vmtest exec --variant debug --timeout 4000 -- /usr/bin/env \
 *       AF_BUS_FUZZ_SECONDS=3600 AF_BUS_FUZZ_SEED=0x1234 \
 *       $PWD/build/vmtest/kselftest-debug/af_bus/af_bus_fuzz_test
 * The debug kernel panics on any warning (panic_on_warn), so a kernel
 * report ends the run; build/vmtest/out-exec/console.log has it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "../kselftest.h"
#include "af_bus_fuzz.h"

#define FUZZ_DEFAULT_SECONDS	120
#define FUZZ_DEFAULT_THREADS	6
#define FUZZ_DEFAULT_PROCS	4
#define FUZZ_MAX_PROCS		16
#define FUZZ_MAX_THREADS	32

/* Small on purpose: a small pool makes threads meet on one socket. */
#define POOL_SLOTS		24
/* Bus names per class (root, nobody); a bus name is bound at most once. */
#define BUS_NAMES		3
#define ADDR_RING		64
/* Timeouts of every socket in the pool: blocking calls end in time. */
#define MAX_TIMEO_US		100000
/* How long a thread about to bind or connect waits for the collider to
 * be running, and how many calls the collider makes at most per race.
 */
#define RACE_WAIT_NS		2000000
#define COLLIDE_MAX		2000
/* Violations printed per worker; all are counted. */
#define VIOLATIONS_SHOWN	5

/* The operations, in the order of the weights below. */
enum fuzz_op {
	OP_SOCKET, OP_MASTER, OP_PEER, OP_BIND, OP_LISTEN, OP_CONNECT,
	OP_ACCEPT, OP_SEND, OP_RECV, OP_SETSOCKOPT, OP_GETSOCKOPT, OP_GETNAME,
	OP_POLL, OP_EPOLL, OP_IOCTL, OP_SHUTDOWN, OP_CLOSE, OP_DUP,
	OP_NONBLOCK, OP_NFDBUS, OP_PUMP, OP_REBIND, OP_STORM, OP_COLLIDE,
	OP_COUNT
};

/* op_weights less the ops AF_BUS_FUZZ_DISABLE names, and their sum;
 * set before the workers start.
 */
static unsigned int op_weight[OP_COUNT], op_weight_total;
static bool op_disabled[OP_COUNT];

static const char *const op_names[OP_COUNT] = {
	"socket", "master", "peer", "bind", "listen", "connect", "accept",
	"send", "recv", "setsockopt", "getsockopt", "getname", "poll", "epoll",
	"ioctl", "shutdown", "close", "dup", "nonblock", "nfdbus", "pump",
	"rebind", "storm", "collide",
};

/* Connect, accept, send and the racy readers dominate: that is where the
 * bugs were.
 */
static const unsigned int op_weights[OP_COUNT] = {
	[OP_SOCKET] = 3, [OP_MASTER] = 5, [OP_PEER] = 12, [OP_BIND] = 2,
	[OP_LISTEN] = 2, [OP_CONNECT] = 10, [OP_ACCEPT] = 8, [OP_SEND] = 14,
	[OP_RECV] = 10, [OP_SETSOCKOPT] = 8, [OP_GETSOCKOPT] = 6,
	[OP_GETNAME] = 10, [OP_POLL] = 3, [OP_EPOLL] = 3, [OP_IOCTL] = 3,
	[OP_SHUTDOWN] = 2, [OP_CLOSE] = 3, [OP_DUP] = 2, [OP_NONBLOCK] = 2,
	[OP_NFDBUS] = 4, [OP_PUMP] = 4, [OP_REBIND] = 2, [OP_STORM] = 2,
	[OP_COLLIDE] = 0,	/* the collider thread's only op */
};

/* What a worker reports to the parent, in memory shared across fork(). */
struct fuzz_report {
	int privileged;
	int fds_before, fds_after;
	int violations;
	int finished;
	char first_violation[200];
	uint64_t ops[OP_COUNT], ok[OP_COUNT];
	int cur_op[FUZZ_MAX_THREADS];	/* what each thread is in, for hangs */
};

struct fuzz_shared {
	uint64_t addrs[ADDR_RING];	/* addresses seen by any worker */
	unsigned int addr_next;
	struct fuzz_report rep[FUZZ_MAX_PROCS];
};

struct fuzz_config {
	uint64_t seed;
	int seconds, threads, procs;
	pid_t parent;
	char fs_dir[64];	/* 1777 directory for file system buses */
};

static struct fuzz_config cfg;
static struct fuzz_shared *shared;

/* ---- Per worker ---- */

/* What a slot holds, as far as its last user knew: a hint to aim
 * operations (accept at masters, send at connected sockets) and to evict
 * the least useful socket first.
 */
enum slot_kind { SLOT_EMPTY, SLOT_LOOSE, SLOT_CONNECTED, SLOT_MASTER };

struct pool_slot {
	pthread_rwlock_t lock;	/* read: use the fd; write: replace it */
	int fd;
	int kind;		/* enum slot_kind, read and written racily */
};

static struct {
	int idx;
	struct fuzz_report *rep;
	struct pool_slot pool[POOL_SLOTS];
	int hot;		/* the slot last bound or connected */
	bool have_collider;	/* thread 0 collides (with 2 threads or more) */
	sem_t race_sem;		/* wakes the collider: a race begins */
	int race_fd;		/* being bound or connected now, or -1 */
	pthread_mutex_t race_lock;	/* one race at a time */
	sem_t race_ack;		/* the collider is running */
	/* A bus the collider keeps busy during a connect: messages from
	 * race_tx to race_rx, an accept on race_listener now and then.
	 */
	int race_listener, race_tx, race_rx;
	unsigned int private_names;	/* for buses of one burst */
	int epfd[2];
	void *bad_page;		/* PROT_NONE: a pointer that faults */
	uint64_t deadline;
	pthread_mutex_t report_lock;
} w;

/* ---- Reporting ---- */

void violation(const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&w.report_lock);
	n = w.rep->violations++;
	if (!n)
		memcpy(w.rep->first_violation, msg, sizeof(msg));
	pthread_mutex_unlock(&w.report_lock);
	/* The first few, each in one write: workers share stdout. */
	if (n < VIOLATIONS_SHOWN)
		dprintf(STDOUT_FILENO, "# worker %d: VIOLATION: %s\n", w.idx,
			msg);
}

bool fuzz_privileged(void)
{
	return w.rep->privileged;
}

static void count_op(enum fuzz_op op, bool ok)
{
	__atomic_add_fetch(&w.rep->ops[op], 1, __ATOMIC_RELAXED);
	if (ok)
		__atomic_add_fetch(&w.rep->ok[op], 1, __ATOMIC_RELAXED);
}

static void remember_addr(uint64_t addr)
{
	unsigned int i = __atomic_fetch_add(&shared->addr_next, 1,
					    __ATOMIC_RELAXED);

	__atomic_store_n(&shared->addrs[i % ADDR_RING], addr, __ATOMIC_RELAXED);
}

static uint64_t recent_addr(struct fuzz_thread *t)
{
	return __atomic_load_n(&shared->addrs[rnd(t, ADDR_RING)],
			       __ATOMIC_RELAXED);
}

/* ---- The pool ---- */

/*
 * A slot to act on: a third of the time the one another thread is binding
 * or connecting right now, as syzkaller's collider runs calls in pairs;
 * the races that matter are on a socket changing role.
 */
static int pick_slot(struct fuzz_thread *t)
{
	if (one_in(t, 3))
		return __atomic_load_n(&w.hot, __ATOMIC_RELAXED);
	return rnd(t, POOL_SLOTS);
}

static void make_hot(int slot)
{
	__atomic_store_n(&w.hot, slot, __ATOMIC_RELAXED);
}

static int slot_kind(int slot)
{
	return __atomic_load_n(&w.pool[slot].kind, __ATOMIC_RELAXED);
}

static void set_kind(int slot, enum slot_kind kind)
{
	__atomic_store_n(&w.pool[slot].kind, kind, __ATOMIC_RELAXED);
}

/* Mostly a slot of @kind if there is one, else any. */
static int pick_slot_kind(struct fuzz_thread *t, enum slot_kind kind)
{
	int start = rnd(t, POOL_SLOTS), i;

	if (one_in(t, 3))
		return pick_slot(t);
	for (i = 0; i < POOL_SLOTS; i++)
		if (slot_kind((start + i) % POOL_SLOTS) == (int)kind)
			return (start + i) % POOL_SLOTS;
	return pick_slot(t);
}

/* Run @fn on a slot's fd (of @kind, mostly) held for reading. */
static int with_slot_kind(struct fuzz_thread *t, enum slot_kind kind,
			  int (*fn)(struct fuzz_thread *t, int fd))
{
	struct pool_slot *s = &w.pool[t->slot = pick_slot_kind(t, kind)];
	int ret;

	pthread_rwlock_rdlock(&s->lock);
	ret = fn(t, s->fd);	/* -1 too: EBADF is a case as well */
	pthread_rwlock_unlock(&s->lock);
	return ret;
}

/* Run @fn on a slot's fd with the slot held for reading. */
static int with_slot(struct fuzz_thread *t,
		     int (*fn)(struct fuzz_thread *t, int fd))
{
	struct pool_slot *s = &w.pool[t->slot = pick_slot(t)];
	int ret;

	pthread_rwlock_rdlock(&s->lock);
	ret = fn(t, s->fd);	/* -1 too: EBADF is a case as well */
	pthread_rwlock_unlock(&s->lock);
	return ret;
}

/*
 * Put @fd (of @kind) into the less useful of two random slots, closing
 * what was there: masters and connected sockets live long enough to be
 * used. Returns the slot.
 */
static struct pool_slot *install(struct fuzz_thread *t, int fd,
				 enum slot_kind kind)
{
	int a = rnd(t, POOL_SLOTS), b = rnd(t, POOL_SLOTS);
	struct pool_slot *s;

	t->slot = slot_kind(b) < slot_kind(a) ? b : a;
	s = &w.pool[t->slot];
	pthread_rwlock_wrlock(&s->lock);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = fd;
	s->kind = kind;
	pthread_rwlock_unlock(&s->lock);
	return s;
}

/*
 * Tell the collider thread which fd is about to change role, and give it
 * a moment to get running before the call it must overlap: it sleeps
 * until told, so the scheduler favours it, and this thread sleeps until
 * it says it runs. One race at a time; false if another is under way.
 */
static bool race_begin(int fd)
{
	uint64_t until = now_ns() + RACE_WAIT_NS;
	struct timespec ts = {
		.tv_sec = until / 1000000000ULL,
		.tv_nsec = until % 1000000000ULL,
	};

	if (!w.have_collider || pthread_mutex_trylock(&w.race_lock))
		return false;
	while (!sem_trywait(&w.race_ack))
		;	/* an acknowledgment that came too late last time */
	__atomic_store_n(&w.race_fd, fd, __ATOMIC_RELAXED);
	sem_post(&w.race_sem);
	sem_clockwait(&w.race_ack, CLOCK_MONOTONIC, &ts);
	return true;
}

/* The call is over: stop the collider. */
static void race_end(bool raced)
{
	if (!raced)
		return;
	__atomic_store_n(&w.race_fd, -1, __ATOMIC_RELAXED);
	__atomic_store_n(&w.race_listener, -1, __ATOMIC_RELAXED);
	__atomic_store_n(&w.race_tx, -1, __ATOMIC_RELAXED);
	__atomic_store_n(&w.race_rx, -1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&w.race_lock);
}

/* The same for a connect to the bus of @listener, which the collider
 * keeps busy through the connected pair @tx, @rx.
 */
static bool race_begin_busy(int fd, int listener, int tx, int rx)
{
	if (!race_begin(fd))
		return false;
	__atomic_store_n(&w.race_tx, tx, __ATOMIC_RELAXED);
	__atomic_store_n(&w.race_rx, rx, __ATOMIC_RELAXED);
	__atomic_store_n(&w.race_listener, listener, __ATOMIC_RELAXED);
	return true;
}

/* Close what @slot holds; false if it held nothing. */
static bool close_slot(int slot)
{
	struct pool_slot *s = &w.pool[slot];
	bool ok;

	pthread_rwlock_wrlock(&s->lock);
	ok = s->fd >= 0;
	if (ok)
		close(s->fd);
	s->fd = -1;
	s->kind = SLOT_EMPTY;
	pthread_rwlock_unlock(&s->lock);
	return ok;
}

/* Every socket gets bounded timeouts, so no blocking call holds its slot
 * (and the workers' exit) for long.
 */
static void set_timeouts(struct fuzz_thread *t, int fd)
{
	struct timeval snd = { .tv_usec = 1 + rnd(t, MAX_TIMEO_US) };
	struct timeval rcv = { .tv_usec = 1 + rnd(t, MAX_TIMEO_US) };

	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof(snd));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rcv, sizeof(rcv));
}

static void epoll_add(struct fuzz_thread *t, int fd)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLERR |
			  (one_in(t, 2) ? EPOLLET : 0) |
			  (one_in(t, 4) ? EPOLLONESHOT : 0),
		.data.u64 = rnd64(t),
	};

	epoll_ctl(w.epfd[rnd(t, 2)], EPOLL_CTL_ADD, fd, &ev);
}

/* ---- Addresses ---- */

/* The name of bus @k of a class: 'r' for root's, 'u' for nobody's. */
static socklen_t bus_name(struct sockaddr_bus *sa, char class, int k, bool fs)
{
	char path[BUS_PATH_MAX];

	if (fs) {
		snprintf(path, sizeof(path), "%s/%c%d", cfg.fs_dir, class, k);
		return bus_path_addr(sa, path, false);
	}
	snprintf(path, sizeof(path), "af_bus_fuzz-%d-%c%d", cfg.parent, class, k);
	return bus_path_addr(sa, path, true);
}

/* A bus path, well-formed most of the time. @bind: only of our own class,
 * so that a nobody worker never masters a root bus (see op_nfdbus).
 * *@proto (if not NULL) gets the protocol of buses of that name: odd
 * names are D-Bus buses, even ones raw.
 */
static socklen_t fuzz_path_proto(struct fuzz_thread *t,
				 struct sockaddr_bus *sa, bool bind, int *proto)
{
	char own = fuzz_privileged() ? 'r' : 'u';
	char class = bind || one_in(t, 2) ? own : (own == 'r' ? 'u' : 'r');
	int k = rnd(t, BUS_NAMES);
	socklen_t len = bus_name(sa, class, k, one_in(t, 5));

	if (proto)
		*proto = k & 1 ? BUS_PROTO_DBUS : BUS_PROTO_NONE;

	if (!one_in(t, 6))
		return len;
	switch (rnd(t, 8)) {
	case 0:		/* too short to hold a path */
		return rnd(t, SBUS_PATH_OFF + 1);
	case 1:		/* longer than any sockaddr */
		return sizeof(*sa) + 1 + rnd(t, 64);
	case 2:
		sa->sbus_family = one_in(t, 2) ? AF_UNIX : rnd(t, 65536);
		return len;
	case 3:
		sa->__sbus_pad[rnd(t, sizeof(sa->__sbus_pad))] = 1 + rnd(t, 255);
		return len;
	case 4:
		sa->sbus_addr.s_addr = rnd64(t);
		return len;
	case 5:		/* a full path with no NUL */
		memset(sa->sbus_path, 'a' + rnd(t, 26), BUS_PATH_MAX);
		return SBUS_PATH_OFF + BUS_PATH_MAX + rnd(t, 5);
	case 6:		/* the abstract name of nothing */
		return SBUS_PATH_OFF + one_in(t, 2);
	default:	/* a path that does not exist */
		return bus_path_addr(sa, "/nonexistent/af_bus", false);
	}
}

socklen_t fuzz_path(struct fuzz_thread *t, struct sockaddr_bus *sa,
		    bool bind)
{
	return fuzz_path_proto(t, sa, bind, NULL);
}

/* A destination address for sendto(). */
uint64_t fuzz_bus_addr(struct fuzz_thread *t)
{
	switch (rnd(t, 8)) {
	case 0:
		return BUS_MASTER_ADDR;
	case 1:
		return BUS_MULTICAST(rnd(t, 3) == 0 ? 0 : TEST_PREFIX);
	case 2:		/* held by nobody, probably */
		return BUS_ADDR(TEST_PREFIX, rnd(t, 8));
	case 3:
		return rnd64(t);
	default:
		return recent_addr(t);
	}
}

static socklen_t fuzz_dest(struct fuzz_thread *t, struct sockaddr_bus *sa)
{
	socklen_t len = bus_dest(sa, fuzz_bus_addr(t));

	if (!one_in(t, 6))
		return len;
	switch (rnd(t, 5)) {
	case 0:
		return rnd(t, SBUS_PATH_OFF);
	case 1:
		return sizeof(*sa) + rnd(t, 32);
	case 2:
		sa->sbus_family = AF_UNIX;
		return len;
	case 3:
		sa->__sbus_pad[0] = 1;
		return len;
	default:	/* a path with the address: what does sendto make of it */
		return fuzz_path(t, sa, false);
	}
}

/* ---- Socket creation ---- */

/* The protocol a bus name wants, or now and then another. */
static int fuzz_proto(struct fuzz_thread *t, int proto)
{
	if (one_in(t, 40))
		return rnd_int(t);
	if (one_in(t, 10))
		return !proto;
	return proto;
}

/* A new AF_BUS socket with bounded timeouts, or -1. */
static int new_socket(struct fuzz_thread *t, int proto)
{
	int type = SOCK_SEQPACKET, fd;

	if (one_in(t, 20))
		type = one_in(t, 2) ? SOCK_STREAM : SOCK_DGRAM;
	if (one_in(t, 3))
		type |= SOCK_NONBLOCK;
	fd = socket(AF_BUS, type | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -1;
	set_timeouts(t, fd);
	/* Registered before connect: bus_poll then had no bus to wait on. */
	if (one_in(t, 3))
		epoll_add(t, fd);
	return fd;
}

static bool op_socket(struct fuzz_thread *t)
{
	int fd = new_socket(t, fuzz_proto(t, rnd(t, 2)));

	if (fd < 0)
		return false;
	install(t, fd, SLOT_LOOSE);
	return true;
}

/* A whole master (limits, bind, listen with a small backlog, so that
 * connects find the bus busy), in the pool before it binds.
 */
static bool op_master(struct fuzz_thread *t)
{
	struct sockaddr_bus sa;
	struct pool_slot *s;
	bool ok = false, taken = false, raced;
	socklen_t len;
	int fd, val, proto;

	len = fuzz_path_proto(t, &sa, true, &proto);
	fd = new_socket(t, fuzz_proto(t, proto));
	if (fd < 0)
		return false;
	if (one_in(t, 3)) {
		val = one_in(t, 2) ? 1 + (int)rnd(t, 8) : rnd_int(t);
		setsockopt(fd, SOL_BUS, BUS_SET_MAXQLEN, &val, sizeof(val));
	}
	if (one_in(t, 3)) {
		val = one_in(t, 2) ? 64 + (int)rnd(t, 4096) : rnd_int(t);
		setsockopt(fd, SOL_BUS, BUS_SET_SENDBUF, &val, sizeof(val));
	}
	/* As daemons do: a file system bus leaves its socket file behind. */
	if (sa.sbus_path[0] == '/' && one_in(t, 2))
		unlink(sa.sbus_path);
	s = install(t, fd, SLOT_LOOSE);
	pthread_rwlock_rdlock(&s->lock);
	if (s->fd == fd) {	/* not replaced in between */
		make_hot(t->slot);
		raced = race_begin(fd);
		ok = !bind(fd, (struct sockaddr *)&sa, len) &&
		     !listen(fd, rnd(t, 4));
		race_end(raced);
		taken = !ok && errno == EADDRINUSE;
		if (ok)
			set_kind(t->slot, SLOT_MASTER);
	}
	pthread_rwlock_unlock(&s->lock);
	/* A daemon restarting: its name was taken, end some bus (not while
	 * holding a slot: it may be the same one).
	 */
	if (taken && one_in(t, 2))
		close_slot(pick_slot_kind(t, SLOT_MASTER));
	return ok;
}

/* A new socket that is in the pool BEFORE it connects: other threads can
 * then race getsockname, setsockopt or poll against the connect.
 */
static bool op_peer(struct fuzz_thread *t)
{
	struct sockaddr_bus sa;
	struct pool_slot *s;
	struct timeval tv;
	socklen_t len;
	bool ok = false, raced;
	int fd, proto;

	len = fuzz_path_proto(t, &sa, false, &proto);
	fd = new_socket(t, fuzz_proto(t, proto));
	if (fd < 0)
		return false;
	if (one_in(t, 2)) {	/* very short: give up while the bus is busy */
		tv = (struct timeval){ .tv_usec = 1 + rnd(t, 2000) };
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	s = install(t, fd, SLOT_LOOSE);
	pthread_rwlock_rdlock(&s->lock);
	if (s->fd == fd) {	/* not replaced in between */
		make_hot(t->slot);
		raced = race_begin(fd);
		ok = !connect(fd, (struct sockaddr *)&sa, len);
		race_end(raced);
		if (ok)
			set_kind(t->slot, SLOT_CONNECTED);
	}
	pthread_rwlock_unlock(&s->lock);
	return ok;
}

/* ---- Operations on a pool fd ---- */

static int do_bind(struct fuzz_thread *t, int fd)
{
	struct sockaddr_bus sa;
	socklen_t len = fuzz_path(t, &sa, true);
	bool raced;
	int ret;

	make_hot(t->slot);
	raced = race_begin(fd);
	ret = bind(fd, (struct sockaddr *)&sa, len);
	race_end(raced);
	return ret;
}

static int do_listen(struct fuzz_thread *t, int fd)
{
	return listen(fd, one_in(t, 4) ? rnd_int(t) : (int)rnd(t, 4));
}

static int do_connect(struct fuzz_thread *t, int fd)
{
	struct sockaddr_bus sa;
	socklen_t len = fuzz_path(t, &sa, false);
	struct timeval tv = { .tv_usec = 1 + rnd(t, 5000) };
	bool raced;
	int ret;

	if (one_in(t, 2))
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	make_hot(t->slot);
	raced = race_begin(fd);
	ret = connect(fd, (struct sockaddr *)&sa, len);
	race_end(raced);
	if (!ret)
		set_kind(t->slot, SLOT_CONNECTED);
	return ret;
}

/* Accept, and act as a master would on the new handle: join it, give it
 * addresses, record its address for senders.
 */
static int do_accept(struct fuzz_thread *t, int fd)
{
	struct sockaddr_bus sa;
	socklen_t len = sizeof(sa);
	uint64_t addr;
	int h;

	h = accept4(fd, one_in(t, 3) ? (struct sockaddr *)&sa : NULL,
		    one_in(t, 3) ? &len : NULL,
		    SOCK_CLOEXEC | (one_in(t, 2) ? SOCK_NONBLOCK : 0));
	if (h < 0)
		return -1;
	set_timeouts(t, h);
	if (!one_in(t, 4))
		bus_join(h);
	if (one_in(t, 2))
		bus_add_addr(h, one_in(t, 2) ? BUS_ADDR(TEST_PREFIX, rnd(t, 8)) :
			     rnd64(t));
	if (!bus_sock_addr(h, &addr))
		remember_addr(addr);
	if (one_in(t, 4))
		epoll_add(t, h);
	/* The fd's slot is held for reading: install elsewhere would deadlock
	 * if it picked the same slot, so the caller installs it.
	 */
	return h;
}

/* The ordinary case: one segment of @len bytes of @buf. */
static size_t iov_one(struct fuzz_thread *t, void *buf, size_t len)
{
	t->iov[0] = (struct iovec){ .iov_base = buf, .iov_len = len };
	return 1;
}

/*
 * Fill t->iov for a send or a receive into @buf (@size bytes). Returns the
 * segment count; *@total gets the byte count and *@fault whether a segment
 * with bytes points at nothing.
 */
static size_t fuzz_iov(struct fuzz_thread *t, uint8_t *buf, size_t size,
		       size_t *total, bool *fault)
{
	size_t n, i, len;

	*fault = false;
	switch (rnd(t, 10)) {
	case 0:		/* no segment at all */
		n = 0;
		break;
	case 1:		/* many small segments, some empty, unaligned */
		n = 1 + rnd(t, one_in(t, 8) ? FUZZ_IOV_MAX : 64);
		for (i = 0; i < n; i++) {
			len = rnd(t, 4);
			t->iov[i] = (struct iovec){
				.iov_base = buf + rnd(t, 64) + 1, .iov_len = len,
			};
		}
		break;
	case 2:		/* one segment that faults, among good ones */
		n = 1 + rnd(t, 4);
		for (i = 0; i < n; i++)
			t->iov[i] = (struct iovec){ .iov_base = buf + 3,
						    .iov_len = rnd(t, 16) };
		i = rnd(t, n);
		t->iov[i].iov_base = one_in(t, 2) ? w.bad_page : (void *)1;
		t->iov[i].iov_len = 1 + rnd(t, 64);
		*fault = true;
		break;
	case 3:		/* around the default (128 KiB) and largest limits */
		len = (one_in(t, 2) ? 128 * 1024 : BUS_MAX_MSGSIZE) - 1 +
		      rnd(t, 3);
		if (len > size)
			len = size;
		n = iov_one(t, buf, len);
		break;
	default:
		n = iov_one(t, buf + one_in(t, 4), rnd(t, 300));
		break;
	}
	*total = 0;
	for (i = 0; i < n; i++)
		*total += t->iov[i].iov_len;
	return n;
}

/* What a send carries besides its bytes. */
struct fuzz_control {
	union {
		uint8_t buf[CMSG_SPACE(16 * sizeof(int)) +
			    CMSG_SPACE(sizeof(struct ucred)) + 64];
		struct cmsghdr align;
	};
	size_t len;
	int fds[16], nfds;	/* to close after the send */
	bool carries_socket;	/* AF_UNIX or AF_BUS: must be refused */
};

/* A file to pass; *@sock is set for the kinds AF_BUS must refuse. */
static int passable_fd(struct fuzz_thread *t, bool *sock)
{
	int p[2], fd = -1;

	*sock = false;
	switch (rnd(t, 8)) {
	case 0:
	case 1:		/* either end of a pipe */
		if (pipe2(p, O_CLOEXEC))
			return -1;
		fd = rnd(t, 2);
		close(p[!fd]);
		return p[fd];
	case 2:
	case 3:
		fd = memfd_create("af_bus_fuzz", MFD_CLOEXEC);
		if (fd >= 0 && ftruncate(fd, rnd(t, 8192)))
			perror("# ftruncate memfd");
		return fd;
	case 4:
		return eventfd(0, EFD_CLOEXEC);
	case 5:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p))
			return -1;
		close(p[1]);
		*sock = true;
		return p[0];
	case 6:
		fd = socket(AF_BUS, SOCK_SEQPACKET | SOCK_CLOEXEC,
			    BUS_PROTO_NONE);
		*sock = fd >= 0;
		return fd;
	default:
		return open("/dev/null", O_RDWR | O_CLOEXEC);
	}
}

static void control_rights(struct fuzz_thread *t, struct fuzz_control *c)
{
	struct cmsghdr *cm = (struct cmsghdr *)(c->buf + c->len);
	int n = 1 + rnd(t, one_in(t, 4) ? 16 : 3), i, fd;
	bool sock;

	for (i = 0; i < n; i++) {
		fd = passable_fd(t, &sock);
		if (fd < 0)
			fd = one_in(t, 2) ? -1 : 100000; /* EBADF */
		else
			c->fds[c->nfds++] = fd;
		c->carries_socket |= sock;
		memcpy((int *)CMSG_DATA(cm) + i, &fd, sizeof(fd));
	}
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(n * sizeof(int));
	c->len += CMSG_SPACE(n * sizeof(int));
}

static void control_creds(struct fuzz_thread *t, struct fuzz_control *c)
{
	struct cmsghdr *cm = (struct cmsghdr *)(c->buf + c->len);
	struct ucred uc = { getpid(), getuid(), getgid() };

	if (one_in(t, 3)) {	/* someone else: root may, nobody may not */
		uc.pid = one_in(t, 2) ? 1 : (pid_t)rnd64(t);
		uc.uid = one_in(t, 2) ? 0 : (uid_t)rnd64(t);
		uc.gid = one_in(t, 2) ? 0 : (gid_t)rnd64(t);
	}
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_CREDENTIALS;
	cm->cmsg_len = CMSG_LEN(sizeof(uc));
	memcpy(CMSG_DATA(cm), &uc, sizeof(uc));
	c->len += CMSG_SPACE(sizeof(uc));
}

/* A header that lies about its length, level or type. */
static void control_garbage(struct fuzz_thread *t, struct fuzz_control *c)
{
	struct cmsghdr *cm = (struct cmsghdr *)(c->buf + c->len);

	cm->cmsg_level = one_in(t, 2) ? SOL_SOCKET : (int)rnd64(t);
	cm->cmsg_type = rnd(t, 5);
	cm->cmsg_len = one_in(t, 2) ? rnd(t, 24) : 4096;
	c->len += CMSG_SPACE(8);
}

static void fuzz_control(struct fuzz_thread *t, struct fuzz_control *c)
{
	memset(c, 0, sizeof(*c));
	if (one_in(t, 2))
		control_rights(t, c);
	if (one_in(t, 3))
		control_creds(t, c);
	if (one_in(t, 12))
		control_garbage(t, c);
}

static void control_release(struct fuzz_control *c)
{
	int i;

	for (i = 0; i < c->nfds; i++)
		close(c->fds[i]);
}

/* Bytes to send: random, or on a D-Bus bus a D-Bus message. */
static void fuzz_payload(struct fuzz_thread *t, uint8_t *buf, size_t *total)
{
	rnd_bytes(t, buf, 256);
	size_t len = one_in(t, 2) ? fuzz_dbus_payload(t, buf) : 0;

	if (len) {
		t->iov[0] = (struct iovec){ buf, len };
		*total = len;
	}
}

static int do_send(struct fuzz_thread *t, int fd)
{
	struct fuzz_control c;
	struct sockaddr_bus sa;
	struct msghdr msg = { .msg_iov = t->iov };
	size_t total;
	bool fault;
	ssize_t n;
	int flags = MSG_NOSIGNAL;

	msg.msg_iovlen = fuzz_iov(t, t->big, BUS_MAX_MSGSIZE + 64, &total,
				  &fault);
	if (msg.msg_iovlen == 1 && !fault && total <= 300)
		fuzz_payload(t, t->big, &total);
	if (one_in(t, 2)) {	/* else to the other end: the master or peer */
		msg.msg_name = &sa;
		msg.msg_namelen = fuzz_dest(t, &sa);
	}
	fuzz_control(t, &c);
	if (c.len) {
		msg.msg_control = c.buf;
		msg.msg_controllen = c.len;
		if (one_in(t, 40))
			msg.msg_control = w.bad_page;
	}
	if (one_in(t, 2))
		flags |= MSG_DONTWAIT;
	if (one_in(t, 20))
		flags |= one_in(t, 2) ? MSG_OOB : MSG_EOR;

	n = sendmsg(fd, &msg, flags);
	if (n >= 0 && c.carries_socket)
		violation("sendmsg passed an AF_UNIX/AF_BUS socket (%zd)", n);
	if (n >= 0 && fault)
		violation("sendmsg from a bad pointer returned %zd", n);
	if (n > (ssize_t)total)
		violation("sendmsg returned %zd for %zu bytes", n, total);
	control_release(&c);
	return n < 0 ? -1 : 0;
}

/* Close every fd a receive brought; none may be a socket that carries
 * files (AF_BUS refuses those).
 */
static void received_fds(struct msghdr *msg)
{
	struct cmsghdr *cm;
	int fd, domain, i, n;
	socklen_t len;

	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, (int *)CMSG_DATA(cm) + i, sizeof(fd));
			len = sizeof(domain);
			if (!getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) &&
			    (domain == AF_UNIX || domain == AF_BUS))
				violation("received a socket of family %d", domain);
			close(fd);
		}
	}
}

static int do_recv(struct fuzz_thread *t, int fd)
{
	union {
		uint8_t buf[CMSG_SPACE(16 * sizeof(int)) +
			    CMSG_SPACE(sizeof(struct ucred)) + 64];
		struct cmsghdr align;
	} control;
	struct sockaddr_bus sa;
	struct msghdr msg = { .msg_iov = t->iov };
	int flags = MSG_CMSG_CLOEXEC, on = 1;
	socklen_t namelen_in;
	size_t total;
	bool fault;
	ssize_t n;

	if (one_in(t, 3))
		n = fuzz_iov(t, t->big, BUS_MAX_MSGSIZE + 64, &total, &fault);
	else		/* tiny buffers, to truncate */
		n = iov_one(t, t->big, rnd(t, one_in(t, 2) ? 4 : 512));
	msg.msg_iovlen = n;
	memset(&sa, 0xa5, sizeof(sa));
	if (one_in(t, 2)) {
		msg.msg_name = &sa;
		msg.msg_namelen = one_in(t, 4) ? rnd(t, sizeof(sa)) : sizeof(sa);
	}
	namelen_in = msg.msg_namelen;
	if (one_in(t, 2)) {
		msg.msg_control = control.buf;
		msg.msg_controllen = one_in(t, 4) ? rnd(t, sizeof(control)) :
				     sizeof(control);
	}
	if (one_in(t, 10))
		setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	if (one_in(t, 3))
		flags |= MSG_PEEK;
	if (one_in(t, 3))
		flags |= MSG_TRUNC;
	if (!one_in(t, 4))
		flags |= MSG_DONTWAIT;
	if (one_in(t, 20))
		flags |= one_in(t, 2) ? MSG_OOB : MSG_WAITALL;

	total = 0;
	for (size_t i = 0; i < msg.msg_iovlen; i++)
		total += t->iov[i].iov_len;
	n = recvmsg(fd, &msg, flags);
	if (n < 0)
		return -1;
	if (!(flags & MSG_TRUNC) && (size_t)n > total)
		violation("recvmsg returned %zd into %zu bytes", n, total);
	/* The kernel copies at most namelen_in bytes of the name. */
	if (msg.msg_name && namelen_in >= sizeof(sa.sbus_family) &&
	    msg.msg_namelen >= sizeof(sa.sbus_family) &&
	    sa.sbus_family != AF_BUS)
		violation("recvmsg gave family %d", sa.sbus_family);
	if (msg.msg_controllen)
		received_fds(&msg);
	return 0;
}

/* Values for SOL_BUS options: an int, an address, or garbage, with a
 * length that fits it or not.
 */
static int do_setsockopt(struct fuzz_thread *t, int fd)
{
	union {
		int i;
		struct bus_addr a;
		uint8_t raw[64];
	} val;
	struct timeval tv;
	socklen_t len;

	if (one_in(t, 6)) {	/* the SOL_SOCKET options AF_BUS uses */
		switch (rnd(t, 4)) {
		case 0:
			tv = (struct timeval){ .tv_usec = 1 + rnd(t, MAX_TIMEO_US) };
			return setsockopt(fd, SOL_SOCKET, one_in(t, 2) ?
					  SO_SNDTIMEO : SO_RCVTIMEO, &tv, sizeof(tv));
		case 1:
			val.i = rnd(t, 2);
			return setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &val.i,
					  sizeof(val.i));
		default:
			val.i = rnd_int(t);
			return setsockopt(fd, SOL_SOCKET, one_in(t, 2) ?
					  SO_SNDBUF : SO_RCVBUF, &val.i,
					  sizeof(val.i));
		}
	}
	memset(&val, 0, sizeof(val));
	switch (rnd(t, 3)) {
	case 0:
		val.i = one_in(t, 2) ? (int)rnd(t, 128) : rnd_int(t);
		len = sizeof(val.i);
		break;
	case 1:
		val.a.s_addr = fuzz_bus_addr(t);
		len = sizeof(val.a);
		break;
	default:
		rnd_bytes(t, &val, sizeof(val));
		len = rnd(t, sizeof(val) + 1);
		break;
	}
	if (one_in(t, 8))
		len = rnd(t, 2) ? 0 : rnd(t, 4096);
	if (len > sizeof(val))	/* the bad pointer then faults */
		return setsockopt(fd, SOL_BUS, 1 + rnd(t, 14), w.bad_page, len);
	return setsockopt(fd, SOL_BUS, rnd(t, 16), &val, len);
}

static int do_getsockopt(struct fuzz_thread *t, int fd)
{
	static const int sol_socket[] = {
		SO_PEERCRED, SO_ACCEPTCONN, SO_DOMAIN, SO_TYPE, SO_PROTOCOL,
		SO_SNDBUF, SO_RCVBUF, SO_ERROR, SO_PASSCRED, SO_PEERSEC,
	};
	uint64_t buf[4104 / 8 + 1];	/* BUS_GET_ADDRS's 4096 and beyond */
	socklen_t len, given;
	int level = SOL_BUS, opt = rnd(t, 16), ret;

	if (one_in(t, 5)) {
		level = SOL_SOCKET;
		opt = sol_socket[rnd(t, ARRAY_SIZE(sol_socket))];
	}
	switch (rnd(t, 5)) {
	case 0:
		given = rnd(t, 9);
		break;
	case 1:
		given = sizeof(buf);
		break;
	case 2:		/* negative as an int */
		given = (socklen_t)-rnd(t, 5);
		break;
	default:
		given = sizeof(int) * (1 + rnd(t, 4));
		break;
	}
	len = given;
	if (one_in(t, 30))
		return getsockopt(fd, level, opt, buf, w.bad_page);
	if (one_in(t, 30))
		return getsockopt(fd, level, opt, w.bad_page, &len);
	ret = getsockopt(fd, level, opt, buf, &len);
	if (!ret && level == SOL_BUS && len > given)
		violation("getsockopt(SOL_BUS, %d) wrote %u into %u bytes", opt,
			  len, given);
	return ret;
}

static int do_getname(struct fuzz_thread *t, int fd)
{
	struct {
		struct sockaddr_bus sa;
		uint8_t beyond[64];
	} buf;
	socklen_t len = one_in(t, 4) ? rnd(t, sizeof(buf)) : sizeof(buf.sa);
	socklen_t len_in = len;
	bool peer = one_in(t, 2);
	int ret;

	memset(&buf, 0xa5, sizeof(buf));
	if (one_in(t, 40))
		return getsockname(fd, w.bad_page, &len);
	ret = peer ? getpeername(fd, (struct sockaddr *)&buf, &len) :
		     getsockname(fd, (struct sockaddr *)&buf, &len);
	if (ret)
		return ret;
	/* The kernel copies at most len_in bytes of the name. */
	if (len_in >= sizeof(buf.sa.sbus_family) &&
	    len >= sizeof(buf.sa.sbus_family) && buf.sa.sbus_family != AF_BUS)
		violation("get%sname gave family %d", peer ? "peer" : "sock",
			  buf.sa.sbus_family);
	if (len_in >= SBUS_PATH_OFF && len >= SBUS_PATH_OFF &&
	    buf.sa.sbus_family == AF_BUS &&
	    buf.sa.sbus_addr.s_addr)
		remember_addr(buf.sa.sbus_addr.s_addr);
	return 0;
}

/* poll() a few pool fds, read without holding their slots: a closed or
 * reused fd is a case too.
 */
static bool op_poll(struct fuzz_thread *t)
{
	struct pollfd pfd[4];
	int i, n = 1 + rnd(t, 4);

	for (i = 0; i < n; i++) {
		pfd[i].fd = __atomic_load_n(&w.pool[pick_slot(t)].fd,
					    __ATOMIC_RELAXED);
		pfd[i].events = rnd(t, 0x10000);
	}
	return poll(pfd, n, rnd(t, 5)) >= 0;
}

static int do_epoll(struct fuzz_thread *t, int fd)
{
	struct epoll_event ev[8];
	int ep = w.epfd[rnd(t, 2)];

	switch (rnd(t, 4)) {
	case 0:
		epoll_add(t, fd);
		break;
	case 1:
		ev[0] = (struct epoll_event){ .events = rnd64(t) };
		epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev[0]);
		break;
	case 2:
		epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
		break;
	}
	return epoll_wait(ep, ev, 8, rnd(t, 5)) < 0 ? -1 : 0;
}

static int do_ioctl(struct fuzz_thread *t, int fd)
{
	static const unsigned long cmds[] = {
		SIOCINQ, SIOCOUTQ, FIONBIO, SIOCOUTQNSD, SIOCATMARK,
	};
	unsigned int cmd = rnd64(t);
	int val = 0;

	if (one_in(t, 10))
		return ioctl(fd, cmds[rnd(t, 2)], w.bad_page);
	/* Any command but the socket ones (0x89xx): those set an owner for
	 * SIGIO or configure interfaces, nothing AF_BUS implements.
	 */
	if (one_in(t, 10) && (cmd & 0xff00) != 0x8900)
		return ioctl(fd, cmd, &val);
	return ioctl(fd, cmds[rnd(t, one_in(t, 4) ? 5 : 2)], &val);
}

static int do_shutdown(struct fuzz_thread *t, int fd)
{
	return shutdown(fd, one_in(t, 10) ? rnd_int(t) : (int)rnd(t, 3));
}

/* A bus name no other worker or burst uses, so that bind succeeds. */
static socklen_t private_name(struct sockaddr_bus *sa)
{
	char path[BUS_PATH_MAX];

	snprintf(path, sizeof(path), "af_bus_fuzz-%d-x%d-%u", cfg.parent,
		 w.idx, __atomic_fetch_add(&w.private_names, 1,
					   __ATOMIC_RELAXED));
	return bus_path_addr(sa, path, true);
}

/*
 * Repeat a race many times, as syzkaller repeats a program: fresh
 * sockets bound to fresh names with the collider on each (getsockname
 * against bind publishing the socket's bus and role).
 */
static bool op_rebind(struct fuzz_thread *t)
{
	struct sockaddr_bus sa;
	int i, fd, n = 4 + rnd(t, 12), bound = 0;
	socklen_t len;
	bool raced;

	for (i = 0; i < n; i++) {
		fd = socket(AF_BUS, SOCK_SEQPACKET | SOCK_CLOEXEC, rnd(t, 2));
		if (fd < 0)
			return false;
		len = private_name(&sa);
		raced = race_begin(fd);
		bound += !bind(fd, (struct sockaddr *)&sa, len);
		race_end(raced);
		close(fd);
	}
	return bound > 0;
}

/* connect() @fd with a short SO_SNDTIMEO (give up soon while the bus
 * has no room); 0 or -1.
 */
static int storm_connect(struct fuzz_thread *t, int fd,
			 const struct sockaddr_bus *sa, socklen_t len)
{
	struct timeval tv = { .tv_usec = 100 + rnd(t, 5000) };

	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return connect(fd, (const struct sockaddr *)sa, len);
}

/* A connected socket of @proto to the bus at @sa, or -1. */
static int storm_peer(struct fuzz_thread *t, int proto,
		      const struct sockaddr_bus *sa, socklen_t len)
{
	int fd = socket(AF_BUS, SOCK_SEQPACKET | SOCK_CLOEXEC, proto);

	if (fd < 0)
		return -1;
	set_timeouts(t, fd);
	if (storm_connect(t, fd, sa, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * A busy bus with no room, the case of issue 20's connect warning: a
 * private master with a backlog of 0, one peer whose messages to the
 * master the collider sends and receives all along, one more peer to fill
 * the accept queue, then blocking connects with a short SO_SNDTIMEO that
 * must wait for room while the collider moves the drain sequence. All
 * of it goes into the pool afterwards (not while a slot is held: no
 * thread may wait for a write lock while it holds a read lock).
 */
static bool op_storm(struct fuzz_thread *t)
{
	int proto = rnd(t, 2), n = 2 + rnd(t, 6), fds[4 + 8], nfds = 0;
	int i, m, h, p, fd;
	struct sockaddr_bus sa;
	socklen_t len = private_name(&sa);
	bool raced;

	m = new_socket(t, proto);
	if (m < 0)
		return false;
	fds[nfds++] = m;
	if (bind(m, (struct sockaddr *)&sa, len) || listen(m, 0))
		goto out;
	p = storm_peer(t, proto, &sa, len);
	if (p < 0)
		goto out;
	fds[nfds++] = p;
	h = accept4(m, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (h < 0)
		goto out;
	fds[nfds++] = h;
	fd = storm_peer(t, proto, &sa, len);	/* the queue is full now */
	if (fd >= 0)
		fds[nfds++] = fd;
	for (i = 0; i < n; i++) {
		fd = socket(AF_BUS, SOCK_SEQPACKET | SOCK_CLOEXEC, proto);
		if (fd < 0)
			break;
		set_timeouts(t, fd);
		raced = race_begin_busy(fd, m, p, h);
		if (!storm_connect(t, fd, &sa, len))
			fds[nfds++] = fd;
		else
			close(fd);
		race_end(raced);
	}
out:
	for (i = 0; i < nfds; i++)
		install(t, fds[i], i ? SLOT_CONNECTED : SLOT_MASTER);
	return nfds > 3;
}

/* One message to the other end without blocking; true if it went. */
static bool pump_send(int fd, uint32_t seq)
{
	return send(fd, &seq, sizeof(seq), MSG_DONTWAIT | MSG_NOSIGNAL) ==
	       sizeof(seq);
}

/*
 * A burst of traffic: small messages from one connected socket to its
 * other end, and receives on another, without blocking. A busy bus is
 * what blocking connects and senders race against: every receive moves
 * the bus's drain sequence and wakes its waiters.
 */
static bool op_pump(struct fuzz_thread *t)
{
	struct pool_slot *a = &w.pool[pick_slot_kind(t, SLOT_CONNECTED)];
	struct pool_slot *b = &w.pool[pick_slot_kind(t, SLOT_CONNECTED)];
	int i, n = 8 + rnd(t, 56), moved = 0;
	uint32_t buf;

	/* Two read locks, in slot order: a writer between them cannot
	 * deadlock with another pump taking them the other way.
	 */
	if (a > b) {
		struct pool_slot *tmp = a;

		a = b;
		b = tmp;
	}
	pthread_rwlock_rdlock(&a->lock);
	if (b != a)
		pthread_rwlock_rdlock(&b->lock);
	for (i = 0; i < n; i++) {
		moved += pump_send(a->fd, i);
		moved += pump_send(b->fd, i);
		moved += recv(b->fd, &buf, sizeof(buf), MSG_DONTWAIT) >= 0;
		moved += recv(a->fd, &buf, sizeof(buf), MSG_DONTWAIT) >= 0;
	}
	if (b != a)
		pthread_rwlock_unlock(&b->lock);
	pthread_rwlock_unlock(&a->lock);
	return moved > 0;
}

static int do_nonblock(struct fuzz_thread *t, int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, one_in(t, 2) ? fl | O_NONBLOCK :
		     fl & ~O_NONBLOCK);
}

static bool op_close(struct fuzz_thread *t)
{
	return close_slot(pick_slot(t));
}

static int do_dup(struct fuzz_thread *t, int fd)
{
	(void)t;
	return fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

/* Operations that make a new fd run under the source slot's read lock
 * and install the result after releasing it.
 */
static bool op_new_fd(struct fuzz_thread *t, enum slot_kind from,
		      int (*fn)(struct fuzz_thread *t, int fd))
{
	int fd = with_slot_kind(t, from, fn);
	int kind = from == SLOT_MASTER ? SLOT_CONNECTED : slot_kind(t->slot);

	if (fd < 0)
		return false;
	install(t, fd, kind);
	return true;
}

/* ---- nfdbus generic netlink ---- */

/* ---- The workers ---- */

static enum fuzz_op pick_op(struct fuzz_thread *t)
{
	unsigned int r = rnd(t, op_weight_total), op;

	for (op = 0; r >= op_weight[op]; op++)
		r -= op_weight[op];
	return op;
}

static bool run_op(struct fuzz_thread *t, enum fuzz_op op)
{
	switch (op) {
	case OP_SOCKET:
		return op_socket(t);
	case OP_MASTER:
		return op_master(t);
	case OP_PEER:
		return op_peer(t);
	case OP_BIND:
		return !with_slot_kind(t, SLOT_LOOSE, do_bind);
	case OP_LISTEN:
		return !with_slot_kind(t, SLOT_LOOSE, do_listen);
	case OP_CONNECT:
		return !with_slot_kind(t, SLOT_LOOSE, do_connect);
	case OP_ACCEPT:
		return op_new_fd(t, SLOT_MASTER, do_accept);
	case OP_SEND:
		return !with_slot_kind(t, SLOT_CONNECTED, do_send);
	case OP_RECV:
		return !with_slot_kind(t, SLOT_CONNECTED, do_recv);
	case OP_SETSOCKOPT:
		return !with_slot(t, do_setsockopt);
	case OP_GETSOCKOPT:
		return !with_slot(t, do_getsockopt);
	case OP_GETNAME:
		return !with_slot(t, do_getname);
	case OP_POLL:
		return op_poll(t);
	case OP_EPOLL:
		return !with_slot(t, do_epoll);
	case OP_IOCTL:
		return !with_slot(t, do_ioctl);
	case OP_SHUTDOWN:
		return !with_slot(t, do_shutdown);
	case OP_CLOSE:
		return op_close(t);
	case OP_DUP:
		return op_new_fd(t, SLOT_CONNECTED, do_dup);
	case OP_NONBLOCK:
		return !with_slot(t, do_nonblock);
	case OP_PUMP:
		return op_pump(t);
	case OP_REBIND:
		return op_rebind(t);
	case OP_STORM:
		return op_storm(t);
	case OP_NFDBUS:
		return fuzz_nfdbus_op(t);
	default:
		return false;
	}
}

/*
 * Keep the bus of a racing connect busy: each message received moves its
 * drain sequence, which the connect read before it found the accept queue
 * full and checks again before it sleeps; an accept now and then.
 */
static void collide_busy(struct fuzz_thread *t)
{
	int tx = __atomic_load_n(&w.race_tx, __ATOMIC_RELAXED);
	int rx = __atomic_load_n(&w.race_rx, __ATOMIC_RELAXED);
	int l = __atomic_load_n(&w.race_listener, __ATOMIC_RELAXED);
	uint32_t buf = 0;
	int h;

	if (tx >= 0 && rx >= 0) {
		send(tx, &buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);
		recv(rx, &buf, sizeof(buf), MSG_DONTWAIT);
	}
	if (l >= 0 && one_in(t, 16)) {
		h = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (h >= 0)
			close(h);
	}
}

/*
 * The racy half of a pair, on the fd another thread is binding or
 * connecting: cheap calls in a tight loop for as long as that lasts, so
 * that they overlap it (syzkaller's collide mode). The fd is used without
 * its slot's lock, as a real program might.
 */
static bool collide(struct fuzz_thread *t, int fd)
{
	struct sockaddr_bus sa;
	socklen_t len;
	int val, n = 0;

	while (__atomic_load_n(&w.race_fd, __ATOMIC_RELAXED) == fd &&
	       n < COLLIDE_MAX) {
		len = sizeof(sa);
		val = 1 + rnd(t, 4096);
		/* getsockname and getpeername, unless disabled */
		switch (op_disabled[OP_GETNAME] ? 5 + rnd(t, 3) : rnd(t, 8)) {
		case 0:
		case 1:
		case 2:
		case 3:
			getsockname(fd, (struct sockaddr *)&sa, &len);
			break;
		case 4:
			getpeername(fd, (struct sockaddr *)&sa, &len);
			break;
		case 5:
			len = sizeof(val);
			getsockopt(fd, SOL_BUS, BUS_GET_JOINED + rnd(t, 5), &val,
				   &len);
			break;
		case 6:
			setsockopt(fd, SOL_BUS, one_in(t, 2) ? BUS_SET_SENDBUF :
				   BUS_SET_MAXQLEN, &val, sizeof(val));
			break;
		default:
			poll(&(struct pollfd){ .fd = fd, .events = POLLOUT }, 1, 0);
			break;
		}
		collide_busy(t);
		n++;
	}
	return n > 1;
}

/* Thread 0: sleep until a bind or connect begins, then collide with it. */
static void *collider_main(void *arg)
{
	struct fuzz_thread *t = arg;
	struct timespec ts;
	int fd;

	while (now_ns() < w.deadline) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (sem_timedwait(&w.race_sem, &ts))
			continue;
		fd = __atomic_load_n(&w.race_fd, __ATOMIC_RELAXED);
		if (fd < 0)
			continue;
		sem_post(&w.race_ack);
		w.rep->cur_op[t->idx] = OP_COLLIDE;
		count_op(OP_COLLIDE, collide(t, fd));
	}
	w.rep->cur_op[t->idx] = -1;
	return NULL;
}

static void *fuzz_thread_main(void *arg)
{
	struct fuzz_thread *t = arg;
	enum fuzz_op op;

	while (now_ns() < w.deadline) {
		op = pick_op(t);
		w.rep->cur_op[t->idx] = op;
		count_op(op, run_op(t, op));
	}
	w.rep->cur_op[t->idx] = -1;
	return NULL;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

static void worker_setup(int idx)
{
	pthread_rwlockattr_t attr;
	int i;

	w.idx = idx;
	w.rep = &shared->rep[idx];
	pthread_mutex_init(&w.report_lock, NULL);
	/* Readers keep the hot slot busy: let a writer (close, install)
	 * through. No thread takes a slot's lock twice, so this cannot
	 * deadlock.
	 */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	w.race_fd = -1;
	pthread_mutex_init(&w.race_lock, NULL);
	sem_init(&w.race_ack, 0, 0);
	w.race_listener = -1;
	w.race_tx = -1;
	w.race_rx = -1;
	w.have_collider = cfg.threads >= 2 && !op_disabled[OP_COLLIDE];
	sem_init(&w.race_sem, 0, 0);
	for (i = 0; i < POOL_SLOTS; i++) {
		pthread_rwlock_init(&w.pool[i].lock, &attr);
		w.pool[i].fd = -1;
		w.pool[i].kind = SLOT_EMPTY;
	}
	w.bad_page = mmap(NULL, 4096, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	w.epfd[0] = epoll_create1(EPOLL_CLOEXEC);
	w.epfd[1] = epoll_create1(EPOLL_CLOEXEC);
	fuzz_nfdbus_setup();
}

static void worker_teardown(void)
{
	int i;

	for (i = 0; i < POOL_SLOTS; i++)
		if (w.pool[i].fd >= 0)
			close(w.pool[i].fd);
	close(w.epfd[0]);
	close(w.epfd[1]);
	fuzz_nfdbus_teardown();
}

/* One process: drop privileges or not, then threads until the deadline. */
static int worker_main(int idx)
{
	struct fuzz_thread th[FUZZ_MAX_THREADS];
	pthread_t tid[FUZZ_MAX_THREADS];
	struct fuzz_report *rep = &shared->rep[idx];
	int i;

	/* The watchdog: a worker still alive well after the deadline hangs. */
	alarm(cfg.seconds + 60);
	rep->privileged = idx % 2 == 0;
	if (!rep->privileged && drop_privileges()) {
		dprintf(STDOUT_FILENO, "# worker %d: cannot drop privileges\n", idx);
		return 1;
	}
	rep->fds_before = count_fds();
	worker_setup(idx);
	w.deadline = now_ns() + cfg.seconds * 1000000000ULL;
	for (i = 0; i < cfg.threads; i++) {
		th[i] = (struct fuzz_thread){
			.idx = i,
			/* One stream per (seed, worker, thread): replayable. */
			.rng = cfg.seed ^ ((uint64_t)idx << 48) ^
			       ((uint64_t)i << 32),
			.big = malloc(BUS_MAX_MSGSIZE + 4096),
		};
		if (!th[i].big)
			return 1;
		memset(th[i].big, 0x5a, BUS_MAX_MSGSIZE + 4096);
		if (pthread_create(&tid[i], NULL, w.have_collider && !i ?
				   collider_main : fuzz_thread_main, &th[i]))
			return 1;
	}
	for (i = 0; i < cfg.threads; i++) {
		pthread_join(tid[i], NULL);
		free(th[i].big);
	}
	worker_teardown();
	rep->fds_after = count_fds();
	rep->finished = 1;
	return 0;
}

/* ---- The parent ---- */

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

/*
 * AF_BUS_FUZZ_DISABLE: op names separated by commas, left out of the run
 * (as syzkaller's disabled syscalls), e.g. "getname" to get past a known
 * getsockname bug to the next one. "collide" stops the collider thread.
 */
static void parse_disabled(const char *list)
{
	char buf[256], *tok, *save;
	int op;

	if (!list)
		return;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (op = 0; op < OP_COUNT; op++)
			if (!strcmp(tok, op_names[op]))
				break;
		if (op == OP_COUNT)
			ksft_exit_fail_msg("AF_BUS_FUZZ_DISABLE: no op '%s'\n",
					   tok);
		op_disabled[op] = true;
	}
}

static void parse_config(void)
{
	struct timespec ts;
	int i;

	clock_gettime(CLOCK_REALTIME, &ts);
	cfg.seed = env_u64("AF_BUS_FUZZ_SEED",
			   ts.tv_sec * 1000000000ULL + ts.tv_nsec);
	cfg.seconds = env_u64("AF_BUS_FUZZ_SECONDS", FUZZ_DEFAULT_SECONDS);
	cfg.threads = env_u64("AF_BUS_FUZZ_THREADS", FUZZ_DEFAULT_THREADS);
	cfg.procs = env_u64("AF_BUS_FUZZ_PROCS", FUZZ_DEFAULT_PROCS);
	if (cfg.threads < 1 || cfg.threads > FUZZ_MAX_THREADS)
		cfg.threads = FUZZ_DEFAULT_THREADS;
	if (cfg.procs < 1 || cfg.procs > FUZZ_MAX_PROCS)
		cfg.procs = FUZZ_DEFAULT_PROCS;
	cfg.parent = getpid();
	parse_disabled(getenv("AF_BUS_FUZZ_DISABLE"));
	for (i = 0; i < OP_COUNT; i++) {
		op_weight[i] = op_disabled[i] ? 0 : op_weights[i];
		op_weight_total += op_weight[i];
	}
	if (!op_weight_total)
		ksft_exit_fail_msg("AF_BUS_FUZZ_DISABLE left no operation\n");
}

/* Say what each thread of a hung worker is doing. */
static void report_hang(int idx)
{
	const struct fuzz_report *rep = &shared->rep[idx];
	char line[512];
	int i, n = 0, op;

	for (i = 0; i < cfg.threads; i++) {
		op = rep->cur_op[i];
		n += snprintf(line + n, sizeof(line) - n, " %s",
			      op >= 0 && op < OP_COUNT ? op_names[op] : "-");
	}
	ksft_print_msg("worker %d hangs; its threads are in:%s\n", idx, line);
}

/* Collect the exit status of worker @pid; false if it is not one. */
static bool collect(pid_t *pids, int *status, pid_t pid, int st)
{
	int i;

	for (i = 0; i < cfg.procs; i++)
		if (pids[i] == pid) {
			status[i] = st;
			pids[i] = 0;
			return true;
		}
	return false;
}

/*
 * Wait for every worker. Past @limit, SIGKILL those left; any still there
 * HANG_GRACE later (stuck in the kernel) keep status -1.
 */
#define HANG_GRACE	(15 * 1000000000ULL)
static void reap_workers(pid_t *pids, int *status, uint64_t limit)
{
	int left = cfg.procs, st, i;
	bool killed = false;
	pid_t pid;

	for (i = 0; i < cfg.procs; i++)
		status[i] = -1;
	while (left) {
		pid = waitpid(-1, &st, WNOHANG);
		if (pid > 0) {
			left -= collect(pids, status, pid, st);
			continue;
		}
		if (now_ns() > limit && killed)
			return;
		if (now_ns() > limit) {
			for (i = 0; i < cfg.procs; i++)
				if (pids[i] > 0) {
					report_hang(i);
					kill(pids[i], SIGKILL);
				}
			killed = true;
			limit = now_ns() + HANG_GRACE;
		}
		usleep(100000);
	}
}

static void print_ops(const struct fuzz_report *rep, int idx)
{
	char line[1024];
	int op, n = 0;

	for (op = 0; op < OP_COUNT; op++)
		n += snprintf(line + n, sizeof(line) - n, " %s %llu/%llu",
			      op_names[op], (unsigned long long)rep->ok[op],
			      (unsigned long long)rep->ops[op]);
	ksft_print_msg("worker %d (%s) ok/ops:%s\n", idx,
		       rep->privileged ? "root" : "nobody", line);
}

/* The verdict on one worker: exit, invariants, file descriptors. */
static void judge_worker(int idx, int status)
{
	const struct fuzz_report *rep = &shared->rep[idx];
	const char *who = rep->privileged ? "root" : "nobody";

	print_ops(rep, idx);
	if (status == -1)
		ksft_print_msg("worker %d could not be killed\n", idx);
	else if (WIFSIGNALED(status))
		ksft_print_msg("worker %d killed by signal %d (%s)\n", idx,
			       WTERMSIG(status), strsignal(WTERMSIG(status)));
	ksft_test_result(status != -1 && WIFEXITED(status) &&
			 !WEXITSTATUS(status) && rep->finished,
			 "worker %d (%s) exited normally\n", idx, who);
	if (rep->violations)
		ksft_print_msg("worker %d: %d violations, first: %s\n", idx,
			       rep->violations, rep->first_violation);
	ksft_test_result(!rep->violations, "worker %d (%s) kept the invariants\n",
			 idx, who);
	if (rep->finished && rep->fds_after != rep->fds_before)
		ksft_print_msg("worker %d: %d fds before, %d after\n", idx,
			       rep->fds_before, rep->fds_after);
	ksft_test_result(rep->finished && rep->fds_after == rep->fds_before,
			 "worker %d (%s) closed every fd\n", idx, who);
}

static void remove_fs_dir(void)
{
	char path[128];
	int k;

	for (k = 0; k < BUS_NAMES; k++) {
		snprintf(path, sizeof(path), "%s/r%d", cfg.fs_dir, k);
		unlink(path);
		snprintf(path, sizeof(path), "%s/u%d", cfg.fs_dir, k);
		unlink(path);
	}
	rmdir(cfg.fs_dir);
}

int main(void)
{
	pid_t pids[FUZZ_MAX_PROCS];
	int status[FUZZ_MAX_PROCS], i;
	uint64_t start;

	ksft_print_header();
	if (!bus_supported())
		ksft_exit_skip("AF_BUS is not supported by this kernel\n");
	if (geteuid())
		ksft_exit_skip("needs root (workers run as root and as nobody)\n");
	parse_config();
	ksft_print_msg("AF_BUS_FUZZ_SEED=%#llx AF_BUS_FUZZ_SECONDS=%d\n",
		       (unsigned long long)cfg.seed, cfg.seconds);
	ksft_print_msg("AF_BUS_FUZZ_THREADS=%d AF_BUS_FUZZ_PROCS=%d AF_BUS_FUZZ_DISABLE=%s\n",
		       cfg.threads, cfg.procs,
		       getenv("AF_BUS_FUZZ_DISABLE") ?: "");
	ksft_set_plan(3 * cfg.procs);

	/* SIGPIPE would kill a worker whose send met a closed bus. */
	signal(SIGPIPE, SIG_IGN);
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	strcpy(cfg.fs_dir, "/tmp/af_bus_fuzz.XXXXXX");
	if (!mkdtemp(cfg.fs_dir) || chmod(cfg.fs_dir, 01777))
		ksft_exit_fail_msg("%s: %s\n", cfg.fs_dir, strerror(errno));

	fflush(stdout);
	start = now_ns();
	for (i = 0; i < cfg.procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			ksft_exit_fail_msg("fork: %s\n", strerror(errno));
		if (!pids[i])
			_exit(worker_main(i));
	}
	reap_workers(pids, status, start + (cfg.seconds + 90) * 1000000000ULL);
	remove_fs_dir();
	ksft_print_msg("random phase done after %.1f s\n",
		       (now_ns() - start) / 1e9);
	for (i = 0; i < cfg.procs; i++)
		judge_worker(i, status[i]);
	ksft_finished();
}
