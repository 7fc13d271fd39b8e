// Panel packing with 256-bit AVX2 vectors. The packed layout is described at
// `ck_sgemm_pack_fn`. The depth-contiguous case is a transpose, done 8 x 8 floats at
// a time in registers; the width-contiguous case is a row-by-row copy. Partial panels
// are zero-padded.

#include "sgemm_internal.h"

#if defined(__x86_64__)

#include <immintrin.h>

#define CK_TARGET __attribute__((target("avx2,fma")))

/// Lane mask selecting the first `lanes` (0...8) of 8 floats.
CK_TARGET static inline __m256i first_lanes_mask(ptrdiff_t lanes) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)lanes),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

static inline ptrdiff_t clamp_lanes(ptrdiff_t lanes) {
    return lanes < 0 ? 0 : (lanes > 8 ? 8 : lanes);
}

/// Writes `value` to `dst[0 ..< lanes]` (`lanes <= 8`), in 4-, 2- and 1-float pieces
/// when partial (masked stores are slow on some processors).
CK_TARGET static inline void store_lanes(float *dst, __m256 value, ptrdiff_t lanes) {
    if (lanes == 8) {
        _mm256_storeu_ps(dst, value);
        return;
    }
    __m128 part = _mm256_castps256_ps128(value);
    if (lanes >= 4) {
        _mm_storeu_ps(dst, part);
        part = _mm256_extractf128_ps(value, 1);
        dst += 4;
        lanes -= 4;
    }
    if (lanes >= 2) {
        _mm_storel_pi((__m64 *)dst, part);
        part = _mm_movehl_ps(part, part);
        dst += 2;
        lanes -= 2;
    }
    if (lanes >= 1) _mm_store_ss(dst, part);
}

CK_TARGET
void ck_sgemm_pack_width_contiguous_avx2(float *dst, const float *src, ptrdiff_t ld,
                                         ptrdiff_t count, ptrdiff_t depth, ptrdiff_t width) {
    for (ptrdiff_t x0 = 0; x0 < count; x0 += width) {
        const ptrdiff_t valid = count - x0 < width ? count - x0 : width;
        const float *panel_source = src + x0;
        if (valid == width && width % 8 == 0) {
            for (ptrdiff_t p = 0; p < depth; ++p) {
                const float *source_row = panel_source + p * ld;
                for (ptrdiff_t x = 0; x < width; x += 8) {
                    _mm256_storeu_ps(dst + x, _mm256_loadu_ps(source_row + x));
                }
                dst += width;
            }
        } else {
            for (ptrdiff_t p = 0; p < depth; ++p) {
                const float *source_row = panel_source + p * ld;
                for (ptrdiff_t x = 0; x < width; x += 8) {
                    const ptrdiff_t lanes_in = clamp_lanes(valid - x);
                    const __m256 value =
                        lanes_in == 8 ? _mm256_loadu_ps(source_row + x)
                        : lanes_in > 0
                            ? _mm256_maskload_ps(source_row + x, first_lanes_mask(lanes_in))
                            : _mm256_setzero_ps();
                    store_lanes(dst + x, value, clamp_lanes(width - x));
                }
                dst += width;
            }
        }
    }
}

/// Transposes 8 vectors in place: afterwards lane `r` of vector `t` holds what lane `t`
/// of vector `r` held.
#define TRANSPOSE_8X8(r0, r1, r2, r3, r4, r5, r6, r7)                                  \
    do {                                                                               \
        const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1); \
        const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3); \
        const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5); \
        const __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7); \
        const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44);                             \
        const __m256 u1 = _mm256_shuffle_ps(t0, t2, 0xEE);                             \
        const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44);                             \
        const __m256 u3 = _mm256_shuffle_ps(t1, t3, 0xEE);                             \
        const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44);                             \
        const __m256 u5 = _mm256_shuffle_ps(t4, t6, 0xEE);                             \
        const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44);                             \
        const __m256 u7 = _mm256_shuffle_ps(t5, t7, 0xEE);                             \
        r0 = _mm256_permute2f128_ps(u0, u4, 0x20);                                     \
        r1 = _mm256_permute2f128_ps(u1, u5, 0x20);                                     \
        r2 = _mm256_permute2f128_ps(u2, u6, 0x20);                                     \
        r3 = _mm256_permute2f128_ps(u3, u7, 0x20);                                     \
        r4 = _mm256_permute2f128_ps(u0, u4, 0x31);                                     \
        r5 = _mm256_permute2f128_ps(u1, u5, 0x31);                                     \
        r6 = _mm256_permute2f128_ps(u2, u6, 0x31);                                     \
        r7 = _mm256_permute2f128_ps(u3, u7, 0x31);                                     \
    } while (0)

