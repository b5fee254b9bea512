/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <afbus/afbus.h> from strict C99, linked against libafbus.so: what a C
 * D-Bus library sees. Without a bus, it checks the failure paths and the
 * event loop; the flows against a bus are in c_api_test.cpp.
 */
#include <afbus/afbus.h>
#include <afbus/dbus/dbus.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static int failures;

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "FAIL: %s\n", what);
		failures++;
	}
}

int main(void)
{
	struct afbus_conn *conn = NULL;
	struct afbus_loop *loop = NULL;
	int ret;

	ret = afbus_conn_open("unix:path=/nonexistent/afbus-c99-test", 0, &conn);
	check(ret == -ENOENT, "open of a missing socket is -ENOENT");
	check(conn == NULL, "no connection on failure");
	ret = afbus_conn_open("afbus:path=/nonexistent/afbus-c99-test", 0, &conn);
	check(ret < 0, "open of a missing AF_BUS bus fails");
	ret = afbus_conn_open("tcp:host=localhost", 0, &conn);
	check(ret == -EINVAL, "an unsupported transport is -EINVAL");

	ret = afbus_loop_new(AFBUS_LOOP_POLL, &loop);
	check(ret == 0, "a poll() loop can be made");
	if (ret == 0) {
		check(afbus_loop_uses_io_uring(loop) == 0, "AFBUS_LOOP_POLL means poll()");
		check(afbus_loop_run_once(loop, 0) == 0, "an empty loop dispatches nothing");
		afbus_loop_free(loop);
	}
	afbus_conn_close(NULL);
	afbus_msg_free(NULL);
	afbus_loop_free(NULL);
	if (failures == 0)
		printf("ok\n");
	return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
