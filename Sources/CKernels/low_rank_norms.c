// Norms of W + s·B·A without forming the [out, in] matrix. See CKernels.h.
#include "CKernels.h"
#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static void norms_portable(const float *w, const float *a, const float *b, float scale, ptrdiff_t out, ptrdiff_t in,
                           ptrdiff_t rank, bool along_rows, float *norms) {
    if (!along_rows) memset(norms, 0, (size_t)in * sizeof(float));
    for (ptrdiff_t i = 0; i < out; i++) {
        const float *w_row = w + i * in, *b_row = b + i * rank;
        double row_sum = 0;
        for (ptrdiff_t j = 0; j < in; j++) {
            float v = w_row[j];
            for (ptrdiff_t k = 0; k < rank; k++) v += scale * b_row[k] * a[k * in + j];
            if (along_rows) row_sum += (double)v * v; else norms[j] += v * v;
        }
        if (along_rows) norms[i] = (float)sqrt(row_sum);
    }
    if (!along_rows) for (ptrdiff_t j = 0; j < in; j++) norms[j] = sqrtf(norms[j]);
}

#if defined(__x86_64__)
/// Rows `i0 ..< i0 + ROWS` of V, 16 columns at a time: each chunk of A is loaded once and
/// used for all ROWS rows, which cuts the traffic over A (the reason for the blocking).
#define CK_NORM_ROWS 4

__attribute__((target("avx512f")))
static inline __mmask16 tail_mask(ptrdiff_t left) {
    return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
}

__attribute__((target("avx512f")))
static void norms_avx512(const float *w, const float *a, const float *b, float scale, ptrdiff_t out, ptrdiff_t in,
                         ptrdiff_t rank, bool along_rows, float *norms) {
    if (!along_rows) memset(norms, 0, (size_t)in * sizeof(float));
    ptrdiff_t i = 0;
    for (; i + CK_NORM_ROWS <= out; i += CK_NORM_ROWS) {
        __m512 sums[CK_NORM_ROWS];
        for (int r = 0; r < CK_NORM_ROWS; r++) sums[r] = _mm512_setzero_ps();
        for (ptrdiff_t j = 0; j < in; j += 16) {
            __mmask16 mask = tail_mask(in - j);
            __m512 v[CK_NORM_ROWS];
            for (int r = 0; r < CK_NORM_ROWS; r++) v[r] = _mm512_maskz_loadu_ps(mask, w + (i + r) * in + j);
            for (ptrdiff_t k = 0; k < rank; k++) {
                __m512 a_chunk = _mm512_maskz_loadu_ps(mask, a + k * in + j);
                for (int r = 0; r < CK_NORM_ROWS; r++) {
                    v[r] = _mm512_fmadd_ps(_mm512_set1_ps(scale * b[(i + r) * rank + k]), a_chunk, v[r]);
                }
            }
            if (along_rows) {
                for (int r = 0; r < CK_NORM_ROWS; r++) sums[r] = _mm512_fmadd_ps(v[r], v[r], sums[r]);
            } else {
                __m512 squares = _mm512_maskz_loadu_ps(mask, norms + j);
                for (int r = 0; r < CK_NORM_ROWS; r++) squares = _mm512_fmadd_ps(v[r], v[r], squares);
                _mm512_mask_storeu_ps(norms + j, mask, squares);
            }
        }
        if (along_rows) {
            for (int r = 0; r < CK_NORM_ROWS; r++) norms[i + r] = sqrtf(_mm512_reduce_add_ps(sums[r]));
        }
    }
    for (; i < out; i++) {
        __m512 sum = _mm512_setzero_ps();
        for (ptrdiff_t j = 0; j < in; j += 16) {
            __mmask16 mask = tail_mask(in - j);
            __m512 v = _mm512_maskz_loadu_ps(mask, w + i * in + j);
            for (ptrdiff_t k = 0; k < rank; k++) {
                v = _mm512_fmadd_ps(_mm512_set1_ps(scale * b[i * rank + k]), _mm512_maskz_loadu_ps(mask, a + k * in + j), v);
            }
            if (along_rows) {
                sum = _mm512_fmadd_ps(v, v, sum);
            } else {
                _mm512_mask_storeu_ps(norms + j, mask, _mm512_fmadd_ps(v, v, _mm512_maskz_loadu_ps(mask, norms + j)));
            }
        }
        if (along_rows) norms[i] = sqrtf(_mm512_reduce_add_ps(sum));
    }
    if (!along_rows) {
        for (ptrdiff_t j = 0; j < in; j += 16) {
            __mmask16 mask = tail_mask(in - j);
            _mm512_mask_storeu_ps(norms + j, mask, _mm512_sqrt_ps(_mm512_maskz_loadu_ps(mask, norms + j)));
        }
    }
}
#endif

void ck_low_rank_adapted_norms(const float *w, const float *a, const float *b, float scale, ptrdiff_t out, ptrdiff_t in,
                               ptrdiff_t rank, bool along_rows, float *norms) {
#if defined(__x86_64__)
    if (ck_cpu_features() & CK_CPU_FEATURE_AVX512F) {
        norms_avx512(w, a, b, scale, out, in, rank, along_rows, norms);
        return;
    }
#endif
    norms_portable(w, a, b, scale, out, in, rank, along_rows, norms);
}

void ck_low_rank_adapted_norms_portable(const float *w, const float *a, const float *b, float scale, ptrdiff_t out,
                                        ptrdiff_t in, ptrdiff_t rank, bool along_rows, float *norms) {
    norms_portable(w, a, b, scale, out, in, rank, along_rows, norms);
}

static bool all_finite_scalar(const float *values, ptrdiff_t start, ptrdiff_t count) {
    const uint32_t *bits = (const uint32_t *)(const void *)values;
    uint32_t largest_exponent = 0;
    for (ptrdiff_t i = start; i < count; i++) {
        uint32_t exponent = bits[i] & 0x7F800000u;
        largest_exponent = exponent > largest_exponent ? exponent : largest_exponent;
    }
    return largest_exponent != 0x7F800000u;
}

#if defined(__x86_64__)
/// The largest exponent field of 64 floats at a time (four independent vector maxima).
__attribute__((target("avx512f")))
static bool all_finite_avx512(const float *values, ptrdiff_t count) {
    const __m512i exponent_bits = _mm512_set1_epi32(0x7F800000);
    __m512i largest[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
    ptrdiff_t i = 0;
    for (; i + 64 <= count; i += 64) {
        for (int q = 0; q < 4; q++) {
            __m512i bits = _mm512_loadu_si512((const void *)(values + i + 16 * q));
            largest[q] = _mm512_max_epu32(largest[q], _mm512_and_si512(bits, exponent_bits));
        }
    }
    __m512i all = _mm512_max_epu32(_mm512_max_epu32(largest[0], largest[1]), _mm512_max_epu32(largest[2], largest[3]));
    if (_mm512_cmpeq_epi32_mask(all, exponent_bits)) return false;
    return all_finite_scalar(values, i, count);
}
#endif

bool ck_all_finite(const float *values, ptrdiff_t count) {
#if defined(__x86_64__)
    if (ck_cpu_features() & CK_CPU_FEATURE_AVX512F) return all_finite_avx512(values, count);
#endif
    return all_finite_scalar(values, 0, count);
}
