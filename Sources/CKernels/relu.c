// ReLU and its gradient as branch-free loops the compiler vectorises: every element is
// loaded unconditionally and then selected (a conditional load kept the loop scalar and
// branchy, 1.6 ns an element, a third of the time of a LoRA step's element-wise work).
#include "CKernels.h"

void ck_relu_forward(const float *restrict x, float *restrict y, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i < count; i++) {
        float value = x[i];
        y[i] = value < 0.0f ? 0.0f : value;
    }
}

void ck_relu_backward(const float *restrict x, const float *restrict dy, float *restrict dx, ptrdiff_t count,
                      bool accumulate) {
    if (accumulate) {
        for (ptrdiff_t i = 0; i < count; i++) {
            float passed = dy[i];
            dx[i] += x[i] <= 0.0f ? 0.0f : passed;
        }
    } else {
        for (ptrdiff_t i = 0; i < count; i++) {
            float passed = dy[i];
            dx[i] = x[i] <= 0.0f ? 0.0f : passed;
        }
    }
}
