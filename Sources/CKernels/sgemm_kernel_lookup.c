// Run-time selection of a micro-kernel family and its matching packing routines.

#include "sgemm_internal.h"

bool ck_sgemm_kernel_lookup(ck_sgemm_kernel_family family, ck_sgemm_kernel *kernel) {
    const uint32_t features = ck_cpu_features();
    switch (family) {
#if defined(__x86_64__)
    case CK_SGEMM_KERNEL_AVX512:
        if ((features & CK_CPU_FEATURE_AVX512F) == 0 || (features & CK_CPU_FEATURE_AVX2_FMA) == 0) {
            return false;
        }
        *kernel = (ck_sgemm_kernel){
            .mr = 8,
            .nr = 32,
            .microkernel = ck_sgemm_microkernel_avx512_8x32,
            .pack_depth_contiguous = ck_sgemm_pack_depth_contiguous_avx2,
            .pack_width_contiguous = ck_sgemm_pack_width_contiguous_avx2,
        };
        return true;
    case CK_SGEMM_KERNEL_AVX2:
        if ((features & CK_CPU_FEATURE_AVX2_FMA) == 0) return false;
        *kernel = (ck_sgemm_kernel){
            .mr = 6,
            .nr = 16,
            .microkernel = ck_sgemm_microkernel_avx2_6x16,
            .pack_depth_contiguous = ck_sgemm_pack_depth_contiguous_avx2,
            .pack_width_contiguous = ck_sgemm_pack_width_contiguous_avx2,
        };
        return true;
#endif
    case CK_SGEMM_KERNEL_PORTABLE:
        *kernel = (ck_sgemm_kernel){
            .mr = 4,
            .nr = 8,
            .microkernel = ck_sgemm_microkernel_portable_4x8,
            .pack_depth_contiguous = ck_sgemm_pack_depth_contiguous_portable,
            .pack_width_contiguous = ck_sgemm_pack_width_contiguous_portable,
        };
        return true;
    default:
        (void)features;
        return false;
    }
}
