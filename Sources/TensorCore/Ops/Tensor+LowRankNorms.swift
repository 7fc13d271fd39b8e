import CKernels

extension Tensor {
    /// The L2 norms of the rows (`alongRows`, shape `[out]`) or columns (shape `[in]`) of
    /// `V = W + scale·B·A` for `W` `[out, in]`, `A` `[r, in]`, `B` `[out, r]` — DoRA's weight
    /// norm — computed without forming `V`: each row `V_i = W_i + scale·Σ_k B_ik·A_k` is
    /// built in registers and squared into the sum, one pass over `W`. Equal to
    /// `(W + scale·B.matmul(A)).rowNorms()` (or `columnNorms()`) up to rounding; no
    /// `[out, in]` temporary. A value: no gradient is recorded (DoRA treats this norm as
    /// a constant in backpropagation).
    public static func lowRankAdaptedNorms(weight: Tensor, a: Tensor, b: Tensor, scale: Float,
                                           alongRows: Bool) throws(ShapeError) -> Tensor {
        guard weight.shape.rank == 2 else {
            throw ShapeError.rankMismatch(operation: "lowRankAdaptedNorms", expectedRank: 2, actual: weight.shape)
        }
        let out = weight.shape[0], inFeatures = weight.shape[1]
        guard a.shape.rank == 2, a.shape[1] == inFeatures else {
            throw ShapeError.mismatch(operation: "lowRankAdaptedNorms A", lhs: weight.shape, rhs: a.shape)
        }
        let rank = a.shape[0]
        guard b.shape == Shape([out, rank]) else {
            throw ShapeError.mismatch(operation: "lowRankAdaptedNorms B", lhs: weight.shape, rhs: b.shape)
        }
        let result = Tensor(uninitializedShape: [alongRows ? out : inFeatures])
        ck_low_rank_adapted_norms(weight.storage.pointer, a.storage.pointer, b.storage.pointer, scale, out, inFeatures, rank,
                                  alongRows, result.storage.pointer)
        return result
    }

    /// Whether no element is NaN or infinite (one vectorisable pass over the exponent bits).
    public var isAllFinite: Bool {
        ck_all_finite(storage.pointer, elementCount)
    }
}
