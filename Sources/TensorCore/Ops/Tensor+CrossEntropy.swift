import Foundation

extension Tensor {
    /// Mean cross-entropy between `logits` `[batch, classes]` and integer class
    /// `targets` (one per row: an array, a slice of one, or a buffer), as PyTorch's `F.cross_entropy` with its defaults:
    /// `L = -(1/batch) Σ_b log softmax(logits)[b, targets[b]]`, computed with the
    /// log-sum-exp trick so that large logits do not overflow.
    ///
    /// Backward: `dlogits[b, c] = dL·(softmax[b, c] - 1{c = targets[b]}) / batch`. The
    /// softmax part (`exp(x - max) / Σ exp(x - max)`, one exponential per element) is
    /// computed in the forward pass, so the targets are not kept.
    public static func crossEntropy<Targets: RandomAccessCollection>(
        logits: Tensor, targets: Targets
    ) throws(ShapeError) -> Tensor where Targets.Element == Int, Targets.Index == Int {
        // The loops run on a buffer: through the generic collection every element access
        // was a witness-table call (a third of the op's time at batch 64).
        let outcome = targets.withContiguousStorageIfAvailable { buffer in
            Result { () throws(ShapeError) -> Tensor in try crossEntropy(logits: logits, targetBuffer: buffer) }
        } ?? Array(targets).withUnsafeBufferPointer { buffer in
            Result { () throws(ShapeError) -> Tensor in try crossEntropy(logits: logits, targetBuffer: buffer) }
        }
        return try outcome.get()
    }

    private static func crossEntropy(logits: Tensor, targetBuffer targets: UnsafeBufferPointer<Int>) throws(ShapeError) -> Tensor {
        guard logits.shape.rank == 2 else {
            throw ShapeError.rankMismatch(operation: "crossEntropy", expectedRank: 2, actual: logits.shape)
        }
        let batch = logits.shape[0], classes = logits.shape[1]
        guard targets.count == batch else {
            throw ShapeError.mismatch(operation: "crossEntropy targets", lhs: logits.shape, rhs: Shape([targets.count]))
        }
        for target in targets where target < 0 || target >= classes {
            throw ShapeError.classIndexOutOfRange(index: target, classCount: classes)
        }
        let recording = Tensor.shouldRecord(logits)
        let scaledGradient = recording ? Tensor(uninitializedShape: logits.shape) : nil
        let x = logits.storage.pointer
        var total: Double = 0
        let inverseBatch = 1 / Float(max(batch, 1))
        let scratch = scaledGradient == nil ? Tensor(uninitializedShape: [max(classes, 1)]) : nil
        let rowScratch = scratch?.storage.pointer ?? x
        for row in 0..<batch {
            let xRow = x + row &* classes
            var maximum = -Float.infinity
            for column in 0..<classes { maximum = max(maximum, xRow[column]) }
            // e = exp(x - max), kept in the gradient row (one exp per element, not two).
            let exponentials = scaledGradient.map { $0.storage.pointer + row &* classes } ?? rowScratch
            var sum: Float = 0
            for column in 0..<classes {
                let value = Foundation.exp(xRow[column] - maximum)
                exponentials[column] = value
                sum += value
            }
            let logSumExp = maximum + Foundation.log(sum)
            let target = targets[row]
            total += Double(logSumExp - xRow[target])
            if scaledGradient != nil {
                // softmax = e / Σe, scaled by 1/batch; minus 1/batch at the target.
                let factor = inverseBatch / sum
                for column in 0..<classes { exponentials[column] *= factor }
                exponentials[target] -= inverseBatch
            }
        }
        let result = Tensor(scalar: Float(total / Double(max(batch, 1))))
        guard let scaledGradient else { return result }
        let count = logits.elementCount
        result.recordGradient(inputs: [logits]) { dy in
            let seed = dy[0], g = scaledGradient.storage.pointer
            logits.updateGradient { gradient, accumulate in
                for index in 0..<count {
                    gradient[index] = accumulate ? gradient[index] + seed * g[index] : seed * g[index]
                }
            }
        }
        return result
    }
}
