/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture most AF_BUS tests start from: a bus on a unique abstract path
 * with BUS_PEERS peers, all connected, accepted and joined. Peer i is
 * self->p[i]; self->p[i].ctl is the master's accepted socket for it.
 *
 * The test programs' main() skips the whole program (exit 4) when the
 * running kernel has no AF_BUS.
 */
#ifndef AF_BUS_FIXTURE_H
#define AF_BUS_FIXTURE_H

#include <errno.h>
#include <string.h>

#include "../kselftest_harness.h"
#include "af_bus_util.h"

#define BUS_PEERS	4

FIXTURE(bus) {
	struct bus_master m;
	struct bus_peer p[BUS_PEERS];
};

FIXTURE_SETUP(bus)
{
	int i;

	self->m.listen_fd = -1;
	for (i = 0; i < BUS_PEERS; i++)
		self->p[i].fd = self->p[i].ctl = -1;
	if (!bus_supported())
		SKIP(return, "AF_BUS is not supported by this kernel");
	ASSERT_EQ(0, bus_master_open(&self->m, false, 0, 0));
	for (i = 0; i < BUS_PEERS; i++)
		ASSERT_EQ(0, bus_peer_connect(&self->m, &self->p[i], true));
}

FIXTURE_TEARDOWN(bus)
{
	int i;

	for (i = 0; i < BUS_PEERS; i++)
		bus_peer_close(&self->p[i]);
	bus_master_close(&self->m);
}

/* Expect exactly one message of @len bytes from @src, then an empty queue. */
#define EXPECT_ONE_FROM(fd, src, len) do {				\
	char __buf[256];						\
	uint64_t __from = ~0ULL;					\
	EXPECT_EQ((ssize_t)(len), bus_recv(fd, &__from, __buf,		\
					   sizeof(__buf), MSG_DONTWAIT)); \
	EXPECT_EQ((uint64_t)(src), __from);				\
	EXPECT_EQ(-EAGAIN, bus_recv(fd, NULL, __buf, sizeof(__buf),	\
				    MSG_DONTWAIT));			\
} while (0)

/* Expect an empty receive queue. */
#define EXPECT_EMPTY(fd) do {						\
	char __buf[256];						\
	EXPECT_EQ(-EAGAIN, bus_recv(fd, NULL, __buf, sizeof(__buf),	\
				    MSG_DONTWAIT));			\
} while (0)

#define AF_BUS_TEST_MAIN						\
int main(int argc, char **argv)						\
{									\
	if (!bus_supported())						\
		ksft_exit_skip("AF_BUS is not supported by this kernel\n"); \
	return test_harness_run(argc, argv);				\
}

#endif /* AF_BUS_FIXTURE_H */
