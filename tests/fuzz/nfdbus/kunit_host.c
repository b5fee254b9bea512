// SPDX-License-Identifier: GPL-2.0
/*
 * Runs the nfdbus KUnit suites of the parser, rules and matcher
 * (kernel/net/netfilter/nfdbus/nfdbus_kunit.c, nfdbus_match_kunit.c, compiled
 * unchanged against shim/kunit/test.h) on the host. Prints one
 * line per case and exits 1 if any failed.
 */
#include <stdio.h>
#include "kunit/test.h"

static struct kunit_suite **lists[8];
static unsigned int nlists;

void kunit_host_register(struct kunit_suite **suites)
{
	if (nlists == sizeof(lists) / sizeof(lists[0]))
		abort();
	lists[nlists++] = suites;
}

int main(void)
{
	int passed = 0, failed = 0;

	for (unsigned int l = 0; l < nlists; l++)
	for (struct kunit_suite **s = lists[l]; *s; s++) {
		for (struct kunit_case *c = (*s)->test_cases; c->run; c++) {
			struct kunit test = { .name = c->name };

			if (!setjmp(test.abort))
				c->run(&test);
			kunit_host_cleanup(&test);
			printf("%s %s.%s\n", test.failures ? "not ok" : "ok",
			       (*s)->name, c->name);
			test.failures ? failed++ : passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
