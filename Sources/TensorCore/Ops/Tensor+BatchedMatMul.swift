extension Tensor {
    /// A batch of matrix products over the last two dimensions:
    /// `C[e] = op(A[e])·op(B[e])` for every index `e` of the leading dimensions, with
    /// `A = self` `[..., m, k]` (or `[..., k, m]` with `transposeSelf`), `B = other`
    /// `[..., k, n]` (or `[..., n, k]` with `transposeOther`), `C` `[..., m, n]`; rank 3 or 4,
    /// equal leading dimensions (no broadcasting). Attention's scores are
    /// `q [B, H, T, d] · kᵀ` (`transposeOther`) `= [B, H, T, T]`, its output
    /// `p [B, H, T, T] · v [B, H, T, d]`.
    ///
    /// All products run as one ``GEMM/multiplyBatched(batchCount:m:n:k:a:lda:strideA:transposeA:b:ldb:strideB:transposeB:c:ldc:strideC:accumulate:kernel:threading:)``
    /// call, each entry bit-identical to ``matmul(_:transposeSelf:transposeOther:)`` on that
    /// entry's rank-2 slices.
    ///
    /// Backward, per entry, as batched products that read the stored operands in place:
    /// `d op(A) = dC·op(B)ᵀ`, `d op(B) = op(A)ᵀ·dC`.
    public func batchedMatmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) throws(ShapeError) -> Tensor {
        let operation = "batchedMatmul"
        let rank = shape.rank
        guard rank >= 3 || other.shape.rank >= 3 else {
            throw ShapeError.rankMismatch(operation: operation, expectedRank: 3, actual: shape)
        }
        guard other.shape.rank == rank else { throw ShapeError.mismatch(operation: operation, lhs: shape, rhs: other.shape) }
        var batchCount = 1
        for axis in 0..<rank &- 2 {
            guard shape[axis] == other.shape[axis] else { throw ShapeError.mismatch(operation: operation, lhs: shape, rhs: other.shape) }
            batchCount &*= shape[axis]
        }
        let lda = shape[rank &- 1], ldb = other.shape[rank &- 1]
        let m = transposeSelf ? shape[rank &- 1] : shape[rank &- 2]
        let k = transposeSelf ? shape[rank &- 2] : shape[rank &- 1]
        let otherK = transposeOther ? other.shape[rank &- 1] : other.shape[rank &- 2]
        let n = transposeOther ? other.shape[rank &- 2] : other.shape[rank &- 1]
        guard k == otherK else { throw ShapeError.mismatch(operation: operation, lhs: shape, rhs: other.shape) }
        let strideA = m &* k, strideB = k &* n, strideC = m &* n

        let result = Tensor(uninitializedShape: shape.replacing(axis: rank &- 2, with: m).replacing(axis: rank &- 1, with: n))
        GEMM.multiplyBatched(batchCount: batchCount, m: m, n: n, k: k,
                             a: storage.pointer, lda: lda, strideA: strideA, transposeA: transposeSelf,
                             b: other.storage.pointer, ldb: ldb, strideB: strideB, transposeB: transposeOther,
                             c: result.storage.pointer, ldc: n, strideC: strideC, accumulate: false)
        guard Tensor.shouldRecord(self, other) else { return result }
        let lhs = self
        result.recordGradient(inputs: [lhs, other]) { dC in
            let a = lhs.storage.pointer, b = other.storage.pointer
            lhs.updateGradient { gradient, accumulate in
                if transposeSelf {
                    // dA [k, m] = op(B)·dCᵀ
                    GEMM.multiplyBatched(batchCount: batchCount, m: k, n: m, k: n,
                                         a: b, lda: ldb, strideA: strideB, transposeA: transposeOther,
                                         b: dC, ldb: n, strideB: strideC, transposeB: true,
                                         c: gradient, ldc: m, strideC: strideA, accumulate: accumulate)
                } else {
                    // dA [m, k] = dC·op(B)ᵀ
                    GEMM.multiplyBatched(batchCount: batchCount, m: m, n: k, k: n,
                                         a: dC, lda: n, strideA: strideC, transposeA: false,
                                         b: b, ldb: ldb, strideB: strideB, transposeB: !transposeOther,
                                         c: gradient, ldc: k, strideC: strideA, accumulate: accumulate)
                }
            }
            other.updateGradient { gradient, accumulate in
                if transposeOther {
                    // dB [n, k] = dCᵀ·op(A)
                    GEMM.multiplyBatched(batchCount: batchCount, m: n, n: k, k: m,
                                         a: dC, lda: n, strideA: strideC, transposeA: true,
                                         b: a, ldb: lda, strideB: strideA, transposeB: transposeSelf,
                                         c: gradient, ldc: k, strideC: strideB, accumulate: accumulate)
                } else {
                    // dB [k, n] = op(A)ᵀ·dC
                    GEMM.multiplyBatched(batchCount: batchCount, m: k, n: n, k: m,
                                         a: a, lda: lda, strideA: strideA, transposeA: !transposeSelf,
                                         b: dC, ldb: n, strideB: strideC, transposeB: false,
                                         c: gradient, ldc: n, strideC: strideB, accumulate: accumulate)
                }
            }
        }
        return result
    }
}
