import CKernels

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
    ///
    /// The row loops are C kernels (`ck_layer_norm_forward`/`ck_layer_norm_backward`) whose sums
    /// over a row are 16 interleaved partial sums in a fixed order: the same bits on every
    /// instruction set and thread count.
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
        let minimumRows = max(1, Tensor.elementwiseParallelMinimumCount / max(1, features))
        // Whole rows per thread; a row's bits do not depend on the split.
        WorkerPool.splitting(rows, minimumCount: minimumRows, alignment: 1) { rowRange in
            let offset = rowRange.lowerBound &* features
            ck_layer_norm_forward(input + offset, output + offset, statistics + 2 &* rowRange.lowerBound, w, b,
                                  rowRange.count, features, epsilon, false)
        }
        guard Tensor.shouldRecord(x, weight) || Tensor.shouldRecord(bias) else { return result }
        result.recordGradient(inputs: [x, weight, bias]) { dy in
            x.updateGradient { gradient, accumulate in
                WorkerPool.splitting(rows, minimumCount: minimumRows, alignment: 1) { rowRange in
                    let offset = rowRange.lowerBound &* features
                    ck_layer_norm_backward(input + offset, dy + offset, gradient + offset, statistics + 2 &* rowRange.lowerBound,
                                           w, rowRange.count, features, accumulate, false)
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
