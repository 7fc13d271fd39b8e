import Foundation

extension Tensor {
    /// `log softmax` along the last axis, computed stably:
    /// `y[i, j] = x[i, j] - max_k x[i, k] - log Σ_k exp(x[i, k] - max_k x[i, k])`.
    /// Backward: `dx[i, j] = dy[i, j] - softmax(x)[i, j]·Σ_k dy[i, k]`, with
    /// `softmax = exp(y)`.
    public func logSoftmax() -> Tensor {
        let columns = shape.lastDimension, rows = shape.rowCount
        let result = Tensor(uninitializedShape: shape)
        let x = storage.pointer, y = result.storage.pointer
        for row in 0..<rows {
            let xRow = x + row &* columns, yRow = y + row &* columns
            Tensor.logSoftmaxRow(xRow, into: yRow, count: columns)
        }
        guard Tensor.shouldRecord(self) else { return result }
        let outputStorage = result.storage
        result.recordGradient(inputs: [self]) { [self] dy in
            let y = outputStorage.pointer
            updateGradient { gradient, accumulate in
                for row in 0..<rows {
                    let offset = row &* columns
                    var total: Float = 0
                    for column in 0..<columns { total += dy[offset &+ column] }
                    for column in 0..<columns {
                        let index = offset &+ column
                        let value = dy[index] - Foundation.exp(y[index]) * total
                        gradient[index] = accumulate ? gradient[index] + value : value
                    }
                }
            }
        }
        return result
    }

    /// `softmax` along the last axis, for any rank (attention's `[batch, heads, tokens, tokens]`
    /// scores), computed stably: `y[..., j] = exp(x[..., j] - max_k x[..., k]) / Σ_k exp(x[..., k] - max_k x[..., k])`.
    /// A row of all `-∞` gives NaN, as in PyTorch (additive attention masks use a large
    /// finite negative value instead).
    ///
    /// Backward: `dx[..., j] = y[..., j]·(dy[..., j] - Σ_k dy[..., k]·y[..., k])`.
    public func softmax() -> Tensor {
        let columns = shape.lastDimension, rows = shape.rowCount
        let result = Tensor(uninitializedShape: shape)
        let x = storage.pointer, y = result.storage.pointer
        for row in 0..<rows {
            let xRow = x + row &* columns, yRow = y + row &* columns
            var maximum = -Float.infinity
            for column in 0..<columns { maximum = max(maximum, xRow[column]) }
            var total: Float = 0
            for column in 0..<columns {
                let value = Foundation.exp(xRow[column] - maximum)
                yRow[column] = value
                total += value
            }
            let reciprocal = 1 / total
            for column in 0..<columns { yRow[column] *= reciprocal }
        }
        guard Tensor.shouldRecord(self) else { return result }
        let outputStorage = result.storage
        result.recordGradient(inputs: [self]) { [self] dy in
            let y = outputStorage.pointer
            updateGradient { gradient, accumulate in
                for row in 0..<rows {
                    let offset = row &* columns
                    var weighted: Float = 0
                    for column in 0..<columns { weighted += dy[offset &+ column] * y[offset &+ column] }
                    for column in 0..<columns {
                        let index = offset &+ column
                        let value = y[index] * (dy[index] - weighted)
                        gradient[index] = accumulate ? gradient[index] + value : value
                    }
                }
            }
        }
        return result
    }

    /// Writes the log-softmax of one row of `count` values; returns the row's
    /// log-sum-exp.
    @discardableResult
    static func logSoftmaxRow(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) -> Float {
        var maximum = -Float.infinity
        for index in 0..<count { maximum = max(maximum, x[index]) }
        if maximum == -.infinity { maximum = 0 }
        var total: Float = 0
        for index in 0..<count { total += Foundation.exp(x[index] - maximum) }
        let logSumExp = maximum + Foundation.log(total)
        for index in 0..<count { y[index] = x[index] - logSumExp }
        return logSumExp
    }
}
