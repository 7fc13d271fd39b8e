#ifndef CKERNELS_H
#define CKERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// MARK: - CPU features

/// Instruction-set extensions that the CPU and the operating system both support.
typedef enum {
    /// 256-bit AVX2 together with fused multiply-add.
    CK_CPU_FEATURE_AVX2_FMA = 1u << 0,
    /// 512-bit AVX-512 Foundation (fused multiply-add included).
    CK_CPU_FEATURE_AVX512F = 1u << 1,
} ck_cpu_feature;

/// The set of `ck_cpu_feature` bits usable on this machine; 0 on non-x86 processors.
uint32_t ck_cpu_features(void);

// MARK: - Activations

/// `y = (x < 0 ? 0 : x)`, `count` elements: NaN stays NaN, as in PyTorch; `x` and `y`
/// must not overlap.
void ck_relu_forward(const float *x, float *y, ptrdiff_t count);

/// `dx = (x <= 0 ? 0 : dy)` (PyTorch's `threshold_backward`), or `dx += ...` when
/// `accumulate`; no overlap between `dx` and the inputs.
void ck_relu_backward(const float *x, const float *dy, float *dx, ptrdiff_t count, bool accumulate);

/// The exact (erf) GELU `y = x·Φ(x)`, `Φ(x) = 0.5·(1 + erf(x/√2))`, `count` elements, with
/// `Φ` from a Chebyshev fit of erfc (relative error below 1.2e-7) and a vectorisable `exp`:
/// within `4e-7·max(1, |y|)` of the exact form in double precision; 0 where `Φ(x)` is below
/// the normal floats (x < −13). No overlap between `x` and `y`. Bit-identical on every
/// instruction set.
void ck_gelu_forward(const float *x, float *y, ptrdiff_t count);

/// `dx = dy·(Φ(x) + x·φ(x))`, `φ(x) = exp(−x²/2)/√(2π)`, or `dx += ...` when `accumulate`;
/// no overlap between `dx` and the inputs.
void ck_gelu_backward(const float *x, const float *dy, float *dx, ptrdiff_t count, bool accumulate);

/// `ck_gelu_forward` and `ck_gelu_backward` compiled for the baseline instruction set only, for
/// the tests that check the dispatched versions give the same bits.
void ck_gelu_forward_baseline(const float *x, float *y, ptrdiff_t count);
void ck_gelu_backward_baseline(const float *x, const float *dy, float *dx, ptrdiff_t count, bool accumulate);

// MARK: - Layer normalisation

/// Layer normalisation of `rows` rows of `features`: `μ = mean x`, `r = 1/√(mean (x − μ)² + ε)`,
/// `y[j] = (x[j] − μ)·r·weight[j] + bias[j]`; `statistics[2·row]` gets μ and `[2·row + 1]` r. The
/// sums over a row are 16 interleaved partial sums folded in a fixed order, so every
/// instruction set (`portable` forces the baseline loops) gives the same bits.
void ck_layer_norm_forward(const float *x, float *y, float *statistics, const float *weight, const float *bias,
                           ptrdiff_t rows, ptrdiff_t features, float epsilon, bool portable);

/// The input gradient of `ck_layer_norm_forward` from its `statistics`: with `g = dy·weight` and
/// `x̂ = (x − μ)·r`, `dx[j] = r·(g[j] − mean g − x̂[j]·mean(g·x̂))`, or `dx += …` when `accumulate`.
void ck_layer_norm_backward(const float *x, const float *dy, float *dx, const float *statistics, const float *weight,
                            ptrdiff_t rows, ptrdiff_t features, bool accumulate, bool portable);

// MARK: - Dropout

/// The dropout mask of elements `first ..< first + count` of a call keyed by `key`:
/// `mask[i] = scale` where element `first + i` is kept, else 0. Element `n` is dropped when the
/// top 24 bits of a keyed 32-bit hash of `n` are below `threshold` (`⌈p·2²⁴⌉` drops with
/// probability `p`); the decision depends only on `key` and `n` (see dropout.c).
void ck_dropout_mask(uint64_t key, uint64_t first, float *mask, ptrdiff_t count, uint32_t threshold, float scale);

