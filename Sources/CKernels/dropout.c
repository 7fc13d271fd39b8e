// Dropout masks from a counter-based hash: element i of a dropout call keyed by the 64-bit
// `key` is kept unless the top 24 bits of h(i) fall below `threshold`, with
//
//   h(i) = mix(mix(lo(i) ^ k0) ^ k1 ^ mix(hi(i) + 0x9E3779B9)),  k0 = lo(key), k1 = hi(key),
//   mix(x): x ^= x >> 16; x *= 0x7FEB352D; x ^= x >> 15; x *= 0x846CA68B; x ^= x >> 16
//
// (`mix` is C. Wellons' "lowbias32" integer hash, a bijection of 32-bit words; lo/hi are the
// low and high 32 bits of the 64-bit index). An element's decision depends only on the key and
// its index, so the mask can be made in any number of pieces, on any threads, and made again
// in the backward pass instead of being stored; the loops are 32-bit integer arithmetic that
// the compiler vectorises (8 lanes with AVX2, 16 with AVX-512).
#include "CKernels.h"

static inline uint32_t ck_mix32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7FEB352Du;
    x ^= x >> 15;
    x *= 0x846CA68Bu;
    x ^= x >> 16;
    return x;
}

__attribute__((always_inline)) static inline bool ck_kept(uint32_t low, uint32_t k0, uint32_t k1h, uint32_t threshold) {
    return (ck_mix32(ck_mix32(low ^ k0) ^ k1h) >> 8) >= threshold;
}

/// The index range `[first + done, first + done + run)` whose high 32 bits are constant,
/// starting at `done`: its length `run`, the low word of its first index and `k1` mixed with
/// its high word.
__attribute__((always_inline)) static inline ptrdiff_t ck_dropout_run(uint64_t key, uint64_t first, ptrdiff_t done,
                                                                      ptrdiff_t count, uint32_t *low, uint32_t *k1h) {
    uint64_t index = first + (uint64_t)done;
    uint64_t untilWrap = (index | 0xFFFFFFFFull) - index + 1;
    *low = (uint32_t)index;
    *k1h = (uint32_t)(key >> 32) ^ ck_mix32((uint32_t)(index >> 32) + 0x9E3779B9u);
    return (uint64_t)(count - done) < untilWrap ? count - done : (ptrdiff_t)untilWrap;
}

/// The mask and apply loops, compiled once per instruction set.
#define CK_DROPOUT_LOOPS(mask_name, apply_name, attributes)                                              \
    attributes void mask_name(uint64_t key, uint64_t first, float *restrict mask, ptrdiff_t count,       \
                              uint32_t threshold, float scale) {                                         \
        uint32_t k0 = (uint32_t)key, low, k1h;                                                           \
        for (ptrdiff_t done = 0, run; done < count; done += run) {                                       \
            run = ck_dropout_run(key, first, done, count, &low, &k1h);                                   \
            float *out = mask + done;                                                                    \
            for (ptrdiff_t i = 0; i < run; i++) out[i] = ck_kept(low + (uint32_t)i, k0, k1h, threshold) ? scale : 0.0f; \
        }                                                                                                \
    }                                                                                                    \
    attributes void apply_name(uint64_t key, uint64_t first, const float *restrict x, float *restrict y, \
                               ptrdiff_t count, uint32_t threshold, float scale, bool accumulate) {      \
        uint32_t k0 = (uint32_t)key, low, k1h;                                                           \
        for (ptrdiff_t done = 0, run; done < count; done += run) {                                       \
            run = ck_dropout_run(key, first, done, count, &low, &k1h);                                   \
            const float *in = x + done;                                                                  \
            float *out = y + done;                                                                       \
            if (accumulate) {                                                                            \
                for (ptrdiff_t i = 0; i < run; i++)                                                      \
                    out[i] += in[i] * (ck_kept(low + (uint32_t)i, k0, k1h, threshold) ? scale : 0.0f);   \
            } else {                                                                                     \
                for (ptrdiff_t i = 0; i < run; i++)                                                      \
                    out[i] = in[i] * (ck_kept(low + (uint32_t)i, k0, k1h, threshold) ? scale : 0.0f);    \
            }                                                                                            \
        }                                                                                                \
    }

CK_DROPOUT_LOOPS(dropout_mask_baseline, dropout_apply_baseline, static)
#if defined(__x86_64__)
CK_DROPOUT_LOOPS(dropout_mask_avx512, dropout_apply_avx512, __attribute__((target("avx512f"))) static)
CK_DROPOUT_LOOPS(dropout_mask_avx2, dropout_apply_avx2, __attribute__((target("avx2"))) static)
#endif

void ck_dropout_mask(uint64_t key, uint64_t first, float *mask, ptrdiff_t count, uint32_t threshold, float scale) {
#if defined(__x86_64__)
    if (ck_cpu_features() & CK_CPU_FEATURE_AVX512F) {
        dropout_mask_avx512(key, first, mask, count, threshold, scale);
        return;
    }
    if (ck_cpu_features() & CK_CPU_FEATURE_AVX2_FMA) {
        dropout_mask_avx2(key, first, mask, count, threshold, scale);
        return;
    }
#endif
    dropout_mask_baseline(key, first, mask, count, threshold, scale);
}

void ck_dropout_apply(uint64_t key, uint64_t first, const float *x, float *y, ptrdiff_t count, uint32_t threshold,
                      float scale, bool accumulate) {
#if defined(__x86_64__)
    if (ck_cpu_features() & CK_CPU_FEATURE_AVX512F) {
        dropout_apply_avx512(key, first, x, y, count, threshold, scale, accumulate);
        return;
    }
    if (ck_cpu_features() & CK_CPU_FEATURE_AVX2_FMA) {
        dropout_apply_avx2(key, first, x, y, count, threshold, scale, accumulate);
        return;
    }
#endif
    dropout_apply_baseline(key, first, x, y, count, threshold, scale, accumulate);
}
