/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Links the installed libafbus from C: a loop, and a connection that fails. */
#include <afbus/afbus.h>

#include <errno.h>
#include <stdio.h>

int main(void)
{
	struct afbus_loop *loop = NULL;
	struct afbus_conn *conn = NULL;

	if (afbus_loop_new(AFBUS_LOOP_POLL, &loop) != 0)
		return 1;
	afbus_loop_free(loop);
	if (afbus_conn_open("unix:path=/nonexistent/afbus-consumer", 0, &conn) != -ENOENT)
		return 1;
	printf("libafbus %d.%d from C\n", AFBUS_VERSION_MAJOR, AFBUS_VERSION_MINOR);
	return 0;
}
