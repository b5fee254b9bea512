/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of KUnit to run nfdbus_kunit.c on the host under ASan and
 * UBSan (tests/fuzz/nfdbus/kunit_host.c): the same cases as in the guest,
 * seconds after an edit instead of a kernel build.
 */
#ifndef _NFDBUS_SHIM_KUNIT_H
#define _NFDBUS_SHIM_KUNIT_H

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include "../nfdbus_shim.h"

struct kunit {
	const char *name;
	int failures;
	jmp_buf abort;
	void **allocs;		/* freed after the case, as KUnit does */
	size_t nallocs;
};

static inline void *kunit_host_alloc(struct kunit *test, size_t n, bool zero)
{
	void *p = zero ? calloc(1, n) : malloc(n);
	void **list = realloc(test->allocs, (test->nallocs + 1) * sizeof(*list));

	if (!p || !list)
		abort();
	test->allocs = list;
	test->allocs[test->nallocs++] = p;
	return p;
}

static inline void kunit_host_cleanup(struct kunit *test)
{
	while (test->nallocs)
		free(test->allocs[--test->nallocs]);
	free(test->allocs);
}

struct kunit_case {
	void (*run)(struct kunit *test);
	const char *name;
};

struct kunit_suite {
	const char *name;
	struct kunit_case *test_cases;
};

#define KUNIT_CASE(fn) { .run = fn, .name = #fn }
#define GFP_KERNEL 0
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define scnprintf snprintf
#define kunit_kmalloc(test, n, gfp) kunit_host_alloc(test, n, false)
#define kunit_kzalloc(test, n, gfp) kunit_host_alloc(test, n, true)

#define KUNIT_FAIL_AT(test, fmt, ...) do {				\
	fprintf(stderr, "    %s:%d: %s: " fmt "\n", __FILE__, __LINE__,	\
		(test)->name, ##__VA_ARGS__);				\
	(test)->failures++;						\
} while (0)

#define KUNIT_CHECK(test, cond, fatal, ...) do {			\
	if (!(cond)) {							\
		KUNIT_FAIL_AT(test, "%s", #cond);			\
		__VA_OPT__(fprintf(stderr, "      " __VA_ARGS__);	\
			   fprintf(stderr, "\n");)			\
		if (fatal)						\
			longjmp((test)->abort, 1);			\
	}								\
} while (0)

#define KUNIT_EXPECT_TRUE(t, c) KUNIT_CHECK(t, (c), 0)
#define KUNIT_EXPECT_FALSE(t, c) KUNIT_CHECK(t, !(c), 0)
#define KUNIT_EXPECT_EQ(t, a, b) KUNIT_CHECK(t, (a) == (b), 0)
#define KUNIT_EXPECT_NE(t, a, b) KUNIT_CHECK(t, (a) != (b), 0)
#define KUNIT_EXPECT_GT(t, a, b) KUNIT_CHECK(t, (a) > (b), 0)
#define KUNIT_EXPECT_EQ_MSG(t, a, b, ...) KUNIT_CHECK(t, (a) == (b), 0, __VA_ARGS__)
#define KUNIT_EXPECT_NE_MSG(t, a, b, ...) KUNIT_CHECK(t, (a) != (b), 0, __VA_ARGS__)
#define KUNIT_EXPECT_STREQ(t, a, b) KUNIT_CHECK(t, !strcmp(a, b), 0, "'%s' vs '%s'", a, b)
#define KUNIT_ASSERT_TRUE(t, c) KUNIT_CHECK(t, (c), 1)
#define KUNIT_ASSERT_EQ(t, a, b) KUNIT_CHECK(t, (a) == (b), 1)
#define KUNIT_ASSERT_LE(t, a, b) KUNIT_CHECK(t, (a) <= (b), 1)
#define KUNIT_ASSERT_GT(t, a, b) KUNIT_CHECK(t, (a) > (b), 1)
#define KUNIT_ASSERT_EQ_MSG(t, a, b, ...) KUNIT_CHECK(t, (a) == (b), 1, __VA_ARGS__)
#define KUNIT_ASSERT_NOT_NULL(t, p) KUNIT_CHECK(t, (p) != NULL, 1)
#define KUNIT_ASSERT_NOT_ERR_OR_NULL(t, p) KUNIT_CHECK(t, (p) != NULL, 1)

void kunit_host_register(struct kunit_suite **suites);

#define KUNIT_HOST_SUITES_(n, ...)					\
	static struct kunit_suite *kunit_host_suites_##n[] = {		\
		__VA_ARGS__, NULL };					\
	__attribute__((constructor)) static void kunit_host_reg_##n(void)	\
	{								\
		kunit_host_register(kunit_host_suites_##n);		\
	}
#define KUNIT_HOST_SUITES(n, ...) KUNIT_HOST_SUITES_(n, __VA_ARGS__)
#define kunit_test_suites(...) KUNIT_HOST_SUITES(__COUNTER__, __VA_ARGS__)
#define kunit_test_suite(suite) kunit_test_suites(&suite)

#endif /* _NFDBUS_SHIM_KUNIT_H */
