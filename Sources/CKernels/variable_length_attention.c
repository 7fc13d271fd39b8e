// Multi-head scaled dot-product attention over packed sequences of different lengths, one
// (sequence, head) pair at a time: every product of a pair is a loop the compiler vectorises
// (an axpy along a contiguous row: no horizontal sums), its operands stay in the L1/L2 cache,
// and a pair is computed by one thread start to end, so results do not depend on how pairs
// are shared out. The same loops are compiled for AVX2 with FMA and for the baseline, chosen
// at run time.
//
// Layout: Q, K, V, O and their gradients are `[tokens, features]` row-major with row stride
// `row_stride`; head h is features h·d ..< (h+1)·d; sequence s is rows
// offsets[s] ..< offsets[s+1] (length L). P of pair (s, h) is an L x L block at
// probability_offsets[s] + h·L·L (row i: query i, column j: key j), likewise the dropout mask.
#include "CKernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "exp_internal.h"

/// One pair's forward: S = Q·Kᵀ·scale, P = softmax(S) by rows, O = (P ⊙ M)·V.
#define CK_ATTENTION_FORWARD_PAIR(name, attributes)                                                            \
    attributes void name(const float *restrict q, const float *restrict k, const float *restrict v,            \
                         ptrdiff_t ld, ptrdiff_t length, ptrdiff_t d, float scale, const float *restrict mask,    \
                         float *restrict p, float *restrict o, float *restrict scratch) {                        \
        float *restrict kt = scratch;                /* [d, L]: Kᵀ */                                          \
        float *restrict dropped = scratch + d * length; /* [L]: a row of P ⊙ M */                              \
        for (ptrdiff_t j = 0; j < length; j++)                                                                 \
            for (ptrdiff_t c = 0; c < d; c++) kt[c * length + j] = k[j * ld + c];                              \
        for (ptrdiff_t i = 0; i < length; i++) {                                                               \
            float *restrict s = p + i * length;                                                                \
            const float *restrict qi = q + i * ld;                                                             \
            for (ptrdiff_t j = 0; j < length; j++) s[j] = 0.0f;                                                \
            for (ptrdiff_t c = 0; c < d; c++) {                                                                \
                const float a = qi[c];                                                                         \
                const float *restrict ktc = kt + c * length;                                                   \
                for (ptrdiff_t j = 0; j < length; j++) s[j] += a * ktc[j];                                     \
            }                                                                                                  \
            float maximum = -INFINITY;                                                                         \
            for (ptrdiff_t j = 0; j < length; j++) {                                                           \
                s[j] *= scale;                                                                                 \
                maximum = s[j] > maximum ? s[j] : maximum;                                                     \
            }                                                                                                  \
            for (ptrdiff_t j = 0; j < length; j++) s[j] = ck_exp(s[j] - maximum);                              \
            float total = 0.0f;                                                                                \
            for (ptrdiff_t j = 0; j < length; j++) total += s[j];                                              \
            const float reciprocal = 1.0f / total;                                                             \
            for (ptrdiff_t j = 0; j < length; j++) s[j] *= reciprocal;                                         \
            const float *restrict weights = s;                                                                 \
            if (mask) {                                                                                        \
                const float *restrict mi = mask + i * length;                                                  \
                for (ptrdiff_t j = 0; j < length; j++) dropped[j] = s[j] * mi[j];                              \
                weights = dropped;                                                                             \
            }                                                                                                  \
            float *restrict oi = o + i * ld;                                                                   \
            for (ptrdiff_t c = 0; c < d; c++) oi[c] = 0.0f;                                                    \
            for (ptrdiff_t j = 0; j < length; j++) {                                                           \
                const float a = weights[j];                                                                    \
                const float *restrict vj = v + j * ld;                                                         \
                for (ptrdiff_t c = 0; c < d; c++) oi[c] += a * vj[c];                                          \
            }                                                                                                  \
        }                                                                                                      \
    }

