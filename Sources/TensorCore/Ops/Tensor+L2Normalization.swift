extension Tensor {
    /// Each row scaled to unit L2 length (PyTorch's `F.normalize(x, p=2, dim=-1, eps)`, the
    /// last step of a sentence embedding), for `x` `[rows, features]` or any rank (leading
    /// dimensions count as rows):
    ///
    /// `n = ‖x‖₂ = √(Σ_j x[j]²)`, `y[j] = x[j] / max(n, ε)` (ε = 1e-12 by default).
    ///
    /// Backward: `dx[j] = (dy[j] − y[j]·Σ_k y[k]·dy[k]) / n` where `n > ε`, and `dx[j] = dy[j]/ε`
    /// where the norm is clamped (the clamp's derivative is 0 there).
    public func l2Normalized(epsilon: Float = 1e-12) -> Tensor {
        let features = shape.lastDimension, rows = shape.rowCount
        let result = Tensor(uninitializedShape: shape)
        let norms = Tensor(uninitializedShape: [rows])
        let x = storage.pointer, y = result.storage.pointer, n = norms.storage.pointer
        for row in 0..<rows {
            let xRow = x + row &* features, yRow = y + row &* features
            var squares: Float = 0
            for j in 0..<features { squares += xRow[j] * xRow[j] }
            let norm = squares.squareRoot()
            n[row] = norm
            let divisor = max(norm, epsilon)
            for j in 0..<features { yRow[j] = xRow[j] / divisor }
        }
        guard Tensor.shouldRecord(self) else { return result }
        let outputStorage = result.storage
        result.recordGradient(inputs: [self]) { [self] dy in
            let y = outputStorage.pointer
            updateGradient { gradient, accumulate in
                for row in 0..<rows {
                    let yRow = y + row &* features, dyRow = dy + row &* features, gRow = gradient + row &* features
                    let norm = n[row]
                    var projection: Float = 0
                    if norm > epsilon {
                        for j in 0..<features { projection += yRow[j] * dyRow[j] }
                    }
                    let divisor = max(norm, epsilon)
                    for j in 0..<features {
                        let value = (dyRow[j] - yRow[j] * projection) / divisor
                        gRow[j] = accumulate ? gRow[j] + value : value
                    }
                }
            }
            _ = norms
        }
        return result
    }
}
