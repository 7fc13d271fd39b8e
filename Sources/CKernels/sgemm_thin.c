// Products with one small dimension (a LoRA rank): the blocked GEMM pads them to its
// 8 x 32 tiles, wasting up to 8x the work. Two shapes of loop cover them:
//
// - dot rows:       C[i, j] (+)= Σ_p A[i, p]·B[j, p]   (A's and B's rows contiguous in p;
//                   n small: x·Aᵀ with A [r, in])
// - combine rows:   C[i, :] (+)= Σ_p a(i, p)·B[p, :]   (B's rows contiguous; a(i, p) at
//                   a[i*row_stride + p*depth_stride]; m or k small: duᵀ·x, u·Bᵀ, du·A)
#include "CKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// MARK: - Portable

static void dot_rows_portable(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda, const float *b,
                              ptrdiff_t ldb, float *c, ptrdiff_t ldc, bool accumulate) {
    for (ptrdiff_t i = 0; i < m; i++) {
        for (ptrdiff_t j = 0; j < n; j++) {
            float sum = 0;
            for (ptrdiff_t p = 0; p < k; p++) sum += a[i * lda + p] * b[j * ldb + p];
            c[i * ldc + j] = accumulate ? c[i * ldc + j] + sum : sum;
        }
    }
}

static void combine_rows_portable(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t row_stride,
                                  ptrdiff_t depth_stride, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc,
                                  bool accumulate) {
    for (ptrdiff_t i = 0; i < m; i++) {
        float *row = c + i * ldc;
        if (!accumulate) {
            for (ptrdiff_t j = 0; j < n; j++) row[j] = 0;
        }
        for (ptrdiff_t p = 0; p < k; p++) {
            float scale = a[i * row_stride + p * depth_stride];
            const float *source = b + p * ldb;
            for (ptrdiff_t j = 0; j < n; j++) row[j] += scale * source[j];
        }
    }
}

// MARK: - AVX-512

#if defined(__x86_64__)
__attribute__((target("avx512f")))
static inline __mmask16 lanes_up_to(ptrdiff_t left) {
    return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
}

/// One block of up to 4 rows of A by up to 4 rows of B: 16 vector sums over p, reduced
/// at the end.
__attribute__((target("avx512f")))
static void dot_rows_block(ptrdiff_t rows, ptrdiff_t columns, ptrdiff_t k, const float *a, ptrdiff_t lda,
                           const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc, bool accumulate) {
    __m512 sums[4][4];
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) sums[r][q] = _mm512_setzero_ps();
    // Rows past the block's end read row 0 again (their sums are discarded).
    const float *aRows[4], *bRows[4];
    for (int r = 0; r < 4; r++) aRows[r] = a + (r < rows ? r : 0) * lda;
    for (int q = 0; q < 4; q++) bRows[q] = b + (q < columns ? q : 0) * ldb;
    for (ptrdiff_t p = 0; p < k; p += 16) {
        __mmask16 mask = lanes_up_to(k - p);
        __m512 bv[4];
        for (int q = 0; q < 4; q++) bv[q] = _mm512_maskz_loadu_ps(mask, bRows[q] + p);
        for (int r = 0; r < 4; r++) {
            __m512 av = _mm512_maskz_loadu_ps(mask, aRows[r] + p);
            for (int q = 0; q < 4; q++) sums[r][q] = _mm512_fmadd_ps(av, bv[q], sums[r][q]);
        }
    }
    for (ptrdiff_t r = 0; r < rows; r++) {
        for (ptrdiff_t q = 0; q < columns; q++) {
            float sum = _mm512_reduce_add_ps(sums[r][q]);
            float *out = c + r * ldc + q;
            *out = accumulate ? *out + sum : sum;
        }
    }
}

