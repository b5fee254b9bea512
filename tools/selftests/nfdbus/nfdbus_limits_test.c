// SPDX-License-Identifier: GPL-2.0
/*
 * nfdbus under hostile use: what one user can make the kernel hold.
 *
 * Every bind() of a BUS_PROTO_DBUS master creates a bus and nfdbus's state
 * for it, so the kernel memory a bus costs is what any user can pin, many
 * times over. The tests bind NBUSES buses at once and check that
 * unreclaimable kernel memory (SUnreclaim, plus vmalloc for kvmalloc()
 * fallbacks) grew by at most MAX_BYTES_PER_BUS each, as root and as an
 * unprivileged user.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "../af_bus/af_bus_util.h"

#define NBUSES			200
/*
 * A bus is a listening socket, AF_BUS's struct bus and nfdbus's tables
 * (two 256-bucket hash tables and a parse result): about 12 KiB, more
 * with the debug kernel's kmemleak metadata. The bound leaves room for
 * that and for other programs' allocations during the measurement, and
 * is far below the 512 KiB buffer each bus once had.
 */
#define MAX_BYTES_PER_BUS	(64 * 1024)
#define TRIES			3

/* Unreclaimable kernel memory now, in bytes: SUnreclaim + VmallocUsed. */
static long long kernel_unreclaimable(void)
{
	long long total = 0, kb;
	char line[256];
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "SUnreclaim: %lld kB", &kb) == 1 ||
		    sscanf(line, "VmallocUsed: %lld kB", &kb) == 1)
			total += kb * 1024;
	}
	fclose(f);
	return total;
}

/*
 * Bytes of unreclaimable kernel memory per bus while NBUSES D-Bus buses
 * are bound; the smallest of TRIES measurements, as other programs in the
 * guest may allocate meanwhile (never free on our behalf).
 */
static long long bytes_per_bus(struct __test_metadata *_metadata)
{
	static struct bus_master m[NBUSES];
	long long best = -1, before, after;
	int t, i, err;

	/* The first D-Bus socket loads nfdbus: not part of the cost. */
	ASSERT_EQ(0, bus_master_open_proto(&m[0], BUS_PROTO_DBUS, false, 0, 0));
	bus_master_close(&m[0]);

	for (t = 0; t < TRIES; t++) {
		before = kernel_unreclaimable();
		ASSERT_LT(0, before);
		for (i = 0; i < NBUSES; i++) {
			err = bus_master_open_proto(&m[i], BUS_PROTO_DBUS,
						    false, 0, 0);
			ASSERT_EQ(0, err) TH_LOG("bus %d: %s", i, strerror(-err));
		}
		after = kernel_unreclaimable();
		for (i = 0; i < NBUSES; i++)
			bus_master_close(&m[i]);
		TH_LOG("try %d: %d D-Bus buses: +%lld kB unreclaimable, %lld bytes per bus",
		       t + 1, NBUSES, (after - before) / 1024,
		       (after - before) / NBUSES);
		if (best < 0 || after - before < best)
			best = after - before;
		if (best <= (long long)MAX_BYTES_PER_BUS * NBUSES)
			break;
		/* let the closed buses' RCU frees happen before trying again */
		usleep(200 * 1000);
	}
	return best / NBUSES;
}

TEST(memory_per_bus)
{
	if (!bus_supported())
		SKIP(return, "AF_BUS not available");
	EXPECT_GE(MAX_BYTES_PER_BUS, bytes_per_bus(_metadata));
}

/* Binding a bus needs no privilege, so the bound matters most here. */
TEST(memory_per_bus_unprivileged)
{
	if (!bus_supported())
		SKIP(return, "AF_BUS not available");
	if (geteuid() == 0)
		ASSERT_EQ(0, drop_privileges());
	ASSERT_NE((uid_t)0, geteuid());
	EXPECT_GE(MAX_BYTES_PER_BUS, bytes_per_bus(_metadata));
}

TEST_HARNESS_MAIN