/// Transposes the 8 x 8 block at `source[r * ld + t]` (`r < rows`, `t < 8`; rows past
/// `rows` read as zeros) into `dst[t * width + r]` for `r < lanes_out`.
CK_TARGET static inline void pack_block_8x8(float *dst, const float *source, ptrdiff_t ld,
                                            ptrdiff_t rows, ptrdiff_t width,
                                            ptrdiff_t lanes_out) {
    if (rows == 8 && lanes_out == 8) {
        __m256 v0 = _mm256_loadu_ps(source + 0 * ld);
        __m256 v1 = _mm256_loadu_ps(source + 1 * ld);
        __m256 v2 = _mm256_loadu_ps(source + 2 * ld);
        __m256 v3 = _mm256_loadu_ps(source + 3 * ld);
        __m256 v4 = _mm256_loadu_ps(source + 4 * ld);
        __m256 v5 = _mm256_loadu_ps(source + 5 * ld);
        __m256 v6 = _mm256_loadu_ps(source + 6 * ld);
        __m256 v7 = _mm256_loadu_ps(source + 7 * ld);
        TRANSPOSE_8X8(v0, v1, v2, v3, v4, v5, v6, v7);
        _mm256_storeu_ps(dst + 0 * width, v0);
        _mm256_storeu_ps(dst + 1 * width, v1);
        _mm256_storeu_ps(dst + 2 * width, v2);
        _mm256_storeu_ps(dst + 3 * width, v3);
        _mm256_storeu_ps(dst + 4 * width, v4);
        _mm256_storeu_ps(dst + 5 * width, v5);
        _mm256_storeu_ps(dst + 6 * width, v6);
        _mm256_storeu_ps(dst + 7 * width, v7);
        return;
    }
    const __m256 zero = _mm256_setzero_ps();
    __m256 v0 = rows > 0 ? _mm256_loadu_ps(source + 0 * ld) : zero;
    __m256 v1 = rows > 1 ? _mm256_loadu_ps(source + 1 * ld) : zero;
    __m256 v2 = rows > 2 ? _mm256_loadu_ps(source + 2 * ld) : zero;
    __m256 v3 = rows > 3 ? _mm256_loadu_ps(source + 3 * ld) : zero;
    __m256 v4 = rows > 4 ? _mm256_loadu_ps(source + 4 * ld) : zero;
    __m256 v5 = rows > 5 ? _mm256_loadu_ps(source + 5 * ld) : zero;
    __m256 v6 = rows > 6 ? _mm256_loadu_ps(source + 6 * ld) : zero;
    __m256 v7 = rows > 7 ? _mm256_loadu_ps(source + 7 * ld) : zero;
    TRANSPOSE_8X8(v0, v1, v2, v3, v4, v5, v6, v7);
    store_lanes(dst + 0 * width, v0, lanes_out);
    store_lanes(dst + 1 * width, v1, lanes_out);
    store_lanes(dst + 2 * width, v2, lanes_out);
    store_lanes(dst + 3 * width, v3, lanes_out);
    store_lanes(dst + 4 * width, v4, lanes_out);
    store_lanes(dst + 5 * width, v5, lanes_out);
    store_lanes(dst + 6 * width, v6, lanes_out);
    store_lanes(dst + 7 * width, v7, lanes_out);
}

/// Packs steps `p ..< p + steps` (a multiple of 8) of one panel: for each group of 8
/// panel rows, `steps / 8` consecutive 8 x 8 transposes.
CK_TARGET static inline void pack_panel_steps(float *panel, const float *panel_source,
                                              ptrdiff_t ld, ptrdiff_t valid, ptrdiff_t width,
                                              ptrdiff_t p, ptrdiff_t steps) {
    for (ptrdiff_t group = 0; group < width; group += 8) {
        const ptrdiff_t rows = clamp_lanes(valid - group);
        const ptrdiff_t lanes_out = clamp_lanes(width - group);
        const float *block_source = panel_source + group * ld + p;
        float *block_destination = panel + p * width + group;
        for (ptrdiff_t step = 0; step < steps; step += 8) {
            pack_block_8x8(block_destination + step * width, block_source + step, ld, rows,
                           width, lanes_out);
        }
    }
}

CK_TARGET
void ck_sgemm_pack_depth_contiguous_avx2(float *dst, const float *src, ptrdiff_t ld,
                                         ptrdiff_t count, ptrdiff_t depth, ptrdiff_t width) {
    // Steps p outermost, 32 at a time: each group of 8 source rows is read two cache lines
    // per row at a stretch, which keeps reads efficient even when the rows alias in the
    // cache (leading dimensions that are multiples of large powers of two), and each
    // stretch of the panel is written completely while it is in cache.
    enum { block_steps = 32 };
    for (ptrdiff_t x0 = 0; x0 < count; x0 += width) {
        const ptrdiff_t valid = count - x0 < width ? count - x0 : width;
        const float *panel_source = src + x0 * ld;
        ptrdiff_t p = 0;
        for (; p + block_steps <= depth; p += block_steps) {
            pack_panel_steps(dst, panel_source, ld, valid, width, p, block_steps);
        }
        const ptrdiff_t vector_steps = (depth - p) / 8 * 8;
        if (vector_steps > 0) {
            pack_panel_steps(dst, panel_source, ld, valid, width, p, vector_steps);
            p += vector_steps;
        }
        for (; p < depth; ++p) {
            float *out = dst + p * width;
            for (ptrdiff_t x = 0; x < width; ++x) {
                out[x] = x < valid ? panel_source[x * ld + p] : 0.0f;
            }
        }
        dst += depth * width;
    }
}

#endif
