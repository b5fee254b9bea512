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

/* The serial of a marshalled message, 0 if @len is too short. */
uint32_t dbus_serial(const uint8_t *buf, size_t len);

/* ":1.N" for the prefix-0 address N, in @buf of @size bytes. */
const char *dbus_unique_name(char *buf, size_t size, uint64_t addr);

#endif /* DBUS_MSG_H */
