// Multi-head scaled dot-product attention over packed sequences of different lengths, one
// (sequence, head) pair at a time. Every product of a pair is a loop over a tile of 32 outputs
// whose sums stay in registers (four 8-lane accumulators for AVX2) while the shared dimension
// is walked: a row of scores against a transposed, zero-padded copy of K or V, or a
// combination of rows of V, K, Q or dO. No horizontal sums, so the compiler vectorises the
// loops without reassociating; the operands of a pair stay in the L1/L2 cache; and a pair is
// computed by one thread start to end, so results do not depend on how pairs are shared out.
// The same loops are compiled for AVX2 with FMA and for the baseline, chosen at run time.
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

/// Columns of a score row computed together (four 8-lane registers of accumulators).
#define CK_ATTENTION_TILE 32

/// `L` rounded up to a whole number of tiles: the row length of the transposed scratch copies.
static inline ptrdiff_t padded_length(ptrdiff_t length) {
    return (length + CK_ATTENTION_TILE - 1) / CK_ATTENTION_TILE * CK_ATTENTION_TILE;
}

/// `out[j] = scale · Σ_c x[c]·t[c·padded + j]` for `j < padded` (a multiple of the tile): one
/// row of `x·T`, each tile of 32 columns summed over `c` in registers.
__attribute__((always_inline)) static inline void score_row(float *restrict out, const float *restrict x,
                                                            const float *restrict t, ptrdiff_t padded, ptrdiff_t d,
                                                            float scale) {
    for (ptrdiff_t j0 = 0; j0 < padded; j0 += CK_ATTENTION_TILE) {
        float acc[CK_ATTENTION_TILE] = {0};
        for (ptrdiff_t c = 0; c < d; c++) {
            const float a = x[c];
            const float *restrict tc = t + c * padded + j0;
            for (int jj = 0; jj < CK_ATTENTION_TILE; jj++) acc[jj] += a * tc[jj];
        }
        for (int jj = 0; jj < CK_ATTENTION_TILE; jj++) out[j0 + jj] = acc[jj] * scale;
    }
}

/// `out[c] (+)= scale · Σ_{t < count} w[t·w_stride]·rows[t·row_stride + c]` for `c < d`: a
/// combination of rows, each tile of 32 features summed over `t` in registers; `+=` when
/// `accumulate`.
__attribute__((always_inline)) static inline void combine_rows(float *restrict out, const float *restrict w,
                                                               ptrdiff_t w_stride, const float *restrict rows,
                                                               ptrdiff_t row_stride, ptrdiff_t count, ptrdiff_t d,
                                                               float scale, bool accumulate) {
    ptrdiff_t c0 = 0;
    for (; c0 + CK_ATTENTION_TILE <= d; c0 += CK_ATTENTION_TILE) {
        float acc[CK_ATTENTION_TILE] = {0};
        for (ptrdiff_t t = 0; t < count; t++) {
            const float a = w[t * w_stride];
            const float *restrict row = rows + t * row_stride + c0;
            for (int cc = 0; cc < CK_ATTENTION_TILE; cc++) acc[cc] += a * row[cc];
        }
        for (int cc = 0; cc < CK_ATTENTION_TILE; cc++) out[c0 + cc] = (accumulate ? out[c0 + cc] : 0.0f) + acc[cc] * scale;
    }
    for (; c0 + 8 <= d; c0 += 8) {
        float acc[8] = {0};
        for (ptrdiff_t t = 0; t < count; t++) {
            const float a = w[t * w_stride];
            const float *restrict row = rows + t * row_stride + c0;
            for (int cc = 0; cc < 8; cc++) acc[cc] += a * row[cc];
        }
        for (int cc = 0; cc < 8; cc++) out[c0 + cc] = (accumulate ? out[c0 + cc] : 0.0f) + acc[cc] * scale;
    }
    for (; c0 < d; c0++) {
        float acc = 0.0f;
        for (ptrdiff_t t = 0; t < count; t++) acc += w[t * w_stride] * rows[t * row_stride + c0];
        out[c0] = (accumulate ? out[c0] : 0.0f) + acc * scale;
    }
}

