// AVX2 micro-kernel: a 6 x 16 block of C held in 12 ymm accumulators (two 8-float
// vectors per row). Each step p loads one 16-float row of B as two vectors, broadcasts
// the 6 values of column p of A, and issues 12 fused multiply-adds. Partial blocks are computed into a local tile and copied out.

#include "sgemm_internal.h"

#if defined(__x86_64__)

#include <immintrin.h>

#define MR 6
#define NR 16

#define CK_TARGET __attribute__((target("avx2,fma")))

#define ROW_FMA(i)                                                           \
    do {                                                                     \
        const __m256 a_value = _mm256_broadcast_ss(a##i);                    \
        c##i##0 = _mm256_fmadd_ps(a_value, b0, c##i##0);                     \
        c##i##1 = _mm256_fmadd_ps(a_value, b1, c##i##1);                     \
        a##i += a_depth_stride;                                              \
    } while (0)

#define STEP()                                                               \
    do {                                                                     \
        const __m256 b0 = _mm256_loadu_ps(b);                                \
        const __m256 b1 = _mm256_loadu_ps(b + 8);                            \
        ROW_FMA(0);                                                          \
        ROW_FMA(1);                                                          \
        ROW_FMA(2);                                                          \
        ROW_FMA(3);                                                          \
        ROW_FMA(4);                                                          \
        ROW_FMA(5);                                                          \
        b += b_depth_stride;                                                 \
    } while (0)

#define STORE_ROW(i)                                                                   \
    do {                                                                               \
        float *c_row = target + (i) * target_ldc;                                      \
        if (add_existing) {                                                            \
            c##i##0 = _mm256_add_ps(c##i##0, _mm256_loadu_ps(c_row));                  \
            c##i##1 = _mm256_add_ps(c##i##1, _mm256_loadu_ps(c_row + 8));              \
        }                                                                              \
        _mm256_storeu_ps(c_row, c##i##0);                                              \
        _mm256_storeu_ps(c_row + 8, c##i##1);                                          \
    } while (0)

CK_TARGET
void ck_sgemm_microkernel_avx2_6x16(ptrdiff_t kc, const float *a, ptrdiff_t a_row_stride,
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

    // Start fetching the C block now so that the accesses at the end do not wait for it.
    for (ptrdiff_t i = 0; i < mr; ++i) {
        __builtin_prefetch(c + i * ldc, 1, 3);
        __builtin_prefetch(c + i * ldc + NR - 1, 1, 3);
    }

    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();

    ptrdiff_t p = 0;
    for (; p + 2 <= kc; p += 2) {
        STEP();
        STEP();
    }
    if (p < kc) STEP();

    const bool full_tile = mr == MR && nr == NR;
    float tile[MR * NR] __attribute__((aligned(32)));
    float *target = full_tile ? c : tile;
    const ptrdiff_t target_ldc = full_tile ? ldc : NR;
    const bool add_existing = full_tile && accumulate;
    STORE_ROW(0);
    STORE_ROW(1);
    STORE_ROW(2);
    STORE_ROW(3);
    STORE_ROW(4);
    STORE_ROW(5);

    if (!full_tile) {
        for (ptrdiff_t i = 0; i < mr; ++i) {
            float *c_row = c + i * ldc;
            const float *tile_row = tile + i * NR;
            for (ptrdiff_t j = 0; j < nr; ++j) {
                c_row[j] = accumulate ? c_row[j] + tile_row[j] : tile_row[j];
            }
        }
    }
}

#endif
