// Sets a block of C to copies of one row (a bias), for the GEMM driver's first depth block.
#include "CKernels.h"

void ck_sgemm_fill_rows(float *c, ptrdiff_t ldc, const float *row, ptrdiff_t rows, ptrdiff_t columns) {
    for (ptrdiff_t i = 0; i < rows; i++) {
        float *restrict target = c + i * ldc;
        for (ptrdiff_t j = 0; j < columns; j++) target[j] = row[j];
    }
}
