/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <afbus/dbus/dbus.h> from strict C99: build a signal with a string and an
 * a{sv}, parse it, walk the body. Exit 0 on success, 1 on failure.
 */
#include <afbus/dbus/dbus.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); \
			return 1;                                          \
		}                                                          \
	} while (0)

static int build(void **out, size_t *len)
{
	struct afbus_dbus_writer *w = NULL;
	struct afbus_dbus_header h;
	const char *name = "org.example.Thing";
	const char *key = "Count";
	uint32_t count = 42;
	int ret;

	CHECK(afbus_dbus_writer_new(AFBUS_DBUS_BIG_ENDIAN, &w) == 0);
	CHECK(afbus_dbus_writer_append(w, 's', &name) == 0);
	CHECK(afbus_dbus_writer_open(w, 'a', "{sv}") == 0);
	CHECK(afbus_dbus_writer_open(w, 'e', NULL) == 0);
	CHECK(afbus_dbus_writer_append(w, 's', &key) == 0);
	CHECK(afbus_dbus_writer_open(w, 'v', "u") == 0);
	CHECK(afbus_dbus_writer_append(w, 'u', &count) == 0);
	CHECK(afbus_dbus_writer_close(w) == 0);
	CHECK(afbus_dbus_writer_close(w) == 0);
	CHECK(afbus_dbus_writer_close(w) == 0);
	CHECK(strcmp(afbus_dbus_writer_signature(w), "sa{sv}") == 0);

	memset(&h, 0, sizeof(h));
	h.type = AFBUS_DBUS_SIGNAL;
	h.serial = 5;
	h.path = "/org/example";
	h.interface = "org.freedesktop.DBus.Properties";
	h.member = "PropertiesChanged";
	ret = afbus_dbus_message_build(&h, w, out, len);
	afbus_dbus_writer_free(w);
	CHECK(ret == 0);
	return 0;
}

static int parse(const void *data, size_t len)
{
	struct afbus_dbus_message *m = NULL;
	struct afbus_dbus_reader *r = NULL;
	struct afbus_dbus_header h;
	const char *s = NULL;
	uint32_t u = 0;

	CHECK(afbus_dbus_message_size(data, len) == (long)len);
	CHECK(afbus_dbus_message_parse(data, len, &m) == 0);
	afbus_dbus_message_get_header(m, &h);
	CHECK(h.type == AFBUS_DBUS_SIGNAL && h.serial == 5);
	CHECK(strcmp(h.member, "PropertiesChanged") == 0);
	CHECK(h.destination == NULL);
	CHECK(afbus_dbus_message_byte_order(m) == 'B');
	CHECK(strcmp(afbus_dbus_message_signature(m), "sa{sv}") == 0);

	CHECK(afbus_dbus_reader_new(m, &r) == 0);
	CHECK(afbus_dbus_reader_type(r) == 's');
	CHECK(afbus_dbus_reader_read(r, 's', &s) == 0 && strcmp(s, "org.example.Thing") == 0);
	CHECK(afbus_dbus_reader_read(r, 's', &s) == -22); /* -EINVAL: it is an array */
	CHECK(afbus_dbus_reader_enter(r) == 0);            /* a{sv} */
	CHECK(afbus_dbus_reader_type(r) == 'e');
	CHECK(afbus_dbus_reader_enter(r) == 0);            /* {sv} */
	CHECK(afbus_dbus_reader_read(r, 's', &s) == 0 && strcmp(s, "Count") == 0);
	CHECK(afbus_dbus_reader_enter(r) == 0);            /* v */
	CHECK(afbus_dbus_reader_read(r, 'u', &u) == 0 && u == 42);
	CHECK(afbus_dbus_reader_type(r) == 0);
	CHECK(afbus_dbus_reader_leave(r) == 0);
	CHECK(afbus_dbus_reader_leave(r) == 0);
	CHECK(afbus_dbus_reader_type(r) == 0);
	CHECK(afbus_dbus_reader_leave(r) == 0);
	CHECK(afbus_dbus_reader_type(r) == 0);
	CHECK(afbus_dbus_reader_leave(r) < 0);
	afbus_dbus_reader_free(r);
	afbus_dbus_message_free(m);
	return 0;
}

int main(void)
{
	void *data = NULL;
	size_t len = 0;
	int ret = build(&data, &len);

	if (ret == 0)
		ret = parse(data, len);
	free(data);
	if (ret == 0)
		printf("dbus_c99_test: ok\n");
	return ret;
}
