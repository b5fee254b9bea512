// SPDX-License-Identifier: GPL-2.0
/*
 * Element-wise reductions for process_vm_readv/writev: decoding the
 * operation and type from the flags, the integer operations, and running
 * an operation (the floating-point ones live in process_vm_reduce_fpu.c,
 * built with the FPU enabled).
 *
 * Integer SUM and PROD wrap modulo 2^N for signed and unsigned types alike:
 * they are computed in an unsigned type at least as wide as int, so no
 * signed overflow and no promotion to signed int ever happens.
 */

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/process_vm.h>
#include <linux/types.h>
#ifdef CONFIG_X86_64
#include <asm/fpu/api.h>
#endif

#include "process_vm_reduce.h"

/*
 * Arithmetic is done in u64: wider than any element, unsigned, and the low
 * bits of a sum or product depend only on the low bits of its operands.
 */
#define PVM_ARITH_OPS(type)						\
static void sum_##type(void *dst, const void *src, size_t n)		\
{									\
	type *d = dst;							\
	const type *s = src;						\
	size_t i;							\
									\
	for (i = 0; i < n; i++)						\
		d[i] = (type)((u64)d[i] + (u64)s[i]);			\
}									\
static void prod_##type(void *dst, const void *src, size_t n)		\
{									\
	type *d = dst;							\
	const type *s = src;						\
	size_t i;							\
									\
	for (i = 0; i < n; i++)						\
		d[i] = (type)((u64)d[i] * (u64)s[i]);			\
}									\
static void min_##type(void *dst, const void *src, size_t n)		\
{									\
	type *d = dst;							\
	const type *s = src;						\
	size_t i;							\
									\
	for (i = 0; i < n; i++)						\
		d[i] = s[i] < d[i] ? s[i] : d[i];			\
}									\
static void max_##type(void *dst, const void *src, size_t n)		\
{									\
	type *d = dst;							\
	const type *s = src;						\
	size_t i;							\
									\
	for (i = 0; i < n; i++)						\
		d[i] = s[i] > d[i] ? s[i] : d[i];			\
}

/* Bitwise operations do not care about signedness: one set per width. */
#define PVM_BIT_OPS(type)						\
static void band_##type(void *dst, const void *src, size_t n)		\
{									\
	type *d = dst;							\
	const type *s = src;						\
	size_t i;							\
									\
	for (i = 0; i < n; i++)						\
		d[i] &= s[i];						\
}									\
static void bor_##type(void *dst, const void *src, size_t n)		\
{									\
	type *d = dst;							\
	const type *s = src;						\
	size_t i;							\
									\
	for (i = 0; i < n; i++)						\
		d[i] |= s[i];						\
}									\
static void bxor_##type(void *dst, const void *src, size_t n)		\
{									\
	type *d = dst;							\
	const type *s = src;						\
	size_t i;							\
									\
	for (i = 0; i < n; i++)						\
		d[i] ^= s[i];						\
}

PVM_ARITH_OPS(s8)
PVM_ARITH_OPS(u8)
PVM_ARITH_OPS(s16)
PVM_ARITH_OPS(u16)
PVM_ARITH_OPS(s32)
PVM_ARITH_OPS(u32)
PVM_ARITH_OPS(s64)
PVM_ARITH_OPS(u64)
PVM_BIT_OPS(u8)
PVM_BIT_OPS(u16)
PVM_BIT_OPS(u32)
PVM_BIT_OPS(u64)

#define PVM_INT_ROW(name, bits) {					\
	sum_##name, prod_##name, min_##name, max_##name,		\
	band_u##bits, bor_u##bits, bxor_u##bits }

/* [PROCESS_VM_TYPE_* - 1][PROCESS_VM_OP_* - 1], integer types only. */
static const pvm_reduce_fn pvm_int_ops[][PVM_NR_OPS] = {
	PVM_INT_ROW(s8, 8),
	PVM_INT_ROW(u8, 8),
	PVM_INT_ROW(s16, 16),
	PVM_INT_ROW(u16, 16),
	PVM_INT_ROW(s32, 32),
	PVM_INT_ROW(u32, 32),
	PVM_INT_ROW(s64, 64),
	PVM_INT_ROW(u64, 64),
};

/* log2 of the element size, by PROCESS_VM_TYPE_* - 1. */
static const u8 pvm_type_shift[] = { 0, 0, 1, 1, 2, 2, 3, 3, 2, 3 };

/**
 * pvm_reduce_init() - decode the reduction selected by the flags of a call
 * @r:     filled in; @r->fn is NULL if the flags select a plain copy
 * @flags: the flags argument of process_vm_readv/writev; bits outside
 *         PROCESS_VM_OP_MASK and PROCESS_VM_TYPE_MASK are ignored here
 *
 * Return: 0, -EINVAL for an operation without a type or a type without an
 * operation, an unknown operation or type, or a bitwise operation on a
 * floating-point type; -EOPNOTSUPP for a floating-point type where the
 * kernel cannot use the FPU.
 */
int pvm_reduce_init(struct pvm_reduce *r, unsigned long flags)
{
	unsigned int op = (flags & PROCESS_VM_OP_MASK) >> PROCESS_VM_OP_SHIFT;
	unsigned int type = (flags & PROCESS_VM_TYPE_MASK) >>
			    PROCESS_VM_TYPE_SHIFT;

	BUILD_BUG_ON(ARRAY_SIZE(pvm_int_ops) != PROCESS_VM_TYPE_U64);
	BUILD_BUG_ON(ARRAY_SIZE(pvm_type_shift) != PROCESS_VM_TYPE_F64);
	BUILD_BUG_ON(PVM_NR_OPS != PROCESS_VM_OP_BXOR);

	*r = (struct pvm_reduce){};
	if (!op && !type)
		return 0;
	if (!op || op > PROCESS_VM_OP_BXOR || !type || type > PROCESS_VM_TYPE_F64)
		return -EINVAL;

	r->shift = pvm_type_shift[type - 1];
	if (type <= PROCESS_VM_TYPE_U64) {
		r->fn = pvm_int_ops[type - 1][op - 1];
		return 0;
	}
	if (op >= PROCESS_VM_OP_BAND)
		return -EINVAL;
#ifdef CONFIG_X86_64
	r->fn = pvm_reduce_fpu_ops[op - 1][type == PROCESS_VM_TYPE_F32 ?
					   PVM_FPU_F32 : PVM_FPU_F64];
	r->fpu = true;
	return 0;
#else
	return -EOPNOTSUPP;
#endif
}

/**
 * pvm_reduce_run() - combine @bytes of @src into @dst
 * @r:     a reduction set up by pvm_reduce_init()
 * @dst:   destination elements, kernel memory
 * @src:   source elements, kernel memory
 * @bytes: a multiple of the element size
 *
 * Both buffers are kernel memory, so nothing here can fault, which is what
 * makes the FPU section legal. Callers pass at most a page at a time, which
 * bounds the time spent with preemption disabled.
 */
void pvm_reduce_run(const struct pvm_reduce *r, void *dst, const void *src,
		    size_t bytes)
{
	size_t n = bytes >> r->shift;

#ifdef CONFIG_X86_64
	if (r->fpu) {
		kernel_fpu_begin();
		r->fn(dst, src, n);
		kernel_fpu_end();
		return;
	}
#endif
	r->fn(dst, src, n);
}
