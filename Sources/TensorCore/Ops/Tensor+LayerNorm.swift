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
        // Per row: the mean and r; the backward recomputes x̂ from x with them (the same bits
        // as the forward's), so no normalised copy of x is kept.
        let rowStatistics = Tensor(uninitializedShape: [rows, 2])
        let input = x.storage.pointer, output = result.storage.pointer, statistics = rowStatistics.storage.pointer
        let w = weight.storage.pointer, b = bias.storage.pointer
        let count = Float(features)
        let minimumRows = max(1, Tensor.elementwiseParallelMinimumCount / max(1, features))
        WorkerPool.splitting(rows, minimumCount: minimumRows, alignment: 1) { rowRange in
            for row in rowRange {
                let xRow = input + row &* features, yRow = output + row &* features
                var sum: Float = 0
                for j in 0..<features { sum += xRow[j] }
                let mean = sum / count
                var squares: Float = 0
                for j in 0..<features {
                    let centred = xRow[j] - mean
                    squares += centred * centred
                }
                let reciprocal = 1 / (squares / count + epsilon).squareRoot()
                statistics[2 &* row] = mean
                statistics[2 &* row &+ 1] = reciprocal
                for j in 0..<features {
                    let value = (xRow[j] - mean) * reciprocal
                    yRow[j] = value * w[j] + b[j]
                }
            }
        }
        guard Tensor.shouldRecord(x, weight) || Tensor.shouldRecord(bias) else { return result }
        result.recordGradient(inputs: [x, weight, bias]) { dy in
            x.updateGradient { gradient, accumulate in
                WorkerPool.splitting(rows, minimumCount: minimumRows, alignment: 1) { rowRange in
                    for row in rowRange {
                        let dyRow = dy + row &* features, xRow = input + row &* features, gRow = gradient + row &* features
                        let mean = statistics[2 &* row], reciprocal = statistics[2 &* row &+ 1]
                        var meanG: Float = 0, meanGHat: Float = 0
                        for j in 0..<features {
                            let g = dyRow[j] * w[j]
                            meanG += g
                            meanGHat += g * ((xRow[j] - mean) * reciprocal)
                        }
                        meanG /= count
                        meanGHat /= count
                        for j in 0..<features {
                            let value = reciprocal * (dyRow[j] * w[j] - meanG - (xRow[j] - mean) * reciprocal * meanGHat)
                            gRow[j] = accumulate ? gRow[j] + value : value
                        }
                    }
                }
            }
            weight.updateGradient { gradient, accumulate in
                if !accumulate { gradient.update(repeating: 0, count: features) }
                for row in 0..<rows {
                    let dyRow = dy + row &* features, xRow = input + row &* features
                    let mean = statistics[2 &* row], reciprocal = statistics[2 &* row &+ 1]
                    for j in 0..<features { gradient[j] += dyRow[j] * ((xRow[j] - mean) * reciprocal) }
                }
            }
            bias.updateGradient { gradient, accumulate in
                if !accumulate { gradient.update(repeating: 0, count: features) }
                for row in 0..<rows {
                    let dyRow = dy + row &* features
                    for j in 0..<features { gradient[j] += dyRow[j] }
                }
            }
            _ = rowStatistics
        }
        return result
    }
}
