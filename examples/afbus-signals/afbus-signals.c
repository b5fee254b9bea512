/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * afbus-signals: subscribe to signals with a match rule through libafbus's
 * C API and print each one, on an event loop (io_uring where the kernel has
 * it, poll() otherwise).
 *
 *   afbus-signals [--address ADDRESS] [--system] [--count N] [--timeout MS] RULE
 *
 * Prints "sender interface.member first-string-argument" per signal. Stops
 * after N signals (default: never) or MS milliseconds without one. On
 * AF_BUS the rule is installed in the kernel (nfdbus) by the bus master, so
 * only signals that match ever reach this process.
 */
#include <afbus/afbus.h>
#include <afbus/dbus/dbus.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct state {
	long seen;
};

static void on_signal(struct afbus_conn *conn, struct afbus_msg *msg, void *userdata)
{
	struct state *st = userdata;
	struct afbus_dbus_message *parsed = NULL;
	struct afbus_dbus_reader *r = NULL;
	struct afbus_dbus_header h;
	const char *arg = "";
	size_t len = 0;
	const void *data = afbus_msg_data(msg, &len);

	(void)conn;
	if (afbus_dbus_message_parse(data, len, &parsed) != 0)
		return;
	afbus_dbus_message_get_header(parsed, &h);
	if (afbus_dbus_reader_new(parsed, &r) == 0) {
		if (afbus_dbus_reader_type(r) == 's')
			afbus_dbus_reader_read(r, 's', &arg);
		printf("%s %s.%s %s\n", h.sender ? h.sender : "-", h.interface ? h.interface : "-",
		       h.member ? h.member : "-", arg);
		fflush(stdout);
		afbus_dbus_reader_free(r);
	}
	afbus_dbus_message_free(parsed);
	st->seen++;
}

int main(int argc, char **argv)
{
	const char *address = NULL;
	unsigned flags = AFBUS_BUS_SESSION;
	long count = -1;
	int timeout_ms = -1, i = 1, err, status = 2;
	struct afbus_conn *conn = NULL;
	struct afbus_loop *loop = NULL;
	struct state st = { 0 };
	long match;
	char *end = NULL;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--address") == 0 && i + 1 < argc)
			address = argv[++i];
		else if (strcmp(argv[i], "--system") == 0)
			flags = AFBUS_BUS_SYSTEM;
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count = strtol(argv[++i], &end, 10);
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			timeout_ms = (int)strtol(argv[++i], &end, 10);
		else
			break;
		if (end != NULL && (*end != '\0' || count < -1 || timeout_ms < -1)) {
			fprintf(stderr, "afbus-signals: bad number: %s\n", argv[i]);
			return 2;
		}
		end = NULL;
	}
	if (i + 1 != argc) {
		fprintf(stderr, "usage: afbus-signals [--address ADDRESS] [--system] [--count N] "
				"[--timeout MS] RULE\n");
		return 2;
	}
	err = afbus_conn_open(address, flags, &conn);
	if (err < 0) {
		fprintf(stderr, "afbus-signals: cannot connect: %s\n", strerror(-err));
		return 2;
	}
	match = afbus_conn_add_match(conn, argv[i], -1, on_signal, &st);
	if (match < 0) {
		fprintf(stderr, "afbus-signals: AddMatch: %s\n", strerror((int)-match));
		goto out;
	}
	err = afbus_loop_new(0, &loop);
	if (err == 0)
		err = afbus_loop_add(loop, conn);
	if (err < 0) {
		fprintf(stderr, "afbus-signals: event loop: %s\n", strerror(-err));
		goto out;
	}
	while (count < 0 || st.seen < count) {
		err = afbus_loop_run_once(loop, timeout_ms);
		if (err < 0) {
			fprintf(stderr, "afbus-signals: %s\n", strerror(-err));
			goto out;
		}
		if (err == 0 && timeout_ms >= 0)
			break; /* quiet for the whole timeout */
	}
	status = 0;
out:
	afbus_loop_free(loop);
	afbus_conn_close(conn);
	return status;
}
