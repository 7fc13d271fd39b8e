import TensorCore

/// Compares the gradients that autograd computes with central finite differences.
///
/// The scalar under test is `L = Σ f(inputs) ⊙ R` for a fixed random `R`, so that every
/// output element contributes with its own weight. For each input element `x`,
/// `(L(x + h) − L(x − h)) / 2h` is formed in Double from the two forward values and
/// compared with autograd's `dL/dx`.
public enum GradientCheck {
    /// The largest `|autograd − finite difference| / (1 + |finite difference|)` over every
    /// element of every input.
    public static func maximumError(
        inputs: [Tensor], step: Float = 1e-2, seed: UInt64 = 99,
        _ function: ([Tensor]) throws -> Tensor
    ) throws -> Double {
        for input in inputs { input.requiresGradient = true; input.clearGradient() }
        let probe = try withoutGradients { try function(inputs) }
        var generator = RandomGenerator(seed: seed)
        let weights = Tensor.uniform(probe.shape, low: -1, high: 1, using: &generator)

        let loss = try (function(inputs) * weights).sum()
        loss.backward()

        func weightedValue() throws -> Double {
            let output = try withoutGradients { try function(inputs) }
            var total: Double = 0
            output.withUnsafeBufferPointer { values in
                weights.withUnsafeBufferPointer { w in
                    for index in 0..<values.count { total += Double(values[index]) * Double(w[index]) }
                }
            }
            return total
        }

        var worst: Double = 0
        for input in inputs {
            let analytic = input.gradient?.scalars ?? [Float](repeating: 0, count: input.elementCount)
            for index in 0..<input.elementCount {
                let original = input.withUnsafeBufferPointer { $0[index] }
                input.withUnsafeMutableBufferPointer { $0[index] = original + step }
                let plus = try weightedValue()
                input.withUnsafeMutableBufferPointer { $0[index] = original - step }
                let minus = try weightedValue()
                input.withUnsafeMutableBufferPointer { $0[index] = original }
                let numeric = (plus - minus) / (2 * Double(step))
                worst = max(worst, abs(Double(analytic[index]) - numeric) / (1 + abs(numeric)))
            }
        }
        return worst
    }
}

/// Deterministic test tensors.
public enum TestTensors {
    /// A tensor with elements uniform in `[low, high)` from a seeded generator.
    public static func random(_ shape: Shape, low: Float = -1, high: Float = 1, seed: UInt64 = 1) -> Tensor {
        var generator = RandomGenerator(seed: seed)
        return Tensor.uniform(shape, low: low, high: high, using: &generator)
    }

    /// A tensor whose elements are at least `margin` away from zero (for kinks like ReLU's).
    public static func awayFromZero(_ shape: Shape, margin: Float = 0.1, seed: UInt64 = 1) -> Tensor {
        let tensor = random(shape, seed: seed)
        tensor.withUnsafeMutableBufferPointer { values in
            for index in values.indices {
                let value = values[index]
                values[index] = value >= 0 ? value + margin : value - margin
            }
        }
        return tensor
    }
}
