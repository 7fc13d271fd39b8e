// AVX-512 micro-kernel: an 8 x 32 block of C held in 16 zmm accumulators (two 16-float
// vectors per row). Each step p loads one 32-float row of B as two vectors, broadcasts
// the 8 values of column p of A (read through arbitrary row and depth strides, so A can
// be a packed panel or the caller's matrix in either layout), and issues 16 fused
// multiply-adds. Blocks of at most 16 columns run a half-width loop. Partial blocks are
// written through column masks and a row count, so C is never touched outside them.

#include "sgemm_internal.h"

#if defined(__x86_64__)

#include <immintrin.h>

#define MR 8
#define NR 32

#define CK_TARGET __attribute__((target("avx512f,fma")))

#define ROW_FMA(i)                                                           \
    do {                                                                     \
        const __m512 a_value = _mm512_set1_ps(*a##i);                        \
        c##i##0 = _mm512_fmadd_ps(a_value, b0, c##i##0);                     \
        c##i##1 = _mm512_fmadd_ps(a_value, b1, c##i##1);                     \
        a##i += a_depth_stride;                                              \
    } while (0)

#define STEP()                                                               \
    do {                                                                     \
        const __m512 b0 = _mm512_loadu_ps(b);                                \
        const __m512 b1 = _mm512_loadu_ps(b + 16);                           \
        ROW_FMA(0);                                                          \
        ROW_FMA(1);                                                          \
        ROW_FMA(2);                                                          \
        ROW_FMA(3);                                                          \
        ROW_FMA(4);                                                          \
        ROW_FMA(5);                                                          \
        ROW_FMA(6);                                                          \
        ROW_FMA(7);                                                          \
        b += b_depth_stride;                                                 \
    } while (0)

// Half-width step for blocks of at most 16 columns: only the first B vector is live.
#define ROW_FMA_NARROW(i)                                                    \
    do {                                                                     \
        c##i##0 = _mm512_fmadd_ps(_mm512_set1_ps(*a##i), b0, c##i##0);       \
        a##i += a_depth_stride;                                              \
    } while (0)

#define STEP_NARROW()                                                        \
    do {                                                                     \
        const __m512 b0 = _mm512_loadu_ps(b);                                \
        ROW_FMA_NARROW(0);                                                   \
        ROW_FMA_NARROW(1);                                                   \
        ROW_FMA_NARROW(2);                                                   \
        ROW_FMA_NARROW(3);                                                   \
        ROW_FMA_NARROW(4);                                                   \
        ROW_FMA_NARROW(5);                                                   \
        ROW_FMA_NARROW(6);                                                   \
        ROW_FMA_NARROW(7);                                                   \
        b += b_depth_stride;                                                 \
    } while (0)

// Writes accumulator row i into C under the column masks, adding the old value if asked.
#define STORE_ROW(i)                                                                       \
    do {                                                                                   \
        float *c_row = c + (i) * ldc;                                                      \
        if (accumulate) {                                                                  \
            c##i##0 = _mm512_add_ps(c##i##0, _mm512_maskz_loadu_ps(mask0, c_row));         \
            c##i##1 = _mm512_add_ps(c##i##1, _mm512_maskz_loadu_ps(mask1, c_row + 16));    \
        }                                                                                  \
        _mm512_mask_storeu_ps(c_row, mask0, c##i##0);                                      \
        _mm512_mask_storeu_ps(c_row + 16, mask1, c##i##1);                                 \
    } while (0)

CK_TARGET
void ck_sgemm_microkernel_avx512_8x32(ptrdiff_t kc, const float *a, ptrdiff_t a_row_stride,
                                      ptrdiff_t a_depth_stride, const float *b,
                                      ptrdiff_t b_depth_stride, float *c, ptrdiff_t ldc,
                                      ptrdiff_t mr, ptrdiff_t nr, bool accumulate) {
    // Rows past `mr` re-read row 0; their results are discarded.
    const float *a0 = a;
    const float *a1 = a + (mr > 1 ? 1 : 0) * a_row_stride;
    const float *a2 = a + (mr > 2 ? 2 : 0) * a_row_stride;
    const float *a3 = a + (mr > 3 ? 3 : 0) * a_row_stride;
    const float *a4 = a + (mr > 4 ? 4 : 0) * a_row_stride;
    const float *a5 = a + (mr > 5 ? 5 : 0) * a_row_stride;
    const float *a6 = a + (mr > 6 ? 6 : 0) * a_row_stride;
    const float *a7 = a + (mr > 7 ? 7 : 0) * a_row_stride;

    // Start fetching the C block now so that the accesses at the end do not wait for it.
    for (ptrdiff_t i = 0; i < mr; ++i) {
        __builtin_prefetch(c + i * ldc, 1, 3);
        __builtin_prefetch(c + i * ldc + NR - 1, 1, 3);
    }

    __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps();
    __m512 c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
    __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps();
    __m512 c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
    __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps();
    __m512 c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
    __m512 c60 = _mm512_setzero_ps(), c61 = _mm512_setzero_ps();
    __m512 c70 = _mm512_setzero_ps(), c71 = _mm512_setzero_ps();

    ptrdiff_t p = 0;
    if (nr <= 16) {
        // The second half of the block is discarded: skip its multiply-adds.
        for (; p + 2 <= kc; p += 2) {
            STEP_NARROW();
            STEP_NARROW();
        }
        if (p < kc) STEP_NARROW();
    } else {
        for (; p + 2 <= kc; p += 2) {
            STEP();
            STEP();
        }
        if (p < kc) STEP();
    }

    const __mmask16 mask0 = nr >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1u);
    const __mmask16 mask1 = nr >= 32   ? (__mmask16)0xFFFF
                            : nr > 16 ? (__mmask16)((1u << (nr - 16)) - 1u)
                                      : (__mmask16)0;
    STORE_ROW(0);
    if (mr > 1) STORE_ROW(1);
    if (mr > 2) STORE_ROW(2);
    if (mr > 3) STORE_ROW(3);
    if (mr > 4) STORE_ROW(4);
    if (mr > 5) STORE_ROW(5);
    if (mr > 6) STORE_ROW(6);
    if (mr > 7) STORE_ROW(7);
}

#endif
