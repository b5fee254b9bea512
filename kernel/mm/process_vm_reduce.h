/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Element-wise reductions for process_vm_readv/writev: what the
 * PROCESS_VM_OP_* and PROCESS_VM_TYPE_* bits of their flags select.
 */
#ifndef _MM_PROCESS_VM_REDUCE_H
#define _MM_PROCESS_VM_REDUCE_H

#include <linux/types.h>

/* dst[i] = op(dst[i], src[i]) for i < n, on kernel memory only. */
typedef void (*pvm_reduce_fn)(void *dst, const void *src, size_t n);

/**
 * struct pvm_reduce - a reduction selected by the flags of one call
 * @fn:    the element loop; NULL for a plain copy
 * @shift: log2 of the element size
 * @fpu:   @fn uses floating point and must run between kernel_fpu_begin()
 *         and kernel_fpu_end()
 */
struct pvm_reduce {
	pvm_reduce_fn fn;
	unsigned int shift;
	bool fpu;
};

int pvm_reduce_init(struct pvm_reduce *r, unsigned long flags);
void pvm_reduce_run(const struct pvm_reduce *r, void *dst, const void *src,
		    size_t bytes);

/* Indices of the float types in pvm_reduce_fpu_ops[][]. */
enum {
	PVM_FPU_F32,
	PVM_FPU_F64,
	PVM_FPU_NR_TYPES,
};

/* Index: PROCESS_VM_OP_* - 1; only SUM, PROD, MIN and MAX are filled in. */
#define PVM_NR_OPS	7

#ifdef CONFIG_X86_64
extern const pvm_reduce_fn pvm_reduce_fpu_ops[PVM_NR_OPS][PVM_FPU_NR_TYPES];
#endif

#endif /* _MM_PROCESS_VM_REDUCE_H */
