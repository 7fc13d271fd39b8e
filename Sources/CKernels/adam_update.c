// Adam / AdamW element update, vectorised. See ck_adam_update in CKernels.h.
#include "CKernels.h"
#include <math.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// No fused multiply-add: every variant rounds each product and sum separately, so all
// of them give bit-identical results.
#pragma clang fp contract(off)

static inline void adam_update_scalar(float *param, const float *grad, float *m, float *v, ptrdiff_t start,
                                      ptrdiff_t count, const ck_adam_constants *k) {
    for (ptrdiff_t i = start; i < count; i++) {
        float p = param[i];
        if (k->decoupled_factor != 1.0f) p = p * k->decoupled_factor;
        float g = grad[i];
        if (k->l2_decay != 0.0f) g = g + k->l2_decay * p;
        float mi = m[i] + k->one_minus_beta1 * (g - m[i]);
        float vi = k->beta2 * v[i] + k->one_minus_beta2 * (g * g);
        float denominator = __builtin_sqrtf(vi) / k->bias_correction2_root + k->epsilon;
        m[i] = mi;
        v[i] = vi;
        param[i] = p - k->step_size * (mi / denominator);
    }
}

#if defined(__x86_64__)
__attribute__((target("avx512f")))
static void adam_update_avx512(float *param, const float *grad, float *m, float *v, ptrdiff_t count,
                               const ck_adam_constants *k) {
    const __m512 decoupled = _mm512_set1_ps(k->decoupled_factor), l2 = _mm512_set1_ps(k->l2_decay);
    const __m512 omb1 = _mm512_set1_ps(k->one_minus_beta1), b2 = _mm512_set1_ps(k->beta2);
    const __m512 omb2 = _mm512_set1_ps(k->one_minus_beta2), c2 = _mm512_set1_ps(k->bias_correction2_root);
    const __m512 eps = _mm512_set1_ps(k->epsilon), step = _mm512_set1_ps(k->step_size);
    const int scales = k->decoupled_factor != 1.0f, penalises = k->l2_decay != 0.0f;
    ptrdiff_t i = 0;
    for (; i + 16 <= count; i += 16) {
        __m512 p = _mm512_loadu_ps(param + i);
        if (scales) p = _mm512_mul_ps(p, decoupled);
        __m512 g = _mm512_loadu_ps(grad + i);
        if (penalises) g = _mm512_add_ps(g, _mm512_mul_ps(l2, p));
        __m512 mi = _mm512_loadu_ps(m + i);
        mi = _mm512_add_ps(mi, _mm512_mul_ps(omb1, _mm512_sub_ps(g, mi)));
        __m512 vi = _mm512_add_ps(_mm512_mul_ps(b2, _mm512_loadu_ps(v + i)), _mm512_mul_ps(omb2, _mm512_mul_ps(g, g)));
        __m512 denominator = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vi), c2), eps);
        _mm512_storeu_ps(m + i, mi);
        _mm512_storeu_ps(v + i, vi);
        _mm512_storeu_ps(param + i, _mm512_sub_ps(p, _mm512_mul_ps(step, _mm512_div_ps(mi, denominator))));
    }
    adam_update_scalar(param, grad, m, v, i, count, k);
}
#endif

void ck_adam_update(float *param, const float *grad, float *m, float *v, ptrdiff_t count,
                    const ck_adam_constants *constants) {
#if defined(__x86_64__)
    if (ck_cpu_features() & CK_CPU_FEATURE_AVX512F) {
        adam_update_avx512(param, grad, m, v, count, constants);
        return;
    }
#endif
    adam_update_scalar(param, grad, m, v, 0, count, constants);
}

void ck_adam_update_portable(float *param, const float *grad, float *m, float *v, ptrdiff_t count,
                             const ck_adam_constants *constants) {
    adam_update_scalar(param, grad, m, v, 0, count, constants);
}
