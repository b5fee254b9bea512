/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel definitions that nfdbus_parse.c and nfdbus_rule.c use, for
 * building those files unchanged in userspace (the libFuzzer targets). The
 * files under linux/ and asm/ here stand in for the kernel headers they
 * include and only pull this in.
 */
#ifndef _NFDBUS_SHIM_H
#define _NFDBUS_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define fallthrough __attribute__((__fallthrough__))
#define ALIGN(x, a) (((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#define BIT(n) (1UL << (n))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define EXPORT_SYMBOL_GPL(sym)
#define EXPORT_SYMBOL(sym)

static inline u16 get_unaligned_le16(const void *p)
{
	const u8 *b = p;

	return b[0] | b[1] << 8;
}

static inline u16 get_unaligned_be16(const void *p)
{
	const u8 *b = p;

	return b[1] | b[0] << 8;
}

static inline u32 get_unaligned_le32(const void *p)
{
	const u8 *b = p;

	return b[0] | b[1] << 8 | b[2] << 16 | (u32)b[3] << 24;
}

static inline u32 get_unaligned_be32(const void *p)
{
	const u8 *b = p;

	return b[3] | b[2] << 8 | b[1] << 16 | (u32)b[0] << 24;
}

#endif /* _NFDBUS_SHIM_H */
