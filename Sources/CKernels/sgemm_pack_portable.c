// Panel packing in plain C. The packed layout is described at `ck_sgemm_pack_fn`.

#include "sgemm_internal.h"

void ck_sgemm_pack_width_contiguous_portable(float *dst, const float *src, ptrdiff_t ld,
                                             ptrdiff_t count, ptrdiff_t depth, ptrdiff_t width) {
    for (ptrdiff_t x0 = 0; x0 < count; x0 += width) {
        const ptrdiff_t valid = count - x0 < width ? count - x0 : width;
        const float *panel_source = src + x0;
        for (ptrdiff_t p = 0; p < depth; ++p) {
            const float *source_row = panel_source + p * ld;
            ptrdiff_t x = 0;
            for (; x < valid; ++x) dst[x] = source_row[x];
            for (; x < width; ++x) dst[x] = 0.0f;
            dst += width;
        }
    }
}

void ck_sgemm_pack_depth_contiguous_portable(float *dst, const float *src, ptrdiff_t ld,
                                             ptrdiff_t count, ptrdiff_t depth, ptrdiff_t width) {
    for (ptrdiff_t x0 = 0; x0 < count; x0 += width) {
        const ptrdiff_t valid = count - x0 < width ? count - x0 : width;
        for (ptrdiff_t x = 0; x < width; ++x) {
            if (x < valid) {
                const float *source_row = src + (x0 + x) * ld;
                for (ptrdiff_t p = 0; p < depth; ++p) dst[p * width + x] = source_row[p];
            } else {
                for (ptrdiff_t p = 0; p < depth; ++p) dst[p * width + x] = 0.0f;
            }
        }
        dst += depth * width;
    }
}
