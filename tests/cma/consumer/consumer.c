/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An installed libcma from C: a copy from this process to itself and a probe.
 * Exit status 0 on success.
 */
#define _POSIX_C_SOURCE 200809L

#include <cma/cma.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	static const char message[] = "installed libcma";
	char copy[sizeof(message)] = { 0 };
	struct cma_process *self = NULL;
	struct cma_probe_result probe;
	ssize_t ret;

	if (cma_process_open(getpid(), 0, &self) != 0)
		return 1;
	ret = cma_read(self, copy, message, sizeof(message), 0);
	if (ret != (ssize_t)sizeof(message) || strcmp(copy, message) != 0 || cma_probe(self, &probe) != 0) {
		cma_process_close(self);
		return 1;
	}
	printf("%s %d.%d: %s\n", copy, CMA_VERSION_MAJOR, CMA_VERSION_MINOR, probe.message);
	cma_process_close(self);
	return probe.error == 0 ? 0 : 1;
}