/// ``score_row`` for two rows `x0`, `x1` at once: eight accumulator registers instead of four,
/// so the multiply-adds of one step no longer wait on the previous step's; each output is the
/// same sum in the same order as ``score_row`` makes it.
__attribute__((always_inline)) static inline void score_rows2(float *restrict out0, float *restrict out1,
                                                              const float *restrict x0, const float *restrict x1,
                                                              const float *restrict t, ptrdiff_t padded, ptrdiff_t d,
                                                              float scale) {
    for (ptrdiff_t j0 = 0; j0 < padded; j0 += CK_ATTENTION_TILE) {
        float acc0[CK_ATTENTION_TILE] = {0}, acc1[CK_ATTENTION_TILE] = {0};
        for (ptrdiff_t c = 0; c < d; c++) {
            const float a0 = x0[c], a1 = x1[c];
            const float *restrict tc = t + c * padded + j0;
            for (int jj = 0; jj < CK_ATTENTION_TILE; jj++) {
                acc0[jj] += a0 * tc[jj];
                acc1[jj] += a1 * tc[jj];
            }
        }
        for (int jj = 0; jj < CK_ATTENTION_TILE; jj++) {
            out0[j0 + jj] = acc0[jj] * scale;
            out1[j0 + jj] = acc1[jj] * scale;
        }
    }
}

/// ``combine_rows`` for two rows of weights `w0`, `w1` (stride `w_stride`) at once, each output
/// the same sum in the same order, then scaled and stored or added as ``combine_rows`` does.
__attribute__((always_inline)) static inline void combine_rows2(float *restrict out0, float *restrict out1,
                                                                const float *restrict w0, const float *restrict w1,
                                                                ptrdiff_t w_stride, const float *restrict rows,
                                                                ptrdiff_t row_stride, ptrdiff_t count, ptrdiff_t d,
                                                                float scale, bool accumulate) {
    ptrdiff_t c0 = 0;
    for (; c0 + CK_ATTENTION_TILE <= d; c0 += CK_ATTENTION_TILE) {
        float acc0[CK_ATTENTION_TILE] = {0}, acc1[CK_ATTENTION_TILE] = {0};
        for (ptrdiff_t t = 0; t < count; t++) {
            const float a0 = w0[t * w_stride], a1 = w1[t * w_stride];
            const float *restrict row = rows + t * row_stride + c0;
            for (int cc = 0; cc < CK_ATTENTION_TILE; cc++) {
                acc0[cc] += a0 * row[cc];
                acc1[cc] += a1 * row[cc];
            }
        }
        for (int cc = 0; cc < CK_ATTENTION_TILE; cc++) {
            out0[c0 + cc] = (accumulate ? out0[c0 + cc] : 0.0f) + acc0[cc] * scale;
            out1[c0 + cc] = (accumulate ? out1[c0 + cc] : 0.0f) + acc1[cc] * scale;
        }
    }
    if (c0 < d) {
        combine_rows(out0 + c0, w0, w_stride, rows + c0, row_stride, count, d - c0, scale, accumulate);
        combine_rows(out1 + c0, w1, w_stride, rows + c0, row_stride, count, d - c0, scale, accumulate);
    }
}

/// `t[c·padded + j] = x[j·ld + c]` for `j < length`, zero for `length ≤ j < padded`.
__attribute__((always_inline)) static inline void transpose_padded(float *restrict t, const float *restrict x,
                                                                   ptrdiff_t ld, ptrdiff_t length, ptrdiff_t padded,
                                                                   ptrdiff_t d) {
    for (ptrdiff_t c = 0; c < d; c++) {
        float *restrict tc = t + c * padded;
        for (ptrdiff_t j = 0; j < length; j++) tc[j] = x[j * ld + c];
        for (ptrdiff_t j = length; j < padded; j++) tc[j] = 0.0f;
    }
}

