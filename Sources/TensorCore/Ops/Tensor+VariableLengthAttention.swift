import CKernels

extension Tensor {
    /// Multi-head scaled dot-product self-attention over a packed batch of sequences of
    /// different lengths: `queries`, `keys`, `values` and the result are `[tokens, features]`,
    /// sequence `s` holds rows `o_s ..< o_s + L_s` (`o_s` the sum of the earlier lengths,
    /// `Σ L_s = tokens`), head `h` holds features `h·d ..< (h+1)·d` with
    /// `d = features / headCount`. Each token attends to the tokens of its own sequence only,
    /// so no padding is ever computed. For each pair `(s, h)`, with `Q, K, V` its `[L_s, d]` blocks:
    ///
    /// ```
    /// P = softmax(Q·Kᵀ/√d)          by rows, [L_s, L_s]
    /// O = (P ⊙ M)·V                  [L_s, d]    (M the dropout mask; all ones without one)
    /// ```
    ///
    /// Backward, per pair: `dV = (P ⊙ M)ᵀ·dO`, `dP = (dO·Vᵀ) ⊙ M`,
    /// `dS = P ⊙ (dP − rowsum(dP ⊙ P))`, `dQ = dS·K/√d`, `dK = dSᵀ·Q/√d`.
    ///
    /// `dropoutMask`, when given, holds ``attentionProbabilityCount(sequenceLengths:headCount:)``
    /// values (0 or `1/(1 − p)` for inverted dropout on the probabilities), pair `(s, h)`'s
    /// `L_s x L_s` block at `Σ_{s' < s} headCount·L_{s'}² + h·L_s²`; it is a constant.
    ///
    /// The pairs are shared out over the ``WorkerPool`` in contiguous ranges of about equal
    /// `Σ L²`; each pair is computed by one thread in a fixed order (a C kernel, vectorised
    /// along rows), so the result is the same for every thread count. The probabilities are
    /// kept for the backward pass (`headCount·Σ L_s²` floats from the buffer pool) when one is
    /// recorded, and never stored otherwise.
    public static func variableLengthAttention(
        queries: Tensor, keys: Tensor, values: Tensor, sequenceLengths: [Int], headCount: Int, dropoutMask: Tensor? = nil
    ) throws(ShapeError) -> Tensor {
        let operation = "variableLengthAttention"
        guard queries.shape.rank == 2 else { throw ShapeError.rankMismatch(operation: operation, expectedRank: 2, actual: queries.shape) }
        guard keys.shape == queries.shape else { throw ShapeError.mismatch(operation: operation + " keys", lhs: queries.shape, rhs: keys.shape) }
        guard values.shape == queries.shape else { throw ShapeError.mismatch(operation: operation + " values", lhs: queries.shape, rhs: values.shape) }
        let tokens = queries.shape[0], features = queries.shape[1]
        guard headCount > 0, features % headCount == 0 else { throw ShapeError.invalidDimensions([features, headCount]) }
        guard sequenceLengths.allSatisfy({ $0 >= 0 }) else { throw ShapeError.invalidDimensions(sequenceLengths) }
        guard sequenceLengths.reduce(0, +) == tokens else {
            throw ShapeError.elementCountMismatch(operation: operation + " sequence lengths", shape: queries.shape,
                                                  elementCount: sequenceLengths.reduce(0, +))
        }
        let layout = AttentionLayout(sequenceLengths: sequenceLengths, headCount: headCount, headSize: features / headCount)
        if let dropoutMask, dropoutMask.elementCount != layout.probabilityCount {
            throw ShapeError.elementCountMismatch(operation: operation + " dropout mask", shape: dropoutMask.shape,
                                                  elementCount: layout.probabilityCount)
        }
        let result = Tensor(uninitializedShape: queries.shape)
        let maskPointer: UnsafePointer<Float>? = dropoutMask.map { UnsafePointer($0.storage.pointer) }
        // Without a backward the probabilities are used row by row and never stored.
        let records = Tensor.shouldRecord(queries, keys, values)
        let probabilities = records ? Tensor(uninitializedShape: [layout.probabilityCount]) : nil
        layout.run { layout, pairs, scratch in
            ck_attention_forward(layout, queries.storage.pointer, keys.storage.pointer, values.storage.pointer, maskPointer,
                                 probabilities?.storage.pointer, result.storage.pointer, pairs.lowerBound, pairs.upperBound,
                                 scratch, false)
        }
        guard records, let probabilities else { return result }
        result.recordGradient(inputs: [queries, keys, values]) { dO in
            let dq = queries.zeroInitializedGradient(), dk = keys.zeroInitializedGradient(), dv = values.zeroInitializedGradient()
            let maskPointer: UnsafePointer<Float>? = dropoutMask.map { UnsafePointer($0.storage.pointer) }
            layout.run { layout, pairs, scratch in
                ck_attention_backward(layout, queries.storage.pointer, keys.storage.pointer, values.storage.pointer, maskPointer,
                                      probabilities.storage.pointer, dO, dq, dk, dv, pairs.lowerBound, pairs.upperBound,
                                      scratch, false)
            }
        }
        return result
    }

