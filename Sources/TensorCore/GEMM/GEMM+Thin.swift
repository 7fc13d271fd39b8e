import CKernels

extension GEMM {
    /// Products with a dimension this small or smaller may skip the blocked driver.
    public static let thinDimension = 16

    /// Rows of C are split at multiples of this (the dot-rows loop takes 3 or 4 rows at a
    /// time; each row's sums do not depend on its neighbours).
    static let thinRowAlignment = 4
    /// Columns of C in the combine-rows loop are split at multiples of this (whole vectors).
    static let thinColumnAlignment = 64

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
    /// With `parts > 1`, C is computed as that many parts (rows at multiples of
    /// ``thinRowAlignment``, or columns at multiples of ``thinColumnAlignment``) on the
    /// ``WorkerPool``'s threads; every element is the same sum in the same order for every
    /// `parts`.
    static func multiplyThin(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        accumulate: Bool, kernel: Kernel, parts requestedParts: Int
    ) -> Bool {
        guard kernel == .portable || (kernel == .avx512 && GEMMMicroKernel.resolve(.avx512) != nil),
              m > 0, n > 0, k > 0 else { return false }
        checkArguments(m: m, n: n, k: k, lda: lda, transposeA: transposeA, ldb: ldb, transposeB: transposeB, ldc: ldc)
        let portable = kernel == .portable
        let addresses = (a: UInt(bitPattern: a), b: UInt(bitPattern: b), c: UInt(bitPattern: c))
        let rowPieces = (m + thinRowAlignment - 1) / thinRowAlignment
        if n <= thinDimension, !transposeA, transposeB {
            let parts = m >= 2 * thinRowAlignment ? min(requestedParts, rowPieces) : 1
            guard parts > 1 else {
                ck_sgemm_dot_rows(m, n, k, a, lda, b, ldb, c, ldc, accumulate, portable)
                return true
            }
            WorkerPool.run(parts: parts) { part in
                guard let a = UnsafePointer<Float>(bitPattern: addresses.a), let b = UnsafePointer<Float>(bitPattern: addresses.b),
                      let c = UnsafeMutablePointer<Float>(bitPattern: addresses.c) else { return }
                let rows = WorkerPool.range(ofPart: part, parts: parts, count: m, alignment: thinRowAlignment)
                guard !rows.isEmpty else { return }
                ck_sgemm_dot_rows(rows.count, n, k, a + rows.lowerBound &* lda, lda, b, ldb, c + rows.lowerBound &* ldc, ldc,
                                  accumulate, portable)
            }
            return true
        }
        if !transposeB, k <= thinDimension || (m <= thinDimension && k <= 256) {
            let rowStride = transposeA ? 1 : lda, depthStride = transposeA ? lda : 1
            let splitsRows = m >= 2 * thinRowAlignment && m >= n / thinColumnAlignment
            let pieces = splitsRows ? rowPieces : (n + thinColumnAlignment - 1) / thinColumnAlignment
            let parts = min(requestedParts, pieces)
            guard parts > 1 else {
                ck_sgemm_combine_rows(m, n, k, a, rowStride, depthStride, b, ldb, c, ldc, accumulate, portable)
                return true
            }
            WorkerPool.run(parts: parts) { part in
                guard let a = UnsafePointer<Float>(bitPattern: addresses.a), let b = UnsafePointer<Float>(bitPattern: addresses.b),
                      let c = UnsafeMutablePointer<Float>(bitPattern: addresses.c) else { return }
                if splitsRows {
                    let rows = WorkerPool.range(ofPart: part, parts: parts, count: m, alignment: thinRowAlignment)
                    guard !rows.isEmpty else { return }
                    ck_sgemm_combine_rows(rows.count, n, k, a + rows.lowerBound &* rowStride, rowStride, depthStride, b, ldb,
                                          c + rows.lowerBound &* ldc, ldc, accumulate, portable)
                } else {
                    let columns = WorkerPool.range(ofPart: part, parts: parts, count: n, alignment: thinColumnAlignment)
                    guard !columns.isEmpty else { return }
                    ck_sgemm_combine_rows(m, columns.count, k, a, rowStride, depthStride, b + columns.lowerBound, ldb,
                                          c + columns.lowerBound, ldc, accumulate, portable)
                }
            }
            return true
        }
        return false
    }
}
