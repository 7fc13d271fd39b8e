#include "CKernels.h"

uint32_t ck_cpu_features(void) {
#if defined(__x86_64__) || defined(__i386__)
    uint32_t features = 0;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        features |= CK_CPU_FEATURE_AVX2_FMA;
    }
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")) {
        features |= CK_CPU_FEATURE_AVX512F;
    }
    return features;
#else
    return 0;
#endif
}
