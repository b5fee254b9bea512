/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small D-Bus marshaller for the nfdbus selftests: little-endian
 * messages with the usual header fields and a body of STRING ('s') and
 * OBJECT_PATH ('o') arguments, as the D-Bus specification lays them out.
 */
#ifndef DBUS_MSG_H
#define DBUS_MSG_H

#include <stddef.h>
#include <stdint.h>

#define DBUS_METHOD_CALL	1
#define DBUS_METHOD_RETURN	2
#define DBUS_ERROR		3
#define DBUS_SIGNAL		4

#define DBUS_MSG_MAX		4096

/* What a test message carries; NULL strings are left out. */
struct dbus_hdr {
	uint8_t type;
	uint32_t serial;
	const char *path;
	const char *interface;
	const char *member;
	const char *destination;
	const char *sender;
};

/* A body argument: type 's' or 'o'. */
struct dbus_arg {
	char type;
	const char *value;
};

/*
 * Marshal into @buf (at least DBUS_MSG_MAX bytes). Returns the message
 * length, or -1 if it does not fit.
 */
int dbus_build(uint8_t *buf, const struct dbus_hdr *h,
	       const struct dbus_arg *args, unsigned int nargs);

/* The same into @buf of @size bytes, for messages larger than usual. */
int dbus_build_size(uint8_t *buf, size_t size, const struct dbus_hdr *h,
		    const struct dbus_arg *args, unsigned int nargs);

/*
 * A message with SIGNATURE @sig and the body @body, marshalled by the
 * caller (little-endian, offsets from the body's start, which is 8-aligned
 * in the message), in @buf of @size bytes. Returns the length or -1.
 */
int dbus_build_raw(uint8_t *buf, size_t size, const struct dbus_hdr *h,
		   const char *sig, const void *body, size_t body_len);

/*
 * Message bodies that cost nfdbus's parser the most per byte, and a plain
 * payload to compare them with. DBUS_WORST_NESTED_Y is issue 23's shape:
 * an array of structs nested DBUS_WORST_DEPTH deep around one byte.
 */
enum dbus_worst {
	DBUS_WORST_AY,
	DBUS_WORST_NESTED_Y,
	DBUS_WORST_NESTED_S,
	DBUS_WORST_AG,
	DBUS_WORST_AV,
	DBUS_WORST_MAX,
};

#define DBUS_WORST_DEPTH	32
#define DBUS_WORST_SIG_MAX	(2 * DBUS_WORST_DEPTH + 3)

extern const char *const dbus_worst_names[DBUS_WORST_MAX];

/*
 * The body of @shape in @body of @size bytes (at least 64), as long as
 * fits; its signature in @sig (DBUS_WORST_SIG_MAX bytes). Returns the
 * body's length.
 */
size_t dbus_worst_body(enum dbus_worst shape, uint8_t *body, size_t size,
		       char *sig);

/* The serial of a marshalled message, 0 if @len is too short. */
uint32_t dbus_serial(const uint8_t *buf, size_t len);

/* ":1.N" for the prefix-0 address N, in @buf of @size bytes. */
const char *dbus_unique_name(char *buf, size_t size, uint64_t addr);

#endif /* DBUS_MSG_H */
