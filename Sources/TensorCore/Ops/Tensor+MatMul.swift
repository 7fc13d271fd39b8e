extension Tensor {
    /// Matrix product `C = op(A)·op(B)` of two rank-2 tensors, where `op` transposes when
    /// asked: `A = self` is `[m, k]` (or `[k, m]` with `transposeSelf`), `B = other` is
    /// `[k, n]` (or `[n, k]` with `transposeOther`); `C` is `[m, n]`.
    ///
    /// Backward: `d op(A) = dC·op(B)ᵀ`, `d op(B) = op(A)ᵀ·dC`, each computed by one GEMM
    /// that reads the stored operands in place (no transposed copies).
    ///
    /// Operands of rank 3 or 4 with equal leading dimensions (`[B, H, T, d]` by
    /// `[B, H, d, T']`) are a batch of products, transposes applying to the last two
    /// dimensions (``batchedMatmul(_:transposeSelf:transposeOther:)``).
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) throws(ShapeError) -> Tensor {
        if shape.rank > 2 || other.shape.rank > 2 {
            return try batchedMatmul(other, transposeSelf: transposeSelf, transposeOther: transposeOther)
        }
        guard shape.rank == 2 else { throw ShapeError.rankMismatch(operation: "matmul", expectedRank: 2, actual: shape) }
        guard other.shape.rank == 2 else { throw ShapeError.rankMismatch(operation: "matmul", expectedRank: 2, actual: other.shape) }
        let m = transposeSelf ? shape[1] : shape[0]
        let k = transposeSelf ? shape[0] : shape[1]
        let otherK = transposeOther ? other.shape[1] : other.shape[0]
        let n = transposeOther ? other.shape[0] : other.shape[1]
        guard k == otherK else { throw ShapeError.mismatch(operation: "matmul", lhs: shape, rhs: other.shape) }

        let result = Tensor(uninitializedShape: [m, n])
        let lda = shape[1], ldb = other.shape[1]
        GEMM.multiply(m: m, n: n, k: k,
                      a: storage.pointer, lda: lda, transposeA: transposeSelf,
                      b: other.storage.pointer, ldb: ldb, transposeB: transposeOther,
                      c: result.storage.pointer, ldc: n, accumulate: false)
        guard Tensor.shouldRecord(self, other) else { return result }
        result.recordGradient(inputs: [self, other]) { [self, other] outputGradient in
            let a = self.storage.pointer, b = other.storage.pointer
            self.updateGradient { gradient, accumulate in
                if transposeSelf {
                    // dA [k, m] = op(B)·dCᵀ
                    GEMM.multiply(m: k, n: m, k: n, a: b, lda: ldb, transposeA: transposeOther,
                                  b: outputGradient, ldb: n, transposeB: true,
                                  c: gradient, ldc: m, accumulate: accumulate)
                } else {
                    // dA [m, k] = dC·op(B)ᵀ
                    GEMM.multiply(m: m, n: k, k: n, a: outputGradient, lda: n, transposeA: false,
                                  b: b, ldb: ldb, transposeB: !transposeOther,
                                  c: gradient, ldc: k, accumulate: accumulate)
                }
            }
            other.updateGradient { gradient, accumulate in
                if transposeOther {
                    // dB [n, k] = dCᵀ·op(A)
                    GEMM.multiply(m: n, n: k, k: m, a: outputGradient, lda: n, transposeA: true,
                                  b: a, ldb: lda, transposeB: transposeSelf,
                                  c: gradient, ldc: k, accumulate: accumulate)
                } else {
                    // dB [k, n] = op(A)ᵀ·dC
                    GEMM.multiply(m: k, n: n, k: m, a: a, lda: lda, transposeA: !transposeSelf,
                                  b: outputGradient, ldb: n, transposeB: false,
                                  c: gradient, ldc: n, accumulate: accumulate)
                }
            }
        }
        return result
    }
}