/// `y[i] = x[i]·m` (or `y[i] += x[i]·m` when `accumulate`) with `m` the mask value of element
/// `first + i` that `ck_dropout_mask` gives; the forward and the backward of dropout without a
/// stored mask. `x` and `y` must not overlap.
void ck_dropout_apply(uint64_t key, uint64_t first, const float *x, float *y, ptrdiff_t count, uint32_t threshold,
                      float scale, bool accumulate);

// MARK: - Data conversion

/// `destination[i] = source[i] / 255` (correctly rounded division, as torchvision's
/// `ToTensor`), `count` elements.
void ck_unit_floats_from_bytes(const uint8_t *source, float *destination, ptrdiff_t count);

// MARK: - Products with a small dimension

/// `C[i, j] = (accumulate ? C[i, j] : 0) + Σ_p A[i, p]·B[j, p]` for `m x n` C, with A
/// `[m, k]` (row stride `lda`) and B `[n, k]` (row stride `ldb`): dot products of rows,
/// vectorised along `k`, for a small `n`. `portable` forces the plain C loop.
void ck_sgemm_dot_rows(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda, const float *b,
                       ptrdiff_t ldb, float *c, ptrdiff_t ldc, bool accumulate, bool portable);

/// `C[i, :] = (accumulate ? C[i, :] : 0) + Σ_p a(i, p)·B[p, :]` for `m x n` C, with
/// `a(i, p) = a[i * row_stride + p * depth_stride]` (either layout of A) and B `[k, n]`
/// (row stride `ldb`): combinations of B's rows, vectorised along `n`, for a small `m` or
/// `k`. `portable` forces the plain C loop.
void ck_sgemm_combine_rows(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t row_stride,
                           ptrdiff_t depth_stride, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc,
                           bool accumulate, bool portable);

// MARK: - Worker pool

/// One part of a job: called once for each `part` in `0..<parts`.
typedef void (*ck_pool_task)(void *context, ptrdiff_t part);

/// The most threads a job runs on, the caller included.
#define CK_POOL_MAXIMUM_THREADS 1024

/// How long an idle worker spins after its last job before it sleeps, unless set.
#define CK_POOL_DEFAULT_SPIN_NANOSECONDS 1000000

/// Runs `task(context, part)` for every `part` in `0..<parts` on the calling thread and
/// up to `ck_pool_thread_count() - 1` persistent workers (started on first use), and
/// returns when all parts are done. Each part runs once, on whichever thread claims it.
/// Idle workers spin for `ck_pool_spin_nanoseconds()` after their last job, then sleep;
/// they do not spin at all while the thread count exceeds `ck_available_cores()`. A call
/// made while a job runs (from inside a part, or from another thread), or in the child of
/// a fork(), runs its parts on the caller in order.
void ck_pool_run(ck_pool_task task, void *context, ptrdiff_t parts);

/// The cores this process may run on (the CPU affinity mask on Linux), read once.
ptrdiff_t ck_available_cores(void);

/// Threads per job, the caller included; `ck_available_cores()` until set.
ptrdiff_t ck_pool_thread_count(void);

/// Sets the threads per job (clamped to 1 ... CK_POOL_MAXIMUM_THREADS), from the next job.
void ck_pool_set_thread_count(ptrdiff_t count);

/// How long idle workers spin before they sleep.
int64_t ck_pool_spin_nanoseconds(void);

/// Sets how long idle workers spin before they sleep (0: never spin).
void ck_pool_set_spin_nanoseconds(int64_t nanoseconds);

/// Whether idle workers spin now: a positive spin time and no more threads than cores.
bool ck_pool_workers_spin(void);

// MARK: - Optimiser updates

/// The per-step constants of an Adam / AdamW update.
typedef struct {
    float one_minus_beta1, beta2, one_minus_beta2;
    /// `sqrt(1 - beta2^t)`.
    float bias_correction2_root;
    float epsilon;
    /// `lr / (1 - beta1^t)`.
    float step_size;
    /// Adam's L2 penalty `lambda` added to the gradient (0 for none).
    float l2_decay;
    /// AdamW's decoupled decay factor `1 - lr * lambda` (1 for none).
    float decoupled_factor;
} ck_adam_constants;

