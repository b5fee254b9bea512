// SPDX-License-Identifier: GPL-2.0
/*
 * Floating-point reductions for process_vm_readv/writev (x86_64).
 *
 * This file is built with SSE enabled (mm/Makefile) and its functions may
 * only run between kernel_fpu_begin() and kernel_fpu_end(), which
 * pvm_reduce_run() provides; kernel_fpu_begin() also loads the default
 * MXCSR, so results are round-to-nearest-even with subnormals honoured,
 * whatever the calling task's floating-point environment is.
 *
 * Results are defined bit for bit, so that userspace can reproduce them:
 *  - SUM and PROD are the IEEE 754 operations, except that a NaN result is
 *    stored as the canonical quiet NaN: which NaN payload the hardware
 *    propagates depends on operand order, which the compiler may swap.
 *  - MIN and MAX are IEEE 754-2019 minimum and maximum: a NaN operand gives
 *    the canonical quiet NaN, and -0 orders below +0.
 */

#include <linux/kernel.h>
#include <linux/process_vm.h>
#include <linux/types.h>

#include "process_vm_reduce.h"

#define F32_QNAN	0x7fc00000U
#define F64_QNAN	0x7ff8000000000000ULL

/* Bit views; assignment through a union is defined in GNU C. */
union pvm_f32 {
	float f;
	u32 u;
};

union pvm_f64 {
	double f;
	u64 u;
};

static inline float f32_qnan(void)
{
	return ((union pvm_f32){ .u = F32_QNAN }).f;
}

static inline double f64_qnan(void)
{
	return ((union pvm_f64){ .u = F64_QNAN }).f;
}

static inline bool f32_neg(float x)
{
	return ((union pvm_f32){ .f = x }).u >> 31;
}

static inline bool f64_neg(double x)
{
	return ((union pvm_f64){ .f = x }).u >> 63;
}

/* name: f32 or f64; type: float or double. x != x only for NaN. */
#define PVM_FPU_OPS(name, type)						\
static void sum_##name(void *dst, const void *src, size_t n)		\
{									\
	type *d = dst;							\
	const type *s = src;						\
	size_t i;							\
									\
	for (i = 0; i < n; i++) {					\
		type r = d[i] + s[i];					\
									\
		d[i] = r != r ? name##_qnan() : r;			\
	}								\
}									\
static void prod_##name(void *dst, const void *src, size_t n)		\
{									\
	type *d = dst;							\
	const type *s = src;						\
	size_t i;							\
									\
	for (i = 0; i < n; i++) {					\
		type r = d[i] * s[i];					\
									\
		d[i] = r != r ? name##_qnan() : r;			\
	}								\
}									\
static void min_##name(void *dst, const void *src, size_t n)		\
{									\
	type *d = dst;							\
	const type *s = src;						\
	size_t i;							\
									\
	for (i = 0; i < n; i++) {					\
		type a = d[i], b = s[i];				\
									\
		if (a != a || b != b)					\
			d[i] = name##_qnan();				\
		else if (b < a || (b == a && name##_neg(b)))		\
			d[i] = b;					\
	}								\
}									\
static void max_##name(void *dst, const void *src, size_t n)		\
{									\
	type *d = dst;							\
	const type *s = src;						\
	size_t i;							\
									\
	for (i = 0; i < n; i++) {					\
		type a = d[i], b = s[i];				\
									\
		if (a != a || b != b)					\
			d[i] = name##_qnan();				\
		else if (b > a || (b == a && !name##_neg(b)))		\
			d[i] = b;					\
	}								\
}

PVM_FPU_OPS(f32, float)
PVM_FPU_OPS(f64, double)

/* [PROCESS_VM_OP_* - 1][PVM_FPU_*]; bitwise operations are rejected. */
const pvm_reduce_fn pvm_reduce_fpu_ops[PVM_NR_OPS][PVM_FPU_NR_TYPES] = {
	[PROCESS_VM_OP_SUM - 1] = { sum_f32, sum_f64 },
	[PROCESS_VM_OP_PROD - 1] = { prod_f32, prod_f64 },
	[PROCESS_VM_OP_MIN - 1] = { min_f32, min_f64 },
	[PROCESS_VM_OP_MAX - 1] = { max_f32, max_f64 },
};
