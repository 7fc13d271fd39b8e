extension Tensor {
    /// Inverted dropout: each element is zeroed with probability `probability` and the
    /// survivors are scaled by `1/(1 − probability)`, so the expected value is unchanged
    /// (PyTorch's `F.dropout` in training mode). `probability` 0 returns `self`.
    /// Backward: `dx = dy·mask/(1 − probability)` with the same mask.
    public func dropout(probability: Float, using generator: inout RandomGenerator) -> Tensor {
        precondition(probability >= 0 && probability < 1, "Dropout probability must be in [0, 1), got \(probability).")
        guard probability > 0 else { return self }
        let count = elementCount
        let mask = Tensor(uninitializedShape: shape)
        let keptScale = 1 / (1 - probability)
        let m = mask.storage.pointer
        for index in 0..<count { m[index] = generator.nextUnitFloat() < probability ? 0 : keptScale }
        let result = Tensor(uninitializedShape: shape)
        let x = storage.pointer, y = result.storage.pointer
        for index in 0..<count { y[index] = x[index] * m[index] }
        guard Tensor.shouldRecord(self) else { return result }
        result.recordGradient(inputs: [self]) { [self] dy in
            updateGradient { gradient, accumulate in
                for index in 0..<count {
                    let value = dy[index] * m[index]
                    gradient[index] = accumulate ? gradient[index] + value : value
                }
            }
            _ = mask
        }
        return result
    }
}
