import CKernels

extension Tensor {
    /// Inverted dropout: each element is zeroed with probability `probability` and the
    /// survivors are scaled by `1/(1 − probability)`, so the expected value is unchanged
    /// (PyTorch's `F.dropout` in training mode). `probability` 0 returns `self`.
    ///
    /// `y = x ⊙ m`, `m[n] = 0` when element `n` is dropped, else `1/(1 − p)`.
    /// Backward: `dx = dy ⊙ m` with the same mask.
    ///
    /// The call takes one word from `generator` as its key; element `n` is dropped when a
    /// keyed hash of `n` falls below `p` (``dropoutMask(count:probability:using:)``). So the
    /// mask is never stored (the backward makes it again from the key), the work is split
    /// over the worker pool, and the result is the same for every thread count.
    public func dropout(probability: Float, using generator: inout RandomGenerator) -> Tensor {
        precondition(probability >= 0 && probability < 1, "Dropout probability must be in [0, 1), got \(probability).")
        guard probability > 0 else { return self }
        let count = elementCount
        let key = generator.next()
        let threshold = Tensor.dropoutThreshold(probability: probability), keptScale = 1 / (1 - probability)
        let result = Tensor(uninitializedShape: shape)
        let x = storage.pointer, y = result.storage.pointer
        WorkerPool.splitting(count, minimumCount: Tensor.elementwiseParallelMinimumCount) { range in
            ck_dropout_apply(key, UInt64(range.lowerBound), x + range.lowerBound, y + range.lowerBound, range.count,
                             threshold, keptScale, false)
        }
        guard Tensor.shouldRecord(self) else { return result }
        // The backward makes the mask again from the key: it holds neither x nor y.
        result.recordGradient(inputs: [self]) { [node] dy in
            node.updateGradient { gradient, accumulate in
                WorkerPool.splitting(count, minimumCount: Tensor.elementwiseParallelMinimumCount) { range in
                    ck_dropout_apply(key, UInt64(range.lowerBound), dy + range.lowerBound, gradient + range.lowerBound,
                                     range.count, threshold, keptScale, accumulate)
                }
            }
        }
        return result
    }

    /// A dropout mask of `count` elements, `m[n] = 0` with probability `probability` and
    /// `1/(1 − probability)` otherwise: the `m` that ``dropout(probability:using:)`` applies
    /// after taking the same word from `generator`. Element `n` is dropped when the top 24 bits
    /// `u` of a 32-bit hash of `n` keyed by that word satisfy `u·2⁻²⁴ < p` (dropout.c gives the
    /// hash), so each decision depends only on the key and `n`.
    public static func dropoutMask(count: Int, probability: Float, using generator: inout RandomGenerator) -> Tensor {
        precondition(probability >= 0 && probability < 1, "Dropout probability must be in [0, 1), got \(probability).")
        let key = generator.next()
        let threshold = dropoutThreshold(probability: probability), keptScale = 1 / (1 - probability)
        let mask = Tensor(uninitializedShape: [count])
        let m = mask.storage.pointer
        WorkerPool.splitting(count, minimumCount: elementwiseParallelMinimumCount) { range in
            ck_dropout_mask(key, UInt64(range.lowerBound), m + range.lowerBound, range.count, threshold, keptScale)
        }
        return mask
    }

    /// `⌈p·2²⁴⌉`: a 24-bit uniform `u` has `u·2⁻²⁴ < p` exactly when `u` is below it, so
    /// the elements whose hash's top 24 bits are below this are the ones dropped.
    public static func dropoutThreshold(probability: Float) -> UInt32 {
        UInt32((Double(probability) * 16_777_216).rounded(.up))
    }
}
