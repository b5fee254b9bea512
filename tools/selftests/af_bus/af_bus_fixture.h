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
		self->p[i] = (struct bus_peer){ .fd = -1, .ctl = -1 };
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
#define EXPECT_ONE_FROM(fd, src, len) \
	EXPECT_EQ(0, bus_expect_one(fd, src, len))

/* Expect an empty receive queue. */
#define EXPECT_EMPTY(fd) \
	EXPECT_EQ(0, bus_expect_one(fd, 0, -1))

/* The whole program skips (exit 4) on kernels without AF_BUS. */
static inline int bus_test_main(int argc, char **argv)
{
	if (!bus_supported())
		ksft_exit_skip("AF_BUS is not supported by this kernel\n");
	return test_harness_run(argc, argv);
}

#endif /* AF_BUS_FIXTURE_H */