/// One pair's backward, adding into dq, dk, dv (each may be NULL):
/// dV = (P ⊙ M)ᵀ·dO, dP = (dO·Vᵀ) ⊙ M, dS = P ⊙ (dP − rowsum(dP ⊙ P)),
/// dQ = dS·K·scale, dK = dSᵀ·Q·scale.
#define CK_ATTENTION_BACKWARD_PAIR(name, attributes)                                                           \
    attributes void name(const float *restrict q, const float *restrict k, const float *restrict v,            \
                         ptrdiff_t ld, ptrdiff_t length, ptrdiff_t d, float scale, const float *restrict mask,    \
                         const float *restrict p, const float *restrict dout, float *restrict dq,              \
                         float *restrict dk, float *restrict dv, float *restrict scratch) {                      \
        float *restrict vt = scratch;                  /* [d, L]: Vᵀ */                                        \
        float *restrict ds = vt + d * length;          /* [L]: a row of dP, then of dS */                      \
        float *restrict dropped = ds + length;         /* [L]: a row of P ⊙ M */                               \
        float *restrict dk_block = dropped + length;   /* [L, d] */                                            \
        float *restrict dv_block = dk_block + length * d; /* [L, d] */                                         \
        for (ptrdiff_t j = 0; j < length; j++)                                                                 \
            for (ptrdiff_t c = 0; c < d; c++) vt[c * length + j] = v[j * ld + c];                              \
        for (ptrdiff_t index = 0; index < length * d; index++) dk_block[index] = 0.0f;                         \
        for (ptrdiff_t index = 0; index < length * d; index++) dv_block[index] = 0.0f;                         \
        for (ptrdiff_t i = 0; i < length; i++) {                                                               \
            const float *restrict pi = p + i * length;                                                         \
            const float *restrict doi = dout + i * ld;                                                         \
            const float *restrict mi = mask ? mask + i * length : NULL;                                        \
            const float *restrict weights = pi;                                                                \
            if (mi) {                                                                                          \
                for (ptrdiff_t j = 0; j < length; j++) dropped[j] = pi[j] * mi[j];                             \
                weights = dropped;                                                                             \
            }                                                                                                  \
            for (ptrdiff_t j = 0; j < length; j++) {                                                           \
                const float a = weights[j];                                                                    \
                float *restrict dvj = dv_block + j * d;                                                        \
                for (ptrdiff_t c = 0; c < d; c++) dvj[c] += a * doi[c];                                        \
            }                                                                                                  \
            for (ptrdiff_t j = 0; j < length; j++) ds[j] = 0.0f;                                               \
            for (ptrdiff_t c = 0; c < d; c++) {                                                                \
                const float a = doi[c];                                                                        \
                const float *restrict vtc = vt + c * length;                                                   \
                for (ptrdiff_t j = 0; j < length; j++) ds[j] += a * vtc[j];                                    \
            }                                                                                                  \
            if (mi)                                                                                            \
                for (ptrdiff_t j = 0; j < length; j++) ds[j] *= mi[j];                                         \
            float weighted = 0.0f;                                                                             \
            for (ptrdiff_t j = 0; j < length; j++) weighted += ds[j] * pi[j];                                  \
            for (ptrdiff_t j = 0; j < length; j++) ds[j] = pi[j] * (ds[j] - weighted) * scale;                 \
            if (dq) {                                                                                          \
                float *restrict dqi = dq + i * ld;                                                             \
                for (ptrdiff_t j = 0; j < length; j++) {                                                       \
                    const float a = ds[j];                                                                     \
                    const float *restrict kj = k + j * ld;                                                     \
                    for (ptrdiff_t c = 0; c < d; c++) dqi[c] += a * kj[c];                                     \
                }                                                                                              \
            }                                                                                                  \
            const float *restrict qi = q + i * ld;                                                             \
            for (ptrdiff_t j = 0; j < length; j++) {                                                           \
                const float a = ds[j];                                                                         \
                float *restrict dkj = dk_block + j * d;                                                        \
                for (ptrdiff_t c = 0; c < d; c++) dkj[c] += a * qi[c];                                         \
            }                                                                                                  \
        }                                                                                                      \
        for (ptrdiff_t j = 0; j < length; j++) {                                                               \
            if (dk)                                                                                            \
                for (ptrdiff_t c = 0; c < d; c++) dk[j * ld + c] += dk_block[j * d + c];                       \
            if (dv)                                                                                            \
                for (ptrdiff_t c = 0; c < d; c++) dv[j * ld + c] += dv_block[j * d + c];                       \
        }                                                                                                      \
    }

