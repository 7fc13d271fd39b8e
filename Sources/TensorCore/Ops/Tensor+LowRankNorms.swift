import CKernels
import Dispatch

extension Tensor {
    /// The L2 norms of the rows (`alongRows`, shape `[out]`) or columns (shape `[in]`) of
    /// `V = W + scale·B·A` for `W` `[out, in]`, `A` `[r, in]`, `B` `[out, r]` — DoRA's weight
    /// norm — computed without forming `V`: each row `V_i = W_i + scale·Σ_k B_ik·A_k` is
    /// built in registers and squared into the sum, one pass over `W`. Equal to
    /// `(W + scale·B.matmul(A)).rowNorms()` (or `columnNorms()`) up to rounding; no
    /// `[out, in]` temporary. A value: no gradient is recorded (DoRA treats this norm as
    /// a constant in backpropagation). Large row norms are split over two threads.
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
        let (work, overflow) = (out &* inFeatures).multipliedReportingOverflow(by: max(rank, 1))
        if alongRows, out >= 8, overflow || work >= GEMM.parallelThreshold, WorkerPair.hasSeveralCores {
            // Rows are independent: two halves on two threads, the same bits as one thread.
            let half = (out / 2 + 3) / 4 * 4
            let addresses = (w: UInt(bitPattern: weight.storage.pointer), a: UInt(bitPattern: a.storage.pointer),
                             b: UInt(bitPattern: b.storage.pointer), norms: UInt(bitPattern: result.storage.pointer))
            WorkerPair.run { part in
                guard let w = UnsafePointer<Float>(bitPattern: addresses.w), let a = UnsafePointer<Float>(bitPattern: addresses.a),
                      let b = UnsafePointer<Float>(bitPattern: addresses.b),
                      let norms = UnsafeMutablePointer<Float>(bitPattern: addresses.norms) else { return }
                let start = part == 0 ? 0 : half, rows = part == 0 ? half : out - half
                ck_low_rank_adapted_norms(w + start &* inFeatures, a, b + start &* rank, scale, rows, inFeatures, rank, true, norms + start)
            }
            return result
        }
        ck_low_rank_adapted_norms(weight.storage.pointer, a.storage.pointer, b.storage.pointer, scale, out, inFeatures, rank,
                                  alongRows, result.storage.pointer)
        return result
    }

    /// Whether no element is NaN or infinite (one vectorisable pass over the exponent bits).
    public var isAllFinite: Bool {
        ck_all_finite(storage.pointer, elementCount)
    }
}
