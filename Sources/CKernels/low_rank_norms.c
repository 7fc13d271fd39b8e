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
__attribute__((target("avx512f")))
static void norms_avx512(const float *w, const float *a, const float *b, float scale, ptrdiff_t out, ptrdiff_t in,
                         ptrdiff_t rank, bool along_rows, float *norms) {
    if (!along_rows) memset(norms, 0, (size_t)in * sizeof(float));
    for (ptrdiff_t i = 0; i < out; i++) {
        const float *w_row = w + i * in, *b_row = b + i * rank;
        __m512 sum0 = _mm512_setzero_ps(), sum1 = _mm512_setzero_ps();
        for (ptrdiff_t j = 0; j < in; j += 16) {
            ptrdiff_t left = in - j;
            __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
            __m512 v = _mm512_maskz_loadu_ps(mask, w_row + j);
            for (ptrdiff_t k = 0; k < rank; k++) {
                __m512 coefficient = _mm512_set1_ps(scale * b_row[k]);
                v = _mm512_fmadd_ps(coefficient, _mm512_maskz_loadu_ps(mask, a + k * in + j), v);
            }
            if (along_rows) {
                if ((j / 16) & 1) sum1 = _mm512_fmadd_ps(v, v, sum1); else sum0 = _mm512_fmadd_ps(v, v, sum0);
            } else {
                __m512 column = _mm512_maskz_loadu_ps(mask, norms + j);
                _mm512_mask_storeu_ps(norms + j, mask, _mm512_fmadd_ps(v, v, column));
            }
        }
        if (along_rows) norms[i] = sqrtf(_mm512_reduce_add_ps(_mm512_add_ps(sum0, sum1)));
    }
    if (!along_rows) {
        for (ptrdiff_t j = 0; j < in; j += 16) {
            ptrdiff_t left = in - j;
            __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
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

bool ck_all_finite(const float *values, ptrdiff_t count) {
    const uint32_t *bits = (const uint32_t *)(const void *)values;
    uint32_t largest_exponent = 0;
    for (ptrdiff_t i = 0; i < count; i++) {
        uint32_t exponent = bits[i] & 0x7F800000u;
        largest_exponent = exponent > largest_exponent ? exponent : largest_exponent;
    }
    return largest_exponent != 0x7F800000u;
}
