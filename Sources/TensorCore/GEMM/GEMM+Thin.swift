import CKernels

extension GEMM {
    /// Products with a dimension this small or smaller may skip the blocked driver.
    static let thinDimension = 16

    /// Computes `C = (accumulate ? C : 0) + op(A)·op(B)` with a loop for one small
    /// dimension (a LoRA rank) when the shape and layout suit one, and returns whether it
    /// did. The blocked driver pads such products to its 8 x 32 tiles: `x·Aᵀ` with a rank-4
    /// A ran at 25 GFLOP/s through it.
    ///
    /// - `n` small, `A` rows and `B` stored `[n, k]` (`transposeB`): dot products of rows
    ///   (`ck_sgemm_dot_rows`).
    /// - `k` small, or `m` small with a moderate `k`, and `B` stored `[k, n]`: each row of C
    ///   a combination of B's rows (`ck_sgemm_combine_rows`), either layout of A.
    ///
    /// With `splits`, C is computed as two halves on two threads.
    static func multiplyThin(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool, kernel: Kernel, splits: Bool
    ) -> Bool {
        guard kernel == .portable || (kernel == .avx512 && GEMMMicroKernel.resolve(.avx512) != nil),
              m > 0, n > 0, k > 0 else { return false }
        checkArguments(m: m, n: n, k: k, lda: lda, transposeA: transposeA, ldb: ldb, transposeB: transposeB, ldc: ldc)
        let portable = kernel == .portable
        if n <= thinDimension, !transposeA, transposeB {
            guard splits, m >= 8 else {
                ck_sgemm_dot_rows(m, n, k, a, lda, b, ldb, c, ldc, accumulate, portable)
                return true
            }
            let addresses = (a: UInt(bitPattern: a), b: UInt(bitPattern: b), c: UInt(bitPattern: c))
            let half = (m / 2 + 3) / 4 * 4
            WorkerPair.run { part in
                guard let a = UnsafePointer<Float>(bitPattern: addresses.a), let b = UnsafePointer<Float>(bitPattern: addresses.b),
                      let c = UnsafeMutablePointer<Float>(bitPattern: addresses.c) else { return }
                let start = part == 0 ? 0 : half, rows = part == 0 ? half : m - half
                ck_sgemm_dot_rows(rows, n, k, a + start &* lda, lda, b, ldb, c + start &* ldc, ldc, accumulate, portable)
            }
            return true
        }
        if !transposeB, k <= thinDimension || (m <= thinDimension && k <= 256) {
            let rowStride = transposeA ? 1 : lda, depthStride = transposeA ? lda : 1
            guard splits else {
                ck_sgemm_combine_rows(m, n, k, a, rowStride, depthStride, b, ldb, c, ldc, accumulate, portable)
                return true
            }
            let addresses = (a: UInt(bitPattern: a), b: UInt(bitPattern: b), c: UInt(bitPattern: c))
            let splitsRows = m >= 8 && m >= n / 64
            WorkerPair.run { part in
                guard let a = UnsafePointer<Float>(bitPattern: addresses.a), let b = UnsafePointer<Float>(bitPattern: addresses.b),
                      let c = UnsafeMutablePointer<Float>(bitPattern: addresses.c) else { return }
                if splitsRows {
                    let half = (m / 2 + 3) / 4 * 4
                    let start = part == 0 ? 0 : half, rows = part == 0 ? half : m - half
                    ck_sgemm_combine_rows(rows, n, k, a + start &* rowStride, rowStride, depthStride, b, ldb,
                                          c + start &* ldc, ldc, accumulate, portable)
                } else {
                    let half = min(n, (n / 2 + 63) / 64 * 64)
                    let start = part == 0 ? 0 : half, columns = part == 0 ? half : n - half
                    guard columns > 0 else { return }
                    ck_sgemm_combine_rows(m, columns, k, a, rowStride, depthStride, b + start, ldb,
                                          c + start, ldc, accumulate, portable)
                }
            }
            return true
        }
        return false
    }
}