/// `Σ_j x[j]·y[j]` (or `Σ_j x[j]` when `y` is NULL) over eight interleaved partial sums, so
/// the loop vectorises instead of waiting on one chain of additions; a fixed order.
__attribute__((always_inline)) static inline float row_dot(const float *restrict x, const float *restrict y,
                                                           ptrdiff_t count) {
    float partial[8] = {0};
    ptrdiff_t j = 0;
    for (; j + 8 <= count; j += 8) {
        if (y) {
            for (int jj = 0; jj < 8; jj++) partial[jj] += x[j + jj] * y[j + jj];
        } else {
            for (int jj = 0; jj < 8; jj++) partial[jj] += x[j + jj];
        }
    }
    for (int jj = 0; j < count; j++, jj++) partial[jj] += y ? x[j] * y[j] : x[j];
    return ((partial[0] + partial[4]) + (partial[1] + partial[5])) + ((partial[2] + partial[6]) + (partial[3] + partial[7]));
}

/// `max_j x[j]` over eight interleaved partial maxima (exact in any order).
__attribute__((always_inline)) static inline float row_max(const float *restrict x, ptrdiff_t count) {
    float partial[8] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
    ptrdiff_t j = 0;
    for (; j + 8 <= count; j += 8) {
        for (int jj = 0; jj < 8; jj++) partial[jj] = x[j + jj] > partial[jj] ? x[j + jj] : partial[jj];
    }
    for (int jj = 0; j < count; j++, jj++) partial[jj] = x[j] > partial[jj] ? x[j] : partial[jj];
    float maximum = partial[0];
    for (int jj = 1; jj < 8; jj++) maximum = partial[jj] > maximum ? partial[jj] : maximum;
    return maximum;
}

/// One row of a pair's softmax: `s` (a row of scores, `length` used) becomes exp(s − max),
/// the row of P is `p_row` (or `s` itself, normalised in place, when `p_row` is NULL), and the
/// weights that multiply V are returned: that row, or `P ⊙ M` written over `s` with a mask.
__attribute__((always_inline)) static inline const float *softmax_row(float *restrict s, float *restrict p_row,
                                                                      const float *restrict mask_row,
                                                                      ptrdiff_t length) {
    const float maximum = row_max(s, length);
    for (ptrdiff_t j = 0; j < length; j++) s[j] = ck_exp(s[j] - maximum);
    const float reciprocal = 1.0f / row_dot(s, NULL, length);
    float *restrict pi = p_row ? p_row : s;
    for (ptrdiff_t j = 0; j < length; j++) pi[j] = s[j] * reciprocal;
    if (!mask_row) return pi;
    for (ptrdiff_t j = 0; j < length; j++) s[j] = pi[j] * mask_row[j];
    return s;
}

