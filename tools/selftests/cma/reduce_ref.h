/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scalar userspace reference for the reduce operations of
 * process_vm_readv(2) and process_vm_writev(2), one element at a time,
 * exactly as Documentation/userspace-api/process_vm.rst defines them:
 *
 *  - integer SUM and PROD wrap modulo 2^N, signed and unsigned alike
 *    (computed on unsigned 64-bit values and truncated, so no C overflow);
 *  - integer MIN and MAX compare as signed or unsigned by type;
 *  - float SUM and PROD are the IEEE 754 operations, rounded to nearest
 *    (the C default environment), any NaN result replaced by the canonical
 *    quiet NaN;
 *  - float MIN and MAX are IEEE 754-2019 minimum and maximum: the canonical
 *    quiet NaN if either operand is a NaN, and -0 below +0.
 *
 * Results are compared bit for bit, so floats are handled as bit patterns
 * and only converted for the arithmetic itself. That arithmetic must round
 * once, to the type: the float tests skip where FLT_EVAL_METHOD is not 0.
 */
#ifndef REDUCE_REF_H
#define REDUCE_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/process_vm.h>

#define REDUCE_NR_OPS		PROCESS_VM_OP_BXOR	/* ops are 1..7 */
#define REDUCE_NR_TYPES		PROCESS_VM_TYPE_F64	/* types are 1..10 */

#define F32_CANONICAL_NAN	0x7fc00000U
#define F64_CANONICAL_NAN	0x7ff8000000000000ULL

static inline unsigned long reduce_flags(unsigned int op, unsigned int type)
{
	return ((unsigned long)op << PROCESS_VM_OP_SHIFT) |
	       ((unsigned long)type << PROCESS_VM_TYPE_SHIFT);
}

static inline unsigned int reduce_flags_op(unsigned long flags)
{
	return (flags & PROCESS_VM_OP_MASK) >> PROCESS_VM_OP_SHIFT;
}

static inline unsigned int reduce_flags_type(unsigned long flags)
{
	return (flags & PROCESS_VM_TYPE_MASK) >> PROCESS_VM_TYPE_SHIFT;
}

/* Element size in bytes; 0 for an unknown type. */
static inline size_t reduce_type_size(unsigned int type)
{
	static const unsigned char size[REDUCE_NR_TYPES + 1] = {
		[PROCESS_VM_TYPE_S8] = 1, [PROCESS_VM_TYPE_U8] = 1,
		[PROCESS_VM_TYPE_S16] = 2, [PROCESS_VM_TYPE_U16] = 2,
		[PROCESS_VM_TYPE_S32] = 4, [PROCESS_VM_TYPE_U32] = 4,
		[PROCESS_VM_TYPE_S64] = 8, [PROCESS_VM_TYPE_U64] = 8,
		[PROCESS_VM_TYPE_F32] = 4, [PROCESS_VM_TYPE_F64] = 8,
	};

	return type <= REDUCE_NR_TYPES ? size[type] : 0;
}

static inline bool reduce_type_is_float(unsigned int type)
{
	return type == PROCESS_VM_TYPE_F32 || type == PROCESS_VM_TYPE_F64;
}

/* S8, S16, S32 and S64 are the odd integer types. */
static inline bool reduce_type_is_signed(unsigned int type)
{
	return !reduce_type_is_float(type) && (type & 1);
}

static inline bool reduce_op_is_bitwise(unsigned int op)
{
	return op >= PROCESS_VM_OP_BAND && op <= PROCESS_VM_OP_BXOR;
}

/* Does the uAPI define this pair? (Bitwise ops on floats it does not.) */
static inline bool reduce_pair_valid(unsigned int op, unsigned int type)
{
	return op >= 1 && op <= REDUCE_NR_OPS && reduce_type_size(type) &&
	       !(reduce_op_is_bitwise(op) && reduce_type_is_float(type));
}

static inline const char *reduce_op_name(unsigned int op)
{
	static const char *const name[REDUCE_NR_OPS + 1] = {
		"?", "SUM", "PROD", "MIN", "MAX", "BAND", "BOR", "BXOR",
	};

	return op <= REDUCE_NR_OPS ? name[op] : "?";
}

static inline const char *reduce_type_name(unsigned int type)
{
	static const char *const name[REDUCE_NR_TYPES + 1] = {
		"?", "S8", "U8", "S16", "U16", "S32", "U32", "S64", "U64",
		"F32", "F64",
	};

	return type <= REDUCE_NR_TYPES ? name[type] : "?";
}

/* Element @i of @p: sign-extended for signed types, else zero-extended. */
static inline uint64_t reduce_load(const void *p, size_t i, unsigned int type)
{
	const char *c = (const char *)p;
	int8_t s8;
	uint8_t u8;
	int16_t s16;
	uint16_t u16;
	int32_t s32;
	uint32_t u32;
	uint64_t u64;

	switch (reduce_type_size(type)) {
	case 1:
		if (reduce_type_is_signed(type)) {
			memcpy(&s8, c + i, 1);
			return (uint64_t)(int64_t)s8;
		}
		memcpy(&u8, c + i, 1);
		return u8;
	case 2:
		if (reduce_type_is_signed(type)) {
			memcpy(&s16, c + 2 * i, 2);
			return (uint64_t)(int64_t)s16;
		}
		memcpy(&u16, c + 2 * i, 2);
		return u16;
	case 4:
		if (reduce_type_is_signed(type)) {
			memcpy(&s32, c + 4 * i, 4);
			return (uint64_t)(int64_t)s32;
		}
		memcpy(&u32, c + 4 * i, 4);
		return u32;
	default:
		memcpy(&u64, c + 8 * i, 8);
		return u64;
	}
}