CK_ATTENTION_FORWARD_PAIR(attention_forward_pair_baseline, static)
CK_ATTENTION_BACKWARD_PAIR(attention_backward_pair_baseline, static)
#if defined(__x86_64__)
CK_ATTENTION_FORWARD_PAIR(attention_forward_pair_avx2, __attribute__((target("avx2,fma"))) static)
CK_ATTENTION_BACKWARD_PAIR(attention_backward_pair_avx2, __attribute__((target("avx2,fma"))) static)
#endif

static bool attention_uses_avx2(bool portable) {
#if defined(__x86_64__)
    return !portable && (ck_cpu_features() & CK_CPU_FEATURE_AVX2_FMA);
#else
    (void)portable;
    return false;
#endif
}

ptrdiff_t ck_attention_scratch_count(ptrdiff_t head_size, ptrdiff_t longest) {
    return 3 * head_size * longest + 2 * longest;
}

void ck_attention_forward(const ck_attention_layout *layout, const float *q, const float *k, const float *v,
                          const float *mask, float *p, float *o, ptrdiff_t pair_begin, ptrdiff_t pair_end,
                          float *scratch, bool portable) {
    const bool avx2 = attention_uses_avx2(portable);
    const ptrdiff_t d = layout->head_size, ld = layout->row_stride;
    for (ptrdiff_t pair = pair_begin; pair < pair_end; pair++) {
        const ptrdiff_t sequence = pair / layout->heads, head = pair % layout->heads;
        const ptrdiff_t first = layout->offsets[sequence], length = layout->offsets[sequence + 1] - first;
        if (length == 0) continue;
        const ptrdiff_t rows = first * ld + head * d;
        const ptrdiff_t block = layout->probability_offsets[sequence] + head * length * length;
        const float *pair_mask = mask ? mask + block : NULL;
#if defined(__x86_64__)
        if (avx2) {
            attention_forward_pair_avx2(q + rows, k + rows, v + rows, ld, length, d, layout->scale, pair_mask,
                                        p + block, o + rows, scratch);
            continue;
        }
#endif
        (void)avx2;
        attention_forward_pair_baseline(q + rows, k + rows, v + rows, ld, length, d, layout->scale, pair_mask,
                                        p + block, o + rows, scratch);
    }
}

void ck_attention_backward(const ck_attention_layout *layout, const float *q, const float *k, const float *v,
                           const float *mask, const float *p, const float *dout, float *dq, float *dk, float *dv,
                           ptrdiff_t pair_begin, ptrdiff_t pair_end, float *scratch, bool portable) {
    const bool avx2 = attention_uses_avx2(portable);
    const ptrdiff_t d = layout->head_size, ld = layout->row_stride;
    for (ptrdiff_t pair = pair_begin; pair < pair_end; pair++) {
        const ptrdiff_t sequence = pair / layout->heads, head = pair % layout->heads;
        const ptrdiff_t first = layout->offsets[sequence], length = layout->offsets[sequence + 1] - first;
        if (length == 0) continue;
        const ptrdiff_t rows = first * ld + head * d;
        const ptrdiff_t block = layout->probability_offsets[sequence] + head * length * length;
        const float *pair_mask = mask ? mask + block : NULL;
        float *pair_dq = dq ? dq + rows : NULL, *pair_dk = dk ? dk + rows : NULL, *pair_dv = dv ? dv + rows : NULL;
#if defined(__x86_64__)
        if (avx2) {
            attention_backward_pair_avx2(q + rows, k + rows, v + rows, ld, length, d, layout->scale, pair_mask,
                                         p + block, dout + rows, pair_dq, pair_dk, pair_dv, scratch);
            continue;
        }
#endif
        (void)avx2;
        attention_backward_pair_baseline(q + rows, k + rows, v + rows, ld, length, d, layout->scale, pair_mask,
                                         p + block, dout + rows, pair_dq, pair_dk, pair_dv, scratch);
    }
}
