/* SPDX-License-Identifier: GPL-2.0 */
/* nfdbus KUnit suites: the marshaller and helpers they share. */
#ifndef _NFDBUS_KUNIT_H
#define _NFDBUS_KUNIT_H

#include <kunit/test.h>

#include "nfdbus_parse.h"

enum {
	NFDBUS_VEC_VALID,
	NFDBUS_VEC_INVALID,
	NFDBUS_VEC_MATCH,
	NFDBUS_VEC_NOMATCH,
};

/* A message as the vectors describe it; see match-rules.txt */
struct nfdbus_vector {
	int line;
	const char *rule;
	u8 expect;
	u8 type;
	const char *sender;
	const char *destination;
	const char *path;
	const char *interface;
	const char *member;
	const char *error_name;
	u32 reply_serial;
	bool eavesdrop;
	u8 nargs;
	struct {
		u8 index;
		char type;
		const char *value;
	} args[8];
	u8 nowners;
	struct {
		const char *name;
		const char *unique;
	} owners[4];
};

#define MB_CAP		2048

/* One extra header field, written after the usual ones */
struct raw_field {
	u8 code;
	const char *sig;
	u32 u;
	const char *s;
};

/* The marshaller; @pads records where it wrote padding */
struct mb {
	u8 buf[MB_CAP];
	u32 pos;
	bool be;
	u32 npads;
	u32 pads[256];
};

u32 nfdbus_test_build(struct mb *m, const struct nfdbus_vector *v, bool be,
		      const struct raw_field *extra, unsigned int nextra);
int nfdbus_test_parse(struct kunit *test, const u8 *buf, size_t len,
		      struct nfdbus_msg *msg);
struct nfdbus_msg *nfdbus_test_alloc_msg(struct kunit *test);
struct mb *nfdbus_test_alloc_mb(struct kunit *test);

extern const struct nfdbus_vector nfdbus_test_sample_signal;

#endif /* _NFDBUS_KUNIT_H */
