/* SPDX-License-Identifier: GPL-2.0 */
/* glibc's <errno.h> includes <linux/errno.h> too: hand it the real one. */
#include_next <linux/errno.h>