/// One Adam / AdamW update of `count` elements, in PyTorch's order of operations:
///
///     p = p * decoupled_factor;   g = g + l2_decay * p
///     m = m + (1 - beta1) * (g - m)
///     v = beta2 * v + (1 - beta2) * (g * g)
///     p = p - step_size * (m / (sqrt(v) / bias_correction2_root + epsilon))
///
/// Every product and sum is rounded on its own (no fused multiply-add), so the AVX-512
/// path and the portable path give bit-identical results.
void ck_adam_update(float *param, const float *grad, float *m, float *v, ptrdiff_t count,
                    const ck_adam_constants *constants);

/// `ck_adam_update` without vector instructions (for tests).
void ck_adam_update_portable(float *param, const float *grad, float *m, float *v, ptrdiff_t count,
                             const ck_adam_constants *constants);

// MARK: - Low-rank adapted weight norms

/// The L2 norms of the rows (`along_rows`, `norms` has `out` entries) or columns
/// (`norms` has `in` entries) of `V = W + scale * B * A`, with `W` `[out, in]`, `A`
/// `[rank, in]`, `B` `[out, rank]`, all row-major, computed one row of `V` at a time in
/// registers: no `[out, in]` temporary, one pass over `W`. This is DoRA's weight norm.
void ck_low_rank_adapted_norms(const float *w, const float *a, const float *b, float scale, ptrdiff_t out, ptrdiff_t in,
                               ptrdiff_t rank, bool along_rows, float *norms);

/// `ck_low_rank_adapted_norms` without vector instructions (for tests).
void ck_low_rank_adapted_norms_portable(const float *w, const float *a, const float *b, float scale, ptrdiff_t out,
                                        ptrdiff_t in, ptrdiff_t rank, bool along_rows, float *norms);

/// Whether none of `count` floats is NaN or infinite.
bool ck_all_finite(const float *values, ptrdiff_t count);

// MARK: - Attention over packed sequences of different lengths

/// Where the sequences and heads of a packed batch lie. Q, K, V and the output are
/// `[tokens, features]` row-major with row stride `row_stride`; head `h` is features
/// `h * head_size ..< (h + 1) * head_size`; sequence `s` is rows `offsets[s] ..< offsets[s + 1]`
/// (length `L`). The probabilities of pair `(s, h)` are an `L x L` block (row: query, column:
/// key) at `probability_offsets[s] + h * L * L`; a dropout mask has the same layout. Pair
/// index `s * heads + h`.
typedef struct {
    const ptrdiff_t *offsets;
    const ptrdiff_t *probability_offsets;
    ptrdiff_t heads;
    ptrdiff_t head_size;
    ptrdiff_t row_stride;
    /// `1 / sqrt(head_size)`.
    float scale;
} ck_attention_layout;

/// The scratch floats one thread needs for `ck_attention_forward` and `ck_attention_backward`
/// on sequences of at most `longest` tokens.
ptrdiff_t ck_attention_scratch_count(ptrdiff_t head_size, ptrdiff_t longest);

/// For every pair in `pair_begin ..< pair_end`: `P = softmax(Q·Kᵀ·scale)` by rows (written to
/// `p`, unless it is NULL: a forward pass with no backward) and `O = (P ⊙ M)·V` (written to `o`; `M` the dropout mask, or none when `mask` is
/// NULL). `portable` forces the baseline loops.
void ck_attention_forward(const ck_attention_layout *layout, const float *q, const float *k, const float *v,
                          const float *mask, float *p, float *o, ptrdiff_t pair_begin, ptrdiff_t pair_end,
                          float *scratch, bool portable);

/// For every pair in `pair_begin ..< pair_end`, from `P` and `dO`, adds into `dq`, `dk`, `dv`
/// (each may be NULL): `dV = (P ⊙ M)ᵀ·dO`, `dP = (dO·Vᵀ) ⊙ M`,
/// `dS = P ⊙ (dP − rowsum(dP ⊙ P))`, `dQ = dS·K·scale`, `dK = dSᵀ·Q·scale`.
void ck_attention_backward(const ck_attention_layout *layout, const float *q, const float *k, const float *v,
                           const float *mask, const float *p, const float *dout, float *dq, float *dk, float *dv,
                           ptrdiff_t pair_begin, ptrdiff_t pair_end, float *scratch, bool portable);

