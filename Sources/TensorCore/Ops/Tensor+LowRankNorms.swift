import CKernels
import Dispatch

extension Tensor {
    /// From this many multiply-adds (`out·in·r`) the rows of ``lowRankAdaptedNorms(weight:a:b:scale:alongRows:)``
    /// are split over the ``WorkerPool``'s threads: the rows are independent, so a split costs only the
    /// hand-over (~0.1 µs). DoRA r4 epoch on Fashion-MNIST with the GEMM's threshold (1 M,
    /// so the MLP's norms ran on one thread): 161–162 ms; 200 K: 156–158 ms; 100 K: 154 ms.
    static let normsParallelThreshold = 100_000
    /// Parts of the norms start at multiples of this (`ck_low_rank_adapted_norms` takes
    /// rows in fours, the rest one by one).
    static let normsRowAlignment = 4
    /// The L2 norms of the rows (`alongRows`, shape `[out]`) or columns (shape `[in]`) of
    /// `V = W + scale·B·A` for `W` `[out, in]`, `A` `[r, in]`, `B` `[out, r]` — DoRA's weight
    /// norm — computed without forming `V`: each row `V_i = W_i + scale·Σ_k B_ik·A_k` is
    /// built in registers and squared into the sum, one pass over `W`. Equal to
    /// `(W + scale·B.matmul(A)).rowNorms()` (or `columnNorms()`) up to rounding; no
    /// `[out, in]` temporary. A value: no gradient is recorded (DoRA treats this norm as
    /// a constant in backpropagation). Large row norms are split over the ``WorkerPool``'s threads.
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
        let parts = alongRows ? WorkerPool.partCount(work: overflow ? Int.max : work, minimumWork: Self.normsParallelThreshold,
                                                     units: out / Self.normsRowAlignment) : 1
        if parts > 1 {
            // Rows are independent and the kernel takes them in fours from the start of its
            // part: parts of whole fours give the same bits as one thread.
            let addresses = (w: UInt(bitPattern: weight.storage.pointer), a: UInt(bitPattern: a.storage.pointer),
                             b: UInt(bitPattern: b.storage.pointer), norms: UInt(bitPattern: result.storage.pointer))
            WorkerPool.run(parts: parts) { part in
                guard let w = UnsafePointer<Float>(bitPattern: addresses.w), let a = UnsafePointer<Float>(bitPattern: addresses.a),
                      let b = UnsafePointer<Float>(bitPattern: addresses.b),
                      let norms = UnsafeMutablePointer<Float>(bitPattern: addresses.norms) else { return }
                let range = WorkerPool.range(ofPart: part, parts: parts, count: out, alignment: Self.normsRowAlignment)
                let start = range.lowerBound, rows = range.count
                guard rows > 0 else { return }
                ck_low_rank_adapted_norms(w + start &* inFeatures, a, b + start &* rank, scale, rows, inFeatures, rank, true, norms + start)
            }
            return result
        }
        ck_low_rank_adapted_norms(weight.storage.pointer, a.storage.pointer, b.storage.pointer, scale, out, inFeatures, rank,
                                  alongRows, result.storage.pointer)
        return result
    }

    /// `‖W_i‖²` for every row `i` of a matrix, accumulated in Double (no gradient): the
    /// constant part of DoRA's norm while W is frozen.
    public func squaredRowNorms() throws(ShapeError) -> Tensor {
        guard shape.rank == 2 else { throw ShapeError.rankMismatch(operation: "squaredRowNorms", expectedRank: 2, actual: shape) }
        let rows = shape[0], columns = shape[1]
        let result = Tensor(uninitializedShape: [rows])
        let w = storage.pointer, out = result.storage.pointer
        for row in 0..<rows {
            var sum: Double = 0
            let values = w + row &* columns
            for column in 0..<columns { sum += Double(values[column]) * Double(values[column]) }
            out[row] = Float(sum)
        }
        return result
    }

    /// The row norms of `W + s·B·A` from quantities that need no pass over W:
    ///
    /// `‖W_i + s·(B·A)_i‖² = ‖W_i‖² + 2s·Σ_k B_ik·P_ik + s²·Σ_k B_ik·(B·G)_ik`
    ///
    /// with `‖W_i‖²` given (cached while W is frozen), `P = W·Aᵀ` `[out, r]` (computed with
    /// the forward product, ``lowRankAdaptedLinearWithWeightProducts(_:weight:bias:adapterInput:a:b:scale:)``)
    /// and `G = A·Aᵀ` `[r, r]`. The three terms are summed per row in Double. No gradient
    /// (DoRA's norm is a constant).
    public static func lowRankAdaptedRowNorms(weightSquaredRowNorms: Tensor, weightProducts: Tensor, a: Tensor, b: Tensor,
                                              scale: Float) throws(ShapeError) -> Tensor {
        let operation = "lowRankAdaptedRowNorms"
        guard a.shape.rank == 2 else { throw ShapeError.rankMismatch(operation: operation, expectedRank: 2, actual: a.shape) }
        let rank = a.shape[0], inFeatures = a.shape[1], out = weightSquaredRowNorms.elementCount
        guard weightSquaredRowNorms.shape == Shape([out]) else {
            throw ShapeError.rankMismatch(operation: operation, expectedRank: 1, actual: weightSquaredRowNorms.shape)
        }
        guard b.shape == Shape([out, rank]) else { throw ShapeError.mismatch(operation: "\(operation) B", lhs: a.shape, rhs: b.shape) }
        guard weightProducts.shape == b.shape else {
            throw ShapeError.mismatch(operation: "\(operation) W·Aᵀ", lhs: b.shape, rhs: weightProducts.shape)
        }
        let gram = Tensor(uninitializedShape: [rank, rank])
        GEMM.multiply(m: rank, n: rank, k: inFeatures, a: a.storage.pointer, lda: inFeatures, transposeA: false,
                      b: a.storage.pointer, ldb: inFeatures, transposeB: true, c: gram.storage.pointer, ldc: rank, accumulate: false)
        let bGram = Tensor(uninitializedShape: [out, rank])
        GEMM.multiply(m: out, n: rank, k: rank, a: b.storage.pointer, lda: rank, transposeA: false,
                      b: gram.storage.pointer, ldb: rank, transposeB: false, c: bGram.storage.pointer, ldc: rank, accumulate: false)
        let result = Tensor(uninitializedShape: [out])
        let squares = weightSquaredRowNorms.storage.pointer, p = weightProducts.storage.pointer
        let bValues = b.storage.pointer, q = bGram.storage.pointer, norms = result.storage.pointer
        let s = Double(scale)
        for row in 0..<out {
            var cross: Double = 0, quadratic: Double = 0
            for k in 0..<rank {
                let index = row &* rank &+ k
                cross += Double(bValues[index]) * Double(p[index])
                quadratic += Double(bValues[index]) * Double(q[index])
            }
            norms[row] = Float(max(Double(squares[row]) + 2 * s * cross + s * s * quadratic, 0).squareRoot())
        }
        return result
    }

    /// Whether no element is NaN or infinite (one vectorisable pass over the exponent bits).
    public var isAllFinite: Bool {
        ck_all_finite(storage.pointer, elementCount)
    }
}
