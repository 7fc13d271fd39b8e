// Portable micro-kernel in plain C: a 4 x 8 block of C accumulated in four local rows
// that the compiler keeps in vector registers where the target has them.

#include "sgemm_internal.h"

#define MR 4
#define NR 8

void ck_sgemm_microkernel_portable_4x8(ptrdiff_t kc, const float *a, ptrdiff_t a_row_stride,
                                       ptrdiff_t a_depth_stride, const float *b,
                                       ptrdiff_t b_depth_stride, float *c, ptrdiff_t ldc,
                                       ptrdiff_t mr, ptrdiff_t nr, bool accumulate) {
    // Rows past `mr` re-read row 0; their results are discarded.
    const float *restrict a0 = a;
    const float *restrict a1 = a + (mr > 1 ? 1 : 0) * a_row_stride;
    const float *restrict a2 = a + (mr > 2 ? 2 : 0) * a_row_stride;
    const float *restrict a3 = a + (mr > 3 ? 3 : 0) * a_row_stride;

    float row0[NR] = {0}, row1[NR] = {0}, row2[NR] = {0}, row3[NR] = {0};
    for (ptrdiff_t p = 0; p < kc; ++p) {
        const float *restrict b_row = b + p * b_depth_stride;
        const ptrdiff_t offset = p * a_depth_stride;
        const float a_value0 = a0[offset], a_value1 = a1[offset];
        const float a_value2 = a2[offset], a_value3 = a3[offset];
        for (int j = 0; j < NR; ++j) {
            const float b_value = b_row[j];
            row0[j] += a_value0 * b_value;
            row1[j] += a_value1 * b_value;
            row2[j] += a_value2 * b_value;
            row3[j] += a_value3 * b_value;
        }
    }
    const float *rows[MR] = {row0, row1, row2, row3};
    for (ptrdiff_t i = 0; i < mr; ++i) {
        float *c_row = c + i * ldc;
        for (ptrdiff_t j = 0; j < nr; ++j) {
            c_row[j] = accumulate ? c_row[j] + rows[i][j] : rows[i][j];
        }
    }
}