/// One pair's forward: S = Q·Kᵀ·scale, P = softmax(S) by rows (kept in `p` unless it is NULL),
/// O = (P ⊙ M)·V. Rows are taken two at a time (``score_rows2``, ``combine_rows2``); every
/// element is the same sum in the same order as one row at a time.
#define CK_ATTENTION_FORWARD_PAIR(name, attributes)                                                            \
    attributes void name(const float *restrict q, const float *restrict k, const float *restrict v,            \
                         ptrdiff_t ld, ptrdiff_t length, ptrdiff_t d, float scale, const float *restrict mask,    \
                         float *restrict p, float *restrict o, float *restrict scratch) {                        \
        const ptrdiff_t padded = padded_length(length);                                                        \
        float *restrict kt = scratch;                   /* [d, padded]: Kᵀ */                                  \
        float *restrict s0 = kt + d * padded;           /* [padded]: a row of S, then of P ⊙ M */             \
        float *restrict s1 = s0 + padded;               /* [padded]: the next row */                           \
        transpose_padded(kt, k, ld, length, padded, d);                                                        \
        ptrdiff_t i = 0;                                                                                       \
        for (; i + 2 <= length; i += 2) {                                                                      \
            score_rows2(s0, s1, q + i * ld, q + (i + 1) * ld, kt, padded, d, scale);                           \
            const float *w0 = softmax_row(s0, p ? p + i * length : NULL, mask ? mask + i * length : NULL,      \
                                          length);                                                             \
            const float *w1 = softmax_row(s1, p ? p + (i + 1) * length : NULL,                                 \
                                          mask ? mask + (i + 1) * length : NULL, length);                      \
            combine_rows2(o + i * ld, o + (i + 1) * ld, w0, w1, 1, v, ld, length, d, 1.0f, false);             \
        }                                                                                                      \
        if (i < length) {                                                                                      \
            score_row(s0, q + i * ld, kt, padded, d, scale);                                                   \
            const float *w0 = softmax_row(s0, p ? p + i * length : NULL, mask ? mask + i * length : NULL,      \
                                          length);                                                             \
            combine_rows(o + i * ld, w0, 1, v, ld, length, d, 1.0f, false);                                    \
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
        const ptrdiff_t padded = padded_length(length);                                                        \
        float *restrict vt = scratch;                   /* [d, padded]: Vᵀ */                                  \
        float *restrict ds = vt + d * padded;           /* [L, padded]: dP, then dS */                         \
        float *restrict dropped = ds + length * padded; /* [L, L]: P ⊙ M */                                    \
        transpose_padded(vt, v, ld, length, padded, d);                                                        \
        ptrdiff_t i = 0;                                                                                       \
        for (; i + 2 <= length; i += 2) {                                                                      \
            score_rows2(ds + i * padded, ds + (i + 1) * padded, dout + i * ld, dout + (i + 1) * ld, vt, padded, d, \
                        1.0f);                                                                                 \
        }                                                                                                      \
        if (i < length) score_row(ds + i * padded, dout + i * ld, vt, padded, d, 1.0f);                        \
        for (i = 0; i < length; i++) {                                                                        \
            const float *restrict pi = p + i * length;                                                         \
            float *restrict dsi = ds + i * padded;                                                             \
            if (mask) {                                                                                        \
                const float *restrict mi = mask + i * length;                                                  \
                for (ptrdiff_t j = 0; j < length; j++) dsi[j] *= mi[j];                                        \
                for (ptrdiff_t j = 0; j < length; j++) dropped[i * length + j] = pi[j] * mi[j];                \
            }                                                                                                  \
            const float weighted = row_dot(dsi, pi, length);                                                   \
            for (ptrdiff_t j = 0; j < length; j++) dsi[j] = pi[j] * (dsi[j] - weighted);                       \
        }                                                                                                      \
        const float *restrict weights = mask ? dropped : p;                                                    \
        /* Two rows at a time, the last odd one alone; the same sums as one at a time. */                     \
        ptrdiff_t j = 0;                                                                                       \
        for (; j + 2 <= length; j += 2) {                                                                      \
            if (dq) combine_rows2(dq + j * ld, dq + (j + 1) * ld, ds + j * padded, ds + (j + 1) * padded, 1, k,   \
                                  ld, length, d, scale, true);                                                 \
            if (dk) combine_rows2(dk + j * ld, dk + (j + 1) * ld, ds + j, ds + j + 1, padded, q, ld, length, d,   \
                                  scale, true);                                                                \
            if (dv) combine_rows2(dv + j * ld, dv + (j + 1) * ld, weights + j, weights + j + 1, length, dout, ld, \
                                  length, d, 1.0f, true);                                                      \
        }                                                                                                      \
        if (j < length) {                                                                                      \
            if (dq) combine_rows(dq + j * ld, ds + j * padded, 1, k, ld, length, d, scale, true);              \
            if (dk) combine_rows(dk + j * ld, ds + j, padded, q, ld, length, d, scale, true);                  \
            if (dv) combine_rows(dv + j * ld, weights + j, length, dout, ld, length, d, 1.0f, true);           \
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
    const ptrdiff_t padded = padded_length(longest);
    return head_size * padded + longest * padded + longest * longest + padded;
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
        float *pair_p = p ? p + block : NULL;
#if defined(__x86_64__)
        if (avx2) {
            attention_forward_pair_avx2(q + rows, k + rows, v + rows, ld, length, d, layout->scale, pair_mask,
                                        pair_p, o + rows, scratch);
            continue;
        }
#endif
        (void)avx2;
        attention_forward_pair_baseline(q + rows, k + rows, v + rows, ld, length, d, layout->scale, pair_mask,
                                        pair_p, o + rows, scratch);
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
