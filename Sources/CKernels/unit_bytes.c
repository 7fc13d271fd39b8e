// Bytes to floats in [0, 1] (`byte / 255`, a true division, as torchvision's ToTensor),
// 16 at a time with AVX-512 where the CPU has it. Swift's loop stayed scalar
// (cvtsi2ss + divss per element).
#include "CKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static void unit_floats_scalar(const uint8_t *source, float *destination, ptrdiff_t start, ptrdiff_t count) {
    for (ptrdiff_t i = start; i < count; i++) destination[i] = (float)source[i] / 255.0f;
}

#if defined(__x86_64__)
/// The quotient without a division (a `vdivps` per 16 bytes bound the loop): `q = x·(1/255)`
/// is off by one unit in the last place for 126 of the 256 byte values; one Newton step on
/// the exact residual, `q + fma(−q, 255, x)·(1/255)` (each step fused, rounded once), gives
/// the correctly rounded `x / 255` for all 256 of them (checked exhaustively by the tests).
__attribute__((target("avx512f")))
static void unit_floats_avx512(const uint8_t *source, float *destination, ptrdiff_t count) {
    const __m512 divisor = _mm512_set1_ps(255.0f), reciprocal = _mm512_set1_ps(1.0f / 255.0f);
    ptrdiff_t i = 0;
    for (; i + 16 <= count; i += 16) {
        __m128i bytes = _mm_loadu_si128((const __m128i *)(source + i));
        __m512 values = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(bytes));
        __m512 estimate = _mm512_mul_ps(values, reciprocal);
        __m512 residual = _mm512_fnmadd_ps(estimate, divisor, values);
        _mm512_storeu_ps(destination + i, _mm512_fmadd_ps(residual, reciprocal, estimate));
    }
    unit_floats_scalar(source, destination, i, count);
}
#endif

void ck_unit_floats_from_bytes(const uint8_t *source, float *destination, ptrdiff_t count) {
#if defined(__x86_64__)
    if (ck_cpu_features() & CK_CPU_FEATURE_AVX512F) {
        unit_floats_avx512(source, destination, count);
        return;
    }
#endif
    unit_floats_scalar(source, destination, 0, count);
}
