/* SPDX-License-Identifier: GPL-2.0 */
#include "../nfdbus_shim.h"
