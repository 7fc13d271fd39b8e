extension Tensor {
    /// The mean of each sequence's token vectors, counting only the tokens its mask keeps
    /// (sentence-transformers' mean pooling), for `x` `[batch, tokens, features]` and `mask`
    /// `[batch, tokens]` (1 = token, 0 = padding):
    ///
    /// `y[b, d] = Σ_t mask[b, t]·x[b, t, d] / max(Σ_t mask[b, t], 1e-9)`, shape `[batch, features]`.
    ///
    /// Backward: `dx[b, t, d] = mask[b, t]·dy[b, d] / max(Σ_t mask[b, t], 1e-9)`. The mask is a
    /// constant: no gradient is computed for it.
    public static func maskedMeanPooling(_ x: Tensor, mask: Tensor) throws(ShapeError) -> Tensor {
        guard x.shape.rank == 3 else { throw ShapeError.rankMismatch(operation: "maskedMeanPooling", expectedRank: 3, actual: x.shape) }
        let batch = x.shape[0], tokens = x.shape[1], features = x.shape[2]
        guard mask.shape == Shape([batch, tokens]) else {
            throw ShapeError.mismatch(operation: "maskedMeanPooling mask", lhs: x.shape, rhs: mask.shape)
        }
        let result = Tensor(zeros: [batch, features])
        let denominators = Tensor(uninitializedShape: [batch])
        let input = x.storage.pointer, output = result.storage.pointer
        let m = mask.storage.pointer, denominator = denominators.storage.pointer
        for row in 0..<batch {
            var total: Float = 0
            for token in 0..<tokens { total += m[row &* tokens &+ token] }
            denominator[row] = max(total, 1e-9)
            let yRow = output + row &* features
            for token in 0..<tokens {
                let weight = m[row &* tokens &+ token]
                guard weight != 0 else { continue }
                let xRow = input + (row &* tokens &+ token) &* features
                for d in 0..<features { yRow[d] += weight * xRow[d] }
            }
            let scale = 1 / denominator[row]
            for d in 0..<features { yRow[d] *= scale }
        }
        guard Tensor.shouldRecord(x) else { return result }
        result.recordGradient(inputs: [x]) { dy in
            x.updateGradient { gradient, accumulate in
                for row in 0..<batch {
                    let dyRow = dy + row &* features
                    for token in 0..<tokens {
                        let weight = m[row &* tokens &+ token] / denominator[row]
                        let gRow = gradient + (row &* tokens &+ token) &* features
                        if accumulate {
                            for d in 0..<features { gRow[d] += weight * dyRow[d] }
                        } else {
                            for d in 0..<features { gRow[d] = weight * dyRow[d] }
                        }
                    }
                }
            }
            _ = (mask, denominators)
        }
        return result
    }
}
