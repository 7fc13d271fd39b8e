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

/// A vector's sixteen lanes added pairwise down to four (512 -> 256 -> 128 bits).
__attribute__((target("avx512f")))
static inline __m128 quarter_sums(__m512 v) {
    __m256 half = _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    return _mm_add_ps(_mm256_castps256_ps128(half), _mm256_extractf128_ps(half, 1));
}

/// Stores the full sums of `count` (1 to 4) vectors' quarter sums to `out[0..<count]`.
__attribute__((target("avx512f")))
static inline void store_sums(const __m128 *quarters, int count, float *out, bool accumulate) {
    __m128 zero = _mm_setzero_ps();
    __m128 row = _mm_hadd_ps(_mm_hadd_ps(quarters[0], count > 1 ? quarters[1] : zero),
                             _mm_hadd_ps(count > 2 ? quarters[2] : zero, count > 3 ? quarters[3] : zero));
    float values[4];
    _mm_storeu_ps(values, row);
    for (int q = 0; q < count; q++) out[q] = accumulate ? out[q] + values[q] : values[q];
}

/// A block of `R` rows of A by `C` rows of B (`R·C` vector sums over p, reduced at the
/// end); `rows <= R` and `columns <= C` are stored. Rows and columns past the block's end
/// read the first row again and are discarded. Instantiated with constant `R` and `C`.
__attribute__((target("avx512f"), always_inline))
static inline void dot_rows_block(const int R, const int C, ptrdiff_t rows, ptrdiff_t columns, ptrdiff_t k,
                                  const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc,
                                  bool accumulate) {
    __m512 sums[4][5];
    for (int r = 0; r < R; r++)
        for (int q = 0; q < C; q++) sums[r][q] = _mm512_setzero_ps();
    const float *aRows[4], *bRows[5];
    for (int r = 0; r < R; r++) aRows[r] = a + (r < rows ? r : 0) * lda;
    for (int q = 0; q < C; q++) bRows[q] = b + (q < columns ? q : 0) * ldb;
    ptrdiff_t p = 0;
    for (; p + 16 <= k; p += 16) {
        __m512 bv[5];
        for (int q = 0; q < C; q++) bv[q] = _mm512_loadu_ps(bRows[q] + p);
        for (int r = 0; r < R; r++) {
            __m512 av = _mm512_loadu_ps(aRows[r] + p);
            for (int q = 0; q < C; q++) sums[r][q] = _mm512_fmadd_ps(av, bv[q], sums[r][q]);
        }
    }
    if (p < k) {
        __mmask16 mask = lanes_up_to(k - p);
        __m512 bv[5];
        for (int q = 0; q < C; q++) bv[q] = _mm512_maskz_loadu_ps(mask, bRows[q] + p);
        for (int r = 0; r < R; r++) {
            __m512 av = _mm512_maskz_loadu_ps(mask, aRows[r] + p);
            for (int q = 0; q < C; q++) sums[r][q] = _mm512_fmadd_ps(av, bv[q], sums[r][q]);
        }
    }
    for (ptrdiff_t r = 0; r < rows; r++) {
        __m128 quarters[5];
        for (int q = 0; q < C; q++) quarters[q] = quarter_sums(sums[r][q]);
        float *out = c + r * ldc;
        int first = columns < 4 ? (int)columns : 4;
        store_sums(quarters, first, out, accumulate);
        if (columns > 4) store_sums(quarters + 4, (int)columns - 4, out + 4, accumulate);
    }
}

__attribute__((target("avx512f")))
static void dot_rows_block_3x5(ptrdiff_t rows, ptrdiff_t columns, ptrdiff_t k, const float *a, ptrdiff_t lda,
                               const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc, bool accumulate) {
    dot_rows_block(3, 5, rows, columns, k, a, lda, b, ldb, c, ldc, accumulate);
}

__attribute__((target("avx512f")))
static void dot_rows_block_4x4(ptrdiff_t rows, ptrdiff_t columns, ptrdiff_t k, const float *a, ptrdiff_t lda,
                               const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc, bool accumulate) {
    dot_rows_block(4, 4, rows, columns, k, a, lda, b, ldb, c, ldc, accumulate);
}

