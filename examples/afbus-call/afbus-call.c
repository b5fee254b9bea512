/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * afbus-call: call a D-Bus method through libafbus's C API and print the
 * reply's string arguments, as a C D-Bus library would drive libafbus.
 *
 *   afbus-call [--address ADDRESS] [--system] [--timeout MS]
 *              DESTINATION PATH INTERFACE METHOD [STRING]...
 *
 * ADDRESS is any D-Bus address libafbus speaks: unix:path=, unix:abstract=,
 * afbus:path=. Without it, the session bus (--system: the system bus).
 * Exit status: 0 on a reply, 1 on an error reply (its name and text are
 * printed), 2 on other failures.
 */
#include <afbus/afbus.h>
#include <afbus/dbus/dbus.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
	fprintf(stderr, "usage: afbus-call [--address ADDRESS] [--system] [--timeout MS] "
			"DESTINATION PATH INTERFACE METHOD [STRING]...\n");
}

/* Prints every string-like argument at the top level of @msg. */
static void print_strings(const struct afbus_msg *msg)
{
	struct afbus_dbus_message *parsed = NULL;
	struct afbus_dbus_reader *r = NULL;
	size_t len = 0;
	const void *data = afbus_msg_data(msg, &len);
	char type;

	if (afbus_dbus_message_parse(data, len, &parsed) != 0)
		return;
	if (afbus_dbus_reader_new(parsed, &r) == 0) {
		while ((type = afbus_dbus_reader_type(r)) != 0) {
			const char *s = NULL;

			if ((type == 's' || type == 'o' || type == 'g') &&
			    afbus_dbus_reader_read(r, type, &s) == 0)
				printf("%s\n", s);
			else if (afbus_dbus_reader_skip(r) != 0)
				break;
		}
		afbus_dbus_reader_free(r);
	}
	afbus_dbus_message_free(parsed);
}

int main(int argc, char **argv)
{
	const char *address = NULL;
	unsigned flags = AFBUS_BUS_SESSION;
	int timeout_ms = -1;
	int i = 1, err, status = 2;
	struct afbus_conn *conn = NULL;
	struct afbus_dbus_writer *body = NULL;
	struct afbus_dbus_header h;
	struct afbus_msg *reply = NULL;
	void *msg = NULL;
	size_t msg_len = 0;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--address") == 0 && i + 1 < argc)
			address = argv[++i];
		else if (strcmp(argv[i], "--system") == 0)
			flags = AFBUS_BUS_SYSTEM;
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			char *end = NULL;

			timeout_ms = (int)strtol(argv[++i], &end, 10);
			if (*end != '\0' || timeout_ms < 0) {
				usage();
				return 2;
			}
		}
		else if (strcmp(argv[i], "--help") == 0) {
			usage();
			return 0;
		} else {
			usage();
			return 2;
		}
	}
	if (argc - i < 4) {
		usage();
		return 2;
	}

	err = afbus_conn_open(address, flags, &conn);
	if (err < 0) {
		fprintf(stderr, "afbus-call: cannot connect: %s\n", strerror(-err));
		return 2;
	}
	err = afbus_dbus_writer_new(AFBUS_DBUS_LITTLE_ENDIAN, &body);
	for (int a = i + 4; err == 0 && a < argc; a++) {
		const char *s = argv[a];

		err = afbus_dbus_writer_append(body, 's', &s);
	}
	memset(&h, 0, sizeof(h));
	h.type = AFBUS_DBUS_METHOD_CALL;
	h.serial = 1; /* the connection assigns its own */
	h.destination = argv[i];
	h.path = argv[i + 1];
	h.interface = argv[i + 2];
	h.member = argv[i + 3];
	if (err == 0)
		err = afbus_dbus_message_build(&h, body, &msg, &msg_len);
	if (err < 0) {
		fprintf(stderr, "afbus-call: bad message: %s\n", strerror(-err));
		goto out;
	}

	err = afbus_conn_call(conn, msg, msg_len, NULL, 0, timeout_ms, &reply);
	if (err == 0) {
		print_strings(reply);
		status = 0;
	} else if (err == -EREMOTEIO) {
		struct afbus_dbus_message *parsed = NULL;
		struct afbus_dbus_header eh;
		size_t len = 0;
		const void *data = afbus_msg_data(reply, &len);

		if (afbus_dbus_message_parse(data, len, &parsed) == 0) {
			afbus_dbus_message_get_header(parsed, &eh);
			fprintf(stderr, "afbus-call: %s\n", eh.error_name);
			afbus_dbus_message_free(parsed);
		}
		print_strings(reply);
		status = 1;
	} else {
		fprintf(stderr, "afbus-call: %s\n", strerror(-err));
	}
out:
	afbus_msg_free(reply);
	free(msg);
	afbus_dbus_writer_free(body);
	afbus_conn_close(conn);
	return status;
}
