// SPDX-License-Identifier: GPL-2.0-only
#include <linux/module.h>
static int __init af_bus_init(void) { return 0; }
static void __exit af_bus_exit(void) { }
module_init(af_bus_init);
module_exit(af_bus_exit);
MODULE_LICENSE("GPL");