    /// How many attention probabilities (and dropout-mask values) a packed batch has:
    /// `headCount·Σ_s L_s²`.
    public static func attentionProbabilityCount(sequenceLengths: [Int], headCount: Int) -> Int {
        headCount * sequenceLengths.reduce(0) { $0 + $1 * $1 }
    }
}

/// The offsets of a packed batch's sequences and probability blocks, and the split of its
/// (sequence, head) pairs over the worker pool.
private struct AttentionLayout {
    let offsets: [Int]
    let probabilityOffsets: [Int]
    let headCount: Int
    let headSize: Int
    let longest: Int
    let probabilityCount: Int
    /// Part `p` computes pairs `partBounds[p] ..< partBounds[p + 1]`.
    let partBounds: [Int]

    init(sequenceLengths: [Int], headCount: Int, headSize: Int) {
        var offsets = [0], probabilityOffsets: [Int] = [], probabilities = 0
        for length in sequenceLengths {
            offsets.append(offsets[offsets.count - 1] + length)
            probabilityOffsets.append(probabilities)
            probabilities += headCount * length * length
        }
        self.offsets = offsets
        self.probabilityOffsets = probabilityOffsets
        self.headCount = headCount
        self.headSize = headSize
        longest = sequenceLengths.max() ?? 0
        probabilityCount = probabilities
        // Each pair costs about L²·d multiply-adds in each of its products (and L per row for
        // the softmax); contiguous ranges of pairs with about equal cost.
        let pairCount = sequenceLengths.count * headCount
        let cost = { (pair: Int) in sequenceLengths[pair / headCount] * (sequenceLengths[pair / headCount] + 1) }
        let totalCost = sequenceLengths.reduce(0) { $0 + $1 * ($1 + 1) } * headCount
        let parts = WorkerPool.partCount(work: totalCost * max(1, headSize), minimumWork: 1 << 17, units: pairCount)
        var bounds = [0], accumulated = 0, pair = 0
        for part in 1..<max(parts, 1) {
            let target = totalCost * part / parts
            while pair < pairCount && accumulated + cost(pair) <= target {
                accumulated += cost(pair)
                pair += 1
            }
            bounds.append(pair)
        }
        bounds.append(pairCount)
        partBounds = bounds
    }

    /// Calls `body` once per part, at the same time on the worker pool, with the C layout, the
    /// part's pairs and scratch space of its own (from the buffer pool).
    func run(_ body: (UnsafePointer<ck_attention_layout>, Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        let parts = partBounds.count - 1
        let scratchCount = max(1, ck_attention_scratch_count(headSize, longest))
        let scratch = Tensor(uninitializedShape: [parts * scratchCount])
        let scratchPointer = scratch.storage.pointer
        offsets.withUnsafeBufferPointer { offsets in
            probabilityOffsets.withUnsafeBufferPointer { probabilityOffsets in
                var layout = ck_attention_layout(
                    offsets: offsets.baseAddress, probability_offsets: probabilityOffsets.baseAddress,
                    heads: headCount, head_size: headSize, row_stride: headCount * headSize,
                    scale: 1 / Float(headSize).squareRoot())
                withUnsafePointer(to: &layout) { layout in
                    WorkerPool.run(parts: parts) { part in
                        body(layout, partBounds[part] ..< partBounds[part + 1], scratchPointer + part * scratchCount)
                    }
                }
            }
        }
        withExtendedLifetime(scratch) {}
    }
}