/* Store the low bits of @v as element @i of @p (host byte order). */
static inline void reduce_store(void *p, size_t i, unsigned int type,
				uint64_t v)
{
	char *c = (char *)p;
	uint8_t u8 = v;
	uint16_t u16 = v;
	uint32_t u32 = v;

	switch (reduce_type_size(type)) {
	case 1:
		memcpy(c + i, &u8, 1);
		break;
	case 2:
		memcpy(c + 2 * i, &u16, 2);
		break;
	case 4:
		memcpy(c + 4 * i, &u32, 4);
		break;
	default:
		memcpy(c + 8 * i, &v, 8);
		break;
	}
}

/* @d and @s as reduce_load() gives them; the result's low bits count. */
static inline uint64_t reduce_ref_int(unsigned int op, bool is_signed,
				      uint64_t d, uint64_t s)
{
	bool less = is_signed ? (int64_t)d < (int64_t)s : d < s;

	switch (op) {
	case PROCESS_VM_OP_SUM:
		return d + s;
	case PROCESS_VM_OP_PROD:
		return d * s;
	case PROCESS_VM_OP_MIN:
		return less ? d : s;
	case PROCESS_VM_OP_MAX:
		return less ? s : d;
	case PROCESS_VM_OP_BAND:
		return d & s;
	case PROCESS_VM_OP_BOR:
		return d | s;
	default:
		return d ^ s;
	}
}

static inline bool f32_bits_nan(uint32_t b)
{
	return (b & 0x7fffffffU) > 0x7f800000U;
}

static inline bool f64_bits_nan(uint64_t b)
{
	return (b & 0x7fffffffffffffffULL) > 0x7ff0000000000000ULL;
}

/*
 * minimum or maximum of two non-NaN values @x and @y (floats convert to
 * double exactly), whose bits are @d and @s: when they compare equal,
 * +0 and -0 or equal bits, the sign bit decides.
 */
static inline uint64_t reduce_ref_minmax(unsigned int op, double x, double y,
					 uint64_t d, uint64_t s,
					 uint64_t sign_bit)
{
	bool min = op == PROCESS_VM_OP_MIN;

	if (x == y)
		return min == !!(d & sign_bit) ? d : s;
	return (x < y) == min ? d : s;
}

static inline uint32_t reduce_ref_f32(unsigned int op, uint32_t d, uint32_t s)
{
	float x, y, r;
	uint32_t b;

	memcpy(&x, &d, sizeof(x));
	memcpy(&y, &s, sizeof(y));
	switch (op) {
	case PROCESS_VM_OP_SUM:
		r = x + y;
		break;
	case PROCESS_VM_OP_PROD:
		r = x * y;
		break;
	default:
		if (f32_bits_nan(d) || f32_bits_nan(s))
			return F32_CANONICAL_NAN;
		return reduce_ref_minmax(op, x, y, d, s, 0x80000000U);
	}
	memcpy(&b, &r, sizeof(b));
	return f32_bits_nan(b) ? F32_CANONICAL_NAN : b;
}

static inline uint64_t reduce_ref_f64(unsigned int op, uint64_t d, uint64_t s)
{
	double x, y, r;
	uint64_t b;

	memcpy(&x, &d, sizeof(x));
	memcpy(&y, &s, sizeof(y));
	switch (op) {
	case PROCESS_VM_OP_SUM:
		r = x + y;
		break;
	case PROCESS_VM_OP_PROD:
		r = x * y;
		break;
	default:
		if (f64_bits_nan(d) || f64_bits_nan(s))
			return F64_CANONICAL_NAN;
		return reduce_ref_minmax(op, x, y, d, s,
					 0x8000000000000000ULL);
	}
	memcpy(&b, &r, sizeof(b));
	return f64_bits_nan(b) ? F64_CANONICAL_NAN : b;
}

/* One element: op(d, s), both as reduce_load() gives them. */
static inline uint64_t reduce_ref_one(unsigned int op, unsigned int type,
				      uint64_t d, uint64_t s)
{
	if (type == PROCESS_VM_TYPE_F32)
		return reduce_ref_f32(op, d, s);
	if (type == PROCESS_VM_TYPE_F64)
		return reduce_ref_f64(op, d, s);
	return reduce_ref_int(op, reduce_type_is_signed(type), d, s);
}

/* d[i] = op(d[i], s[i]) for the @n elements of a valid op and type. */
static inline void reduce_ref(unsigned int op, unsigned int type, void *d,
			      const void *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		reduce_store(d, i, type,
			     reduce_ref_one(op, type, reduce_load(d, i, type),
					    reduce_load(s, i, type)));
}

#endif /* REDUCE_REF_H */
