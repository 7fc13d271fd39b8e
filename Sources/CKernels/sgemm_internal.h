#ifndef CKERNELS_SGEMM_INTERNAL_H
#define CKERNELS_SGEMM_INTERNAL_H

#include "CKernels.h"

// Micro-kernels and packing routines, one set per instruction set. The contracts are those
// of `ck_sgemm_microkernel_fn` and `ck_sgemm_pack_fn` in CKernels.h.

void ck_sgemm_microkernel_portable_4x8(ptrdiff_t kc, const float *a, ptrdiff_t a_row_stride,
    ptrdiff_t a_depth_stride, const float *b, ptrdiff_t b_depth_stride, float *c, ptrdiff_t ldc,
    ptrdiff_t mr, ptrdiff_t nr, bool accumulate);
void ck_sgemm_pack_depth_contiguous_portable(float *dst, const float *src, ptrdiff_t ld,
                                             ptrdiff_t count, ptrdiff_t depth, ptrdiff_t width);
void ck_sgemm_pack_width_contiguous_portable(float *dst, const float *src, ptrdiff_t ld,
                                             ptrdiff_t count, ptrdiff_t depth, ptrdiff_t width);

#if defined(__x86_64__)
void ck_sgemm_microkernel_avx2_6x16(ptrdiff_t kc, const float *a, ptrdiff_t a_row_stride,
    ptrdiff_t a_depth_stride, const float *b, ptrdiff_t b_depth_stride, float *c, ptrdiff_t ldc,
    ptrdiff_t mr, ptrdiff_t nr, bool accumulate);
void ck_sgemm_microkernel_avx512_8x32(ptrdiff_t kc, const float *a, ptrdiff_t a_row_stride,
    ptrdiff_t a_depth_stride, const float *b, ptrdiff_t b_depth_stride, float *c, ptrdiff_t ldc,
    ptrdiff_t mr, ptrdiff_t nr, bool accumulate);
void ck_sgemm_pack_depth_contiguous_avx2(float *dst, const float *src, ptrdiff_t ld,
                                         ptrdiff_t count, ptrdiff_t depth, ptrdiff_t width);
void ck_sgemm_pack_width_contiguous_avx2(float *dst, const float *src, ptrdiff_t ld,
                                         ptrdiff_t count, ptrdiff_t depth, ptrdiff_t width);
#endif

#endif