// MARK: - Single-precision GEMM building blocks

/// Packed panel layout shared by every packing routine and micro-kernel.
///
/// A packed operand is a sequence of panels. Panel `q` covers the `width` consecutive
/// indices `x = q * width ..< (q + 1) * width` of the panel dimension (rows `i` of A,
/// columns `j` of B) over `depth` steps `p` of the shared dimension. Panel `q` starts at
/// `dst + q * depth * width`, and element `(x, p)` lies at `[p * width + (x - q * width)]`.
/// Indices `x >= count` of the last panel are filled with zeros.
///
/// Source element `(x, p)` lies at `src[x * ld + p]` ("depth-contiguous": rows of a
/// row-major A, columns of a transposed B) or at `src[p * ld + x]` ("width-contiguous":
/// columns of a transposed A, rows of a row-major B).
typedef void (*ck_sgemm_pack_fn)(float *dst, const float *src, ptrdiff_t ld,
                                 ptrdiff_t count, ptrdiff_t depth, ptrdiff_t width);

/// A micro-kernel computing one `mr x nr` block of C (`1 <= mr <= MR`, `1 <= nr <= NR`):
///
///     C[i * ldc + j] = (accumulate ? C[i * ldc + j] : 0)
///                      + sum_{p < kc} A(i, p) * B(p, j)
///
/// with `A(i, p) = a[i * a_row_stride + p * a_depth_stride]` (a packed A panel has
/// strides `1, MR`; rows `i >= mr` are never read) and
/// `B(p, j) = b[p * b_depth_stride + j]` (a packed B panel has stride `NR`; columns up
/// to `NR` may be read whatever `nr` is, so a partial panel must be padded). Elements of
/// C outside the block are not touched.
typedef void (*ck_sgemm_microkernel_fn)(ptrdiff_t kc, const float *a, ptrdiff_t a_row_stride,
                                        ptrdiff_t a_depth_stride, const float *b,
                                        ptrdiff_t b_depth_stride, float *c, ptrdiff_t ldc,
                                        ptrdiff_t mr, ptrdiff_t nr, bool accumulate);

/// A micro-kernel family.
typedef enum {
    /// 8 x 32 register tile, 512-bit vectors (needs `CK_CPU_FEATURE_AVX512F`, and
    /// `CK_CPU_FEATURE_AVX2_FMA` for its packing routines).
    CK_SGEMM_KERNEL_AVX512 = 0,
    /// 6 x 16 register tile, 256-bit vectors (needs `CK_CPU_FEATURE_AVX2_FMA`).
    CK_SGEMM_KERNEL_AVX2 = 1,
    /// 4 x 8 tile in plain C; runs everywhere.
    CK_SGEMM_KERNEL_PORTABLE = 2,
} ck_sgemm_kernel_family;

/// Everything the GEMM driver needs to run one micro-kernel family.
typedef struct {
    /// Rows of C computed per micro-kernel call (width of packed A panels).
    ptrdiff_t mr;
    /// Columns of C computed per micro-kernel call (width of packed B panels).
    ptrdiff_t nr;
    ck_sgemm_microkernel_fn microkernel;
    /// Packs a source whose element `(x, p)` lies at `src[x * ld + p]`.
    ck_sgemm_pack_fn pack_depth_contiguous;
    /// Packs a source whose element `(x, p)` lies at `src[p * ld + x]`.
    ck_sgemm_pack_fn pack_width_contiguous;
} ck_sgemm_kernel;

/// Fills `*kernel` and returns true when `family` can run on this machine;
/// returns false (leaving `*kernel` untouched) otherwise.
bool ck_sgemm_kernel_lookup(ck_sgemm_kernel_family family, ck_sgemm_kernel *kernel);

/// `c[i * ldc + j] = row[j]` for `i < rows`, `j < columns`: a block of C set to a bias row
/// right before the micro-kernel accumulates into it (the block is then in the L1 cache).
void ck_sgemm_fill_rows(float *c, ptrdiff_t ldc, const float *row, ptrdiff_t rows, ptrdiff_t columns);

#ifdef __cplusplus
}
#endif

#endif
