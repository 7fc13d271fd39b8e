// Out-of-place matrix transpose in 16 x 16 tiles, so that both the reads and the writes
// of a tile stay within a few cache lines.
#include "CKernels.h"

void ck_transpose(const float *source, ptrdiff_t rows, ptrdiff_t columns, ptrdiff_t source_stride, float *destination,
                  ptrdiff_t destination_stride) {
    enum { tile = 16 };
    for (ptrdiff_t i0 = 0; i0 < rows; i0 += tile) {
        ptrdiff_t i1 = i0 + tile < rows ? i0 + tile : rows;
        for (ptrdiff_t j0 = 0; j0 < columns; j0 += tile) {
            ptrdiff_t j1 = j0 + tile < columns ? j0 + tile : columns;
            for (ptrdiff_t i = i0; i < i1; i++) {
                for (ptrdiff_t j = j0; j < j1; j++) destination[j * destination_stride + i] = source[i * source_stride + j];
            }
        }
    }
}
