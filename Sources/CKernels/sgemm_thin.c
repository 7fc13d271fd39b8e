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

/// The totals of 16 vectors' lanes, as one vector: element `4·(i % 4) + i / 4` is the sum
/// of `v[i]`'s sixteen lanes.
__attribute__((target("avx512f"), always_inline))
static inline __m512 sixteen_totals(const __m512 v[16]) {
    __m512 halves[8], quarters[4];
    // [a.A0+a.A2, a.A1+a.A3, b.A0+b.A2, b.A1+b.A3] in 128-bit lanes A0..A3.
    for (int i = 0; i < 8; i++) {
        halves[i] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                                  _mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    }
    // 128-bit lane L of quarters[j] holds four partial sums of v[4j + L].
    for (int j = 0; j < 4; j++) {
        quarters[j] = _mm512_add_ps(_mm512_shuffle_f32x4(halves[2 * j], halves[2 * j + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                                    _mm512_shuffle_f32x4(halves[2 * j], halves[2 * j + 1], _MM_SHUFFLE(3, 1, 3, 1)));
    }
    __m512 low = _mm512_add_ps(_mm512_unpacklo_ps(quarters[0], quarters[1]), _mm512_unpackhi_ps(quarters[0], quarters[1]));
    __m512 high = _mm512_add_ps(_mm512_unpacklo_ps(quarters[2], quarters[3]), _mm512_unpackhi_ps(quarters[2], quarters[3]));
    __m512d lowPairs = _mm512_castps_pd(low), highPairs = _mm512_castps_pd(high);
    return _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(lowPairs, highPairs)),
                         _mm512_castpd_ps(_mm512_unpackhi_pd(lowPairs, highPairs)));
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
    // All R·C sums at once: a transposing tree of shuffles and adds turns 16 vectors into
    // one vector of their 16 totals (45 instructions, against ~100 reducing each alone).
    __m512 vectors[16];
    for (int index = 0; index < 16; index++) {
        vectors[index] = index < R * C ? sums[index / C][index % C] : _mm512_setzero_ps();
    }
    float totals[16];
    _mm512_storeu_ps(totals, sixteen_totals(vectors));
    for (ptrdiff_t r = 0; r < rows; r++) {
        float *out = c + r * ldc;
        for (ptrdiff_t q = 0; q < columns; q++) {
            int index = (int)(r * C + q);
            float value = totals[(index % 4) * 4 + index / 4];
            out[q] = accumulate ? out[q] + value : value;
        }
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

/// Writes (or adds) up to 16 sums to `out`, `left` of them valid: full vectors with plain
/// loads and stores (masked stores are slow on some cores, Zen 4 among them).
__attribute__((target("avx512f"), always_inline))
static inline void store_row_part(float *out, ptrdiff_t left, __m512 sums, bool accumulate) {
    if (left <= 0) return;
    if (left >= 16) {
        _mm512_storeu_ps(out, accumulate ? _mm512_add_ps(_mm512_loadu_ps(out), sums) : sums);
    } else {
        __mmask16 mask = lanes_up_to(left);
        _mm512_mask_storeu_ps(out, mask, accumulate ? _mm512_add_ps(_mm512_maskz_loadu_ps(mask, out), sums) : sums);
    }
}

/// `R` (2 or 3) rows of C by 128 columns, `rows <= R` of them real (the others repeat the
/// first row and are not stored): `8·R` vector accumulators, B's 8 vectors per step shared
/// by the rows, and each row stored as 512 contiguous bytes. (4 rows x 64 columns, the first
/// version, was half as fast with k = 4 — 64x768x4: 11.9 against 5.4 µs — and bound by its
/// stores with k = 10; 3 rows load B once for 24 multiply-adds instead of 16: 64x256x10
/// 3.45 → 3.2–3.3 µs.) The full-width and the masked loops are separate functions:
/// together, the masks pushed the accumulators out of registers.
__attribute__((target("avx512f"), always_inline))
static inline void combine_rows_block_full(const int R, ptrdiff_t rows, ptrdiff_t k, const float *a, ptrdiff_t row_stride,
                                           ptrdiff_t depth_stride, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc,
                                           bool accumulate) {
    __m512 sums[3][8];
    for (int r = 0; r < R; r++)
        for (int v = 0; v < 8; v++) sums[r][v] = _mm512_setzero_ps();
    const float *aRows[3];
    for (int r = 0; r < R; r++) aRows[r] = a + (r < rows ? r : 0) * row_stride;
    for (ptrdiff_t p = 0; p < k; p++) {
        __m512 x[3];
        for (int r = 0; r < R; r++) x[r] = _mm512_set1_ps(aRows[r][p * depth_stride]);
        const float *source = b + p * ldb;
        for (int v = 0; v < 8; v++) {
            __m512 bv = _mm512_loadu_ps(source + 16 * v);
            for (int r = 0; r < R; r++) sums[r][v] = _mm512_fmadd_ps(x[r], bv, sums[r][v]);
        }
    }
    for (int v = 0; v < 8; v++) {
        for (int r = 0; r < R; r++) {
            if (r < rows) store_row_part(c + r * ldc + 16 * v, 16, sums[r][v], accumulate);
        }
    }
}

__attribute__((target("avx512f"), noinline))
static void combine_rows_block_full_2(ptrdiff_t rows, ptrdiff_t k, const float *a, ptrdiff_t row_stride, ptrdiff_t depth_stride,
                                      const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc, bool accumulate) {
    combine_rows_block_full(2, rows, k, a, row_stride, depth_stride, b, ldb, c, ldc, accumulate);
}

__attribute__((target("avx512f"), noinline))
static void combine_rows_block_full_3(ptrdiff_t k, const float *a, ptrdiff_t row_stride, ptrdiff_t depth_stride,
                                      const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc, bool accumulate) {
    combine_rows_block_full(3, 3, k, a, row_stride, depth_stride, b, ldb, c, ldc, accumulate);
}

/// The last block of a row, under 128 columns: only its `ceil(columns / 16)` vectors.
__attribute__((target("avx512f"), noinline))
static void combine_rows_block_partial(ptrdiff_t rows, ptrdiff_t columns, ptrdiff_t k, const float *a,
                                       ptrdiff_t row_stride, ptrdiff_t depth_stride, const float *b, ptrdiff_t ldb,
                                       float *c, ptrdiff_t ldc, bool accumulate) {
    const float *aSecond = a + (rows > 1 ? row_stride : 0);
    for (ptrdiff_t v = 0; 16 * v < columns; v++) {
        __mmask16 mask = lanes_up_to(columns - 16 * v);
        __m512 first = _mm512_setzero_ps(), second = _mm512_setzero_ps();
        for (ptrdiff_t p = 0; p < k; p++) {
            __m512 bv = _mm512_maskz_loadu_ps(mask, b + p * ldb + 16 * v);
            first = _mm512_fmadd_ps(_mm512_set1_ps(a[p * depth_stride]), bv, first);
            second = _mm512_fmadd_ps(_mm512_set1_ps(aSecond[p * depth_stride]), bv, second);
        }
        store_row_part(c + 16 * v, columns - 16 * v, first, accumulate);
        if (rows > 1) store_row_part(c + ldc + 16 * v, columns - 16 * v, second, accumulate);
    }
}

/// Rows in threes, ending with pairs rather than a single row (4 = 2 + 2, 10 = 3 + 3 + 2 + 2),
/// columns in chunks of 128; a chunk under 128 columns takes the masked loop, two rows at a
/// time.
__attribute__((target("avx512f")))
static void combine_rows_avx512(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t row_stride,
                                ptrdiff_t depth_stride, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc,
                                bool accumulate) {
    for (ptrdiff_t i = 0, rows; i < m; i += rows) {
        ptrdiff_t left = m - i;
        rows = left == 3 || left > 4 ? 3 : left < 2 ? left : 2;
        const float *aBlock = a + i * row_stride;
        float *cBlock = c + i * ldc;
        for (ptrdiff_t j = 0; j < n; j += 128) {
            ptrdiff_t columns = n - j < 128 ? n - j : 128;
            if (columns == 128 && rows == 3) {
                combine_rows_block_full_3(k, aBlock, row_stride, depth_stride, b + j, ldb, cBlock + j, ldc, accumulate);
            } else if (columns == 128) {
                combine_rows_block_full_2(rows, k, aBlock, row_stride, depth_stride, b + j, ldb, cBlock + j, ldc, accumulate);
            } else {
                ptrdiff_t pair = rows < 2 ? rows : 2;
                combine_rows_block_partial(pair, columns, k, aBlock, row_stride, depth_stride, b + j, ldb, cBlock + j, ldc,
                                           accumulate);
                if (rows == 3) {
                    combine_rows_block_partial(1, columns, k, aBlock + 2 * row_stride, row_stride, depth_stride, b + j, ldb,
                                               cBlock + 2 * ldc + j, ldc, accumulate);
                }
            }
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