/// Columns in blocks of 5 (3 rows at a time) while at least 5 remain, the rest in a block
/// of up to 4 (4 rows at a time): n = 10 wastes nothing, n = 4 and 16 nothing either.
__attribute__((target("avx512f")))
static void dot_rows_avx512(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda, const float *b,
                            ptrdiff_t ldb, float *c, ptrdiff_t ldc, bool accumulate) {
    ptrdiff_t j = 0;
    if (n % 4 != 0) {
        for (; j + 5 <= n; j += 5) {
            for (ptrdiff_t i = 0; i < m; i += 3) {
                ptrdiff_t rows = m - i < 3 ? m - i : 3;
                dot_rows_block_3x5(rows, 5, k, a + i * lda, lda, b + j * ldb, ldb, c + i * ldc + j, ldc, accumulate);
            }
        }
    }
    for (; j < n; j += 4) {
        ptrdiff_t columns = n - j < 4 ? n - j : 4;
        for (ptrdiff_t i = 0; i < m; i += 4) {
            ptrdiff_t rows = m - i < 4 ? m - i : 4;
            dot_rows_block_4x4(rows, columns, k, a + i * lda, lda, b + j * ldb, ldb, c + i * ldc + j, ldc, accumulate);
        }
    }
}

/// Up to `R` rows of C by up to 64 columns: `4·R` vector accumulators, one pass over p.
/// Instantiated with a constant `R`.
__attribute__((target("avx512f"), always_inline))
static inline void combine_rows_block(const int R, ptrdiff_t rows, ptrdiff_t columns, ptrdiff_t k, const float *a,
                                      ptrdiff_t row_stride, ptrdiff_t depth_stride, const float *b, ptrdiff_t ldb,
                                      float *c, ptrdiff_t ldc, bool accumulate) {
    __mmask16 masks[4];
    for (int q = 0; q < 4; q++) {
        ptrdiff_t left = columns - 16 * q;
        masks[q] = left <= 0 ? (__mmask16)0 : lanes_up_to(left);
    }
    __m512 sums[4][4];
    for (int r = 0; r < R; r++)
        for (int q = 0; q < 4; q++) sums[r][q] = _mm512_setzero_ps();
    const float *aRows[4];
    for (int r = 0; r < R; r++) aRows[r] = a + (r < rows ? r : 0) * row_stride;
    if (columns == 64) {
        for (ptrdiff_t p = 0; p < k; p++) {
            __m512 bv[4];
            for (int q = 0; q < 4; q++) bv[q] = _mm512_loadu_ps(b + p * ldb + 16 * q);
            for (int r = 0; r < R; r++) {
                __m512 av = _mm512_set1_ps(aRows[r][p * depth_stride]);
                for (int q = 0; q < 4; q++) sums[r][q] = _mm512_fmadd_ps(av, bv[q], sums[r][q]);
            }
        }
    } else {
        for (ptrdiff_t p = 0; p < k; p++) {
            __m512 bv[4];
            for (int q = 0; q < 4; q++) bv[q] = _mm512_maskz_loadu_ps(masks[q], b + p * ldb + 16 * q);
            for (int r = 0; r < R; r++) {
                __m512 av = _mm512_set1_ps(aRows[r][p * depth_stride]);
                for (int q = 0; q < 4; q++) sums[r][q] = _mm512_fmadd_ps(av, bv[q], sums[r][q]);
            }
        }
    }
    // Full chunks use plain loads and stores: masked stores are slow on some cores (Zen 4).
    for (ptrdiff_t r = 0; r < rows; r++) {
        for (int q = 0; q < 4; q++) {
            if (!masks[q]) continue;
            float *out = c + r * ldc + 16 * q;
            __m512 value = sums[r][q];
            if (masks[q] == (__mmask16)0xFFFF) {
                if (accumulate) value = _mm512_add_ps(_mm512_loadu_ps(out), value);
                _mm512_storeu_ps(out, value);
            } else {
                if (accumulate) value = _mm512_add_ps(_mm512_maskz_loadu_ps(masks[q], out), value);
                _mm512_mask_storeu_ps(out, masks[q], value);
            }
        }
    }
}

__attribute__((target("avx512f")))
static void combine_rows_block_4(ptrdiff_t rows, ptrdiff_t columns, ptrdiff_t k, const float *a, ptrdiff_t row_stride,
                                 ptrdiff_t depth_stride, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc,
                                 bool accumulate) {
    combine_rows_block(4, rows, columns, k, a, row_stride, depth_stride, b, ldb, c, ldc, accumulate);
}

/// Rows in blocks of 4 (16 accumulators; 6 rows measured slower), columns in chunks of 64.
/// With a small k the stores of C bound the loop (64x256x10: 4.3 µs; with k = 64 the same
/// loop runs at 104 GFLOP/s).
__attribute__((target("avx512f")))
static void combine_rows_avx512(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t row_stride,
                                ptrdiff_t depth_stride, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc,
                                bool accumulate) {
    for (ptrdiff_t i = 0; i < m; i += 4) {
        ptrdiff_t rows = m - i < 4 ? m - i : 4;
        for (ptrdiff_t j = 0; j < n; j += 64) {
            ptrdiff_t columns = n - j < 64 ? n - j : 64;
            combine_rows_block_4(rows, columns, k, a + i * row_stride, row_stride, depth_stride, b + j, ldb,
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
