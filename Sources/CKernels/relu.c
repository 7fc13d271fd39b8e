// ReLU and its gradient as plain loops the compiler vectorises (a Swift loop with the
// same select stayed scalar and branchy: 1.6 ns an element).
#include "CKernels.h"

void ck_relu_forward(const float *restrict x, float *restrict y, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i < count; i++) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

void ck_relu_backward(const float *restrict x, const float *restrict dy, float *restrict dx, ptrdiff_t count,
                      bool accumulate) {
    if (accumulate) {
        for (ptrdiff_t i = 0; i < count; i++) dx[i] += x[i] <= 0.0f ? 0.0f : dy[i];
    } else {
        for (ptrdiff_t i = 0; i < count; i++) dx[i] = x[i] <= 0.0f ? 0.0f : dy[i];
    }
}
