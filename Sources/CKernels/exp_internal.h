#ifndef CK_EXP_INTERNAL_H
#define CK_EXP_INTERNAL_H

// The exponential shared by the kernels that vectorise loops over it (GELU, softmax): plain
// arithmetic and exponent bits, no libm call, so a loop over it becomes vector instructions.

#include <stdint.h>
#include <string.h>

/// e^v for v ≤ 88 (clamped there), 0 below −87: v = k·ln2 + r, |r| ≤ ln2/2 (Cody–Waite split
/// of ln2), e^r by its Taylor polynomial of degree 7 (relative error below 1e-8), 2^k from the
/// exponent bits.
__attribute__((always_inline)) static inline float ck_exp(float argument) {
    float v = argument < -87.0f ? -87.0f : argument;
    v = v > 88.0f ? 88.0f : v;
    const float shifter = 12582912.0f;  // 1.5·2^23: adding it rounds to the nearest integer
    float k = (v * 1.44269504088896341f + shifter) - shifter;
    float r = (v - k * 0.693359375f) - k * -2.12194440e-4f;
    float p = 1.0f / 5040.0f + r * (1.0f / 40320.0f);
    p = 1.0f / 720.0f + r * p;
    p = 1.0f / 120.0f + r * p;
    p = 1.0f / 24.0f + r * p;
    p = 1.0f / 6.0f + r * p;
    p = 0.5f + r * p;
    p = 1.0f + r * p;
    p = 1.0f + r * p;
    int32_t bits = ((int32_t)k + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return argument < -87.0f ? 0.0f : p * scale;
}

#endif