__attribute__((target("avx512f")))
static void dot_rows_avx512(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda, const float *b,
                            ptrdiff_t ldb, float *c, ptrdiff_t ldc, bool accumulate) {
    for (ptrdiff_t i = 0; i < m; i += 4) {
        ptrdiff_t rows = m - i < 4 ? m - i : 4;
        for (ptrdiff_t j = 0; j < n; j += 4) {
            ptrdiff_t columns = n - j < 4 ? n - j : 4;
            dot_rows_block(rows, columns, k, a + i * lda, lda, b + j * ldb, ldb, c + i * ldc + j, ldc, accumulate);
        }
    }
}

/// Up to 4 rows of C by up to 64 columns: 16 vector accumulators, one pass over p.
__attribute__((target("avx512f")))
static void combine_rows_block(ptrdiff_t rows, ptrdiff_t columns, ptrdiff_t k, const float *a, ptrdiff_t row_stride,
                               ptrdiff_t depth_stride, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc,
                               bool accumulate) {
    __mmask16 masks[4];
    for (int q = 0; q < 4; q++) {
        ptrdiff_t left = columns - 16 * q;
        masks[q] = left <= 0 ? (__mmask16)0 : lanes_up_to(left);
    }
    __m512 sums[4][4];
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) sums[r][q] = _mm512_setzero_ps();
    const float *aRows[4];
    for (int r = 0; r < 4; r++) aRows[r] = a + (r < rows ? r : 0) * row_stride;
    for (ptrdiff_t p = 0; p < k; p++) {
        __m512 bv[4];
        for (int q = 0; q < 4; q++) bv[q] = _mm512_maskz_loadu_ps(masks[q], b + p * ldb + 16 * q);
        for (int r = 0; r < 4; r++) {
            __m512 av = _mm512_set1_ps(aRows[r][p * depth_stride]);
            for (int q = 0; q < 4; q++) sums[r][q] = _mm512_fmadd_ps(av, bv[q], sums[r][q]);
        }
    }
    for (ptrdiff_t r = 0; r < rows; r++) {
        for (int q = 0; q < 4; q++) {
            if (!masks[q]) continue;
            float *out = c + r * ldc + 16 * q;
            __m512 value = sums[r][q];
            if (accumulate) value = _mm512_add_ps(_mm512_maskz_loadu_ps(masks[q], out), value);
            _mm512_mask_storeu_ps(out, masks[q], value);
        }
    }
}

__attribute__((target("avx512f")))
static void combine_rows_avx512(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t row_stride,
                                ptrdiff_t depth_stride, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc,
                                bool accumulate) {
    for (ptrdiff_t i = 0; i < m; i += 4) {
        ptrdiff_t rows = m - i < 4 ? m - i : 4;
        for (ptrdiff_t j = 0; j < n; j += 64) {
            ptrdiff_t columns = n - j < 64 ? n - j : 64;
            combine_rows_block(rows, columns, k, a + i * row_stride, row_stride, depth_stride, b + j, ldb,
                               c + i * ldc + j, ldc, accumulate);
        }
    }
}
#endif

// MARK: - Entry points

void ck_sgemm_dot_rows(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda, const float *b,
                       ptrdiff_t ldb, float *c, ptrdiff_t ldc, bool accumulate, bool portable) {
#if defined(__x86_64__)
    if (!portable && (ck_cpu_features() & CK_CPU_FEATURE_AVX512F)) {
        dot_rows_avx512(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
        return;
    }
#endif
    dot_rows_portable(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

void ck_sgemm_combine_rows(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t row_stride,
                           ptrdiff_t depth_stride, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc,
                           bool accumulate, bool portable) {
#if defined(__x86_64__)
    if (!portable && (ck_cpu_features() & CK_CPU_FEATURE_AVX512F)) {
        combine_rows_avx512(m, n, k, a, row_stride, depth_stride, b, ldb, c, ldc, accumulate);
        return;
    }
#endif
    combine_rows_portable(m, n, k, a, row_stride, depth_stride, b, ldb, c, ldc, accumulate);
}
