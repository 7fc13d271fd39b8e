extension Tensor {
    /// Layer normalisation over the last axis (PyTorch's `nn.LayerNorm(features, eps)`), for
    /// `x` `[rows, features]` or `[batch, tokens, features]` (every leading dimension counts as
    /// rows), `weight` and `bias` `[features]`:
    ///
    /// `μ = mean_j x[j]`, `σ² = mean_j (x[j] − μ)²` (biased), `r = 1/√(σ² + ε)`,
    /// `x̂[j] = (x[j] − μ)·r`, `y[j] = x̂[j]·weight[j] + bias[j]`.
    ///
    /// Backward (per row, `g[j] = dy[j]·weight[j]`, `D` features):
    /// `dx[j] = r·(g[j] − mean_k g[k] − x̂[j]·mean_k(g[k]·x̂[k]))`,
    /// `dweight[j] = Σ_rows dy[j]·x̂[j]`, `dbias[j] = Σ_rows dy[j]`.
    public static func layerNormalization(_ x: Tensor, weight: Tensor, bias: Tensor, epsilon: Float) throws(ShapeError) -> Tensor {
        guard x.shape.rank >= 1 else { throw ShapeError.rankMismatch(operation: "layerNormalization", expectedRank: 2, actual: x.shape) }
        let features = x.shape.lastDimension, rows = x.shape.rowCount
        guard weight.shape == Shape([features]) else {
            throw ShapeError.mismatch(operation: "layerNormalization weight", lhs: x.shape, rhs: weight.shape)
        }
        guard bias.shape == Shape([features]) else {
            throw ShapeError.mismatch(operation: "layerNormalization bias", lhs: x.shape, rhs: bias.shape)
        }
        let result = Tensor(uninitializedShape: x.shape)
        let normalized = Tensor(uninitializedShape: x.shape)
        let reciprocalDeviations = Tensor(uninitializedShape: [rows])
        let input = x.storage.pointer, output = result.storage.pointer
        let xHat = normalized.storage.pointer, r = reciprocalDeviations.storage.pointer
        let w = weight.storage.pointer, b = bias.storage.pointer
        let count = Float(features)
        for row in 0..<rows {
            let xRow = input + row &* features, hatRow = xHat + row &* features, yRow = output + row &* features
            var sum: Float = 0
            for j in 0..<features { sum += xRow[j] }
            let mean = sum / count
            var squares: Float = 0
            for j in 0..<features {
                let centred = xRow[j] - mean
                squares += centred * centred
            }
            let reciprocal = 1 / (squares / count + epsilon).squareRoot()
            r[row] = reciprocal
            for j in 0..<features {
                let value = (xRow[j] - mean) * reciprocal
                hatRow[j] = value
                yRow[j] = value * w[j] + b[j]
            }
        }
        guard Tensor.shouldRecord(x, weight) || Tensor.shouldRecord(bias) else { return result }
        result.recordGradient(inputs: [x, weight, bias]) { dy in
            x.updateGradient { gradient, accumulate in
                for row in 0..<rows {
                    let dyRow = dy + row &* features, hatRow = xHat + row &* features, gRow = gradient + row &* features
                    var meanG: Float = 0, meanGHat: Float = 0
                    for j in 0..<features {
                        let g = dyRow[j] * w[j]
                        meanG += g
                        meanGHat += g * hatRow[j]
                    }
                    meanG /= count
                    meanGHat /= count
                    let reciprocal = r[row]
                    for j in 0..<features {
                        let value = reciprocal * (dyRow[j] * w[j] - meanG - hatRow[j] * meanGHat)
                        gRow[j] = accumulate ? gRow[j] + value : value
                    }
                }
            }
            weight.updateGradient { gradient, accumulate in
                if !accumulate { gradient.update(repeating: 0, count: features) }
                for row in 0..<rows {
                    let dyRow = dy + row &* features, hatRow = xHat + row &* features
                    for j in 0..<features { gradient[j] += dyRow[j] * hatRow[j] }
                }
            }
            bias.updateGradient { gradient, accumulate in
                if !accumulate { gradient.update(repeating: 0, count: features) }
                for row in 0..<rows {
                    let dyRow = dy + row &* features
                    for j in 0..<features { gradient[j] += dyRow[j] }
                }
            }
            _ = (normalized, reciprocalDeviations)
        }
        return result
    }
}
