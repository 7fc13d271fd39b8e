// The exact GELU and its derivative as loops the compiler vectorises: no libm calls (a call
// to erff per element keeps the loop scalar), one exp each, written with the rounding trick
// and the exponent bits so that every step is a plain vector instruction.
//
// Φ(x) = 0.5·erfc(−x/√2). For z = |x|/√2, erfc(z) = t·exp(−z² + P(t)), t = 1/(1 + z/2), with
// P the Chebyshev fit of Numerical Recipes' erfcc (relative error below 1.2e-7 for every z);
// then Φ(x) = 1 − erfc(z)/2 for x ≥ 0 and erfc(z)/2 for x < 0.
//
// The same loops are compiled for AVX-512 (16 lanes), AVX2 (8) and the baseline (4), chosen
// at run time; without contraction into fused multiply-adds both give bit-identical results.
// Each loop keeps four vectors in flight (`interleave_count(4)`): one element's polynomial
// and exponential are a chain of dependent steps, and with one vector at a time the forward
// took 2.6 ns an element on a Zen 3 core, 2.0 ns with four (two and eight were slower).
#include "CKernels.h"
#include <stdint.h>
#include <string.h>

#pragma clang fp contract(off)

#include "exp_internal.h"

/// Φ(−|x|) = erfc(|x|/√2)/2.
__attribute__((always_inline)) static inline float ck_lower_tail(float x) {
    float z = (x < 0.0f ? -x : x) * 0.70710678118654752f;
    float t = 1.0f / (1.0f + 0.5f * z);
    float p = 0.17087277f;
    p = -0.82215223f + t * p;
    p = 1.48851587f + t * p;
    p = -1.13520398f + t * p;
    p = 0.27886807f + t * p;
    p = -0.18628806f + t * p;
    p = 0.09678418f + t * p;
    p = 0.37409196f + t * p;
    p = 1.00002368f + t * p;
    p = -1.26551223f + t * p;
    return 0.5f * t * ck_exp(p - z * z);
}

__attribute__((always_inline)) static inline float ck_normal_cdf(float x) {
    float tail = ck_lower_tail(x);
    return x < 0.0f ? tail : 1.0f - tail;
}

/// The forward and backward loops, compiled once per instruction set.
#define CK_GELU_LOOPS(forward, backward, attributes)                                                           \
    attributes void forward(const float *restrict x, float *restrict y, ptrdiff_t count) {                     \
        _Pragma("clang loop interleave_count(4)") for (ptrdiff_t i = 0; i < count; i++) {                                                                \
            float value = x[i];                                                                                \
            y[i] = value * ck_normal_cdf(value);                                                               \
        }                                                                                                      \
    }                                                                                                          \
    attributes void backward(const float *restrict x, const float *restrict dy, float *restrict dx,            \
                             ptrdiff_t count, bool accumulate) {                                               \
        const float inverse_square_root_two_pi = 0.39894228040143268f;                                         \
        if (accumulate) {                                                                                      \
            _Pragma("clang loop interleave_count(4)") for (ptrdiff_t i = 0; i < count; i++) {                                                            \
                float value = x[i];                                                                            \
                float density = ck_exp(-0.5f * value * value) * inverse_square_root_two_pi;                    \
                dx[i] += dy[i] * (ck_normal_cdf(value) + value * density);                                     \
            }                                                                                                  \
        } else {                                                                                               \
            _Pragma("clang loop interleave_count(4)") for (ptrdiff_t i = 0; i < count; i++) {                                                            \
                float value = x[i];                                                                            \
                float density = ck_exp(-0.5f * value * value) * inverse_square_root_two_pi;                    \
                dx[i] = dy[i] * (ck_normal_cdf(value) + value * density);                                      \
            }                                                                                                  \
        }                                                                                                      \
    }

CK_GELU_LOOPS(ck_gelu_forward_baseline, ck_gelu_backward_baseline, )
#if defined(__x86_64__)
CK_GELU_LOOPS(gelu_forward_avx512, gelu_backward_avx512, __attribute__((target("avx512f"))) static)
CK_GELU_LOOPS(gelu_forward_avx2, gelu_backward_avx2, __attribute__((target("avx2"))) static)
#endif

void ck_gelu_forward(const float *x, float *y, ptrdiff_t count) {
#if defined(__x86_64__)
    if (ck_cpu_features() & CK_CPU_FEATURE_AVX512F) {
        gelu_forward_avx512(x, y, count);
        return;
    }
    if (ck_cpu_features() & CK_CPU_FEATURE_AVX2_FMA) {
        gelu_forward_avx2(x, y, count);
        return;
    }
#endif
    ck_gelu_forward_baseline(x, y, count);
}

void ck_gelu_backward(const float *x, const float *dy, float *dx, ptrdiff_t count, bool accumulate) {
#if defined(__x86_64__)
    if (ck_cpu_features() & CK_CPU_FEATURE_AVX512F) {
        gelu_backward_avx512(x, dy, dx, count, accumulate);
        return;
    }
    if (ck_cpu_features() & CK_CPU_FEATURE_AVX2_FMA) {
        gelu_backward_avx2(x, dy, dx, count, accumulate);
        return;
    }
#endif
    ck_gelu_backward_baseline(x, dy, dx, count, accumulate);
}
