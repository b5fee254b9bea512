/* SPDX-License-Identifier: GPL-2.0 */
/* nfdbus: the parts nfdbus_main.c starts and stops, in this order. */
#ifndef _NFDBUS_MAIN_H
#define _NFDBUS_MAIN_H

int nfdbus_hook_init(void);
void nfdbus_hook_exit(void);
int nfdbus_netlink_init(void);
void nfdbus_netlink_exit(void);

#endif /* _NFDBUS_MAIN_H */
