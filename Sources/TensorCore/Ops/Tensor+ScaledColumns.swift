extension Tensor {
    /// Each column scaled, then shifted, in one operation: `y[b, o] = x[b, o]·scale[o] + bias[o]`
    /// for `x` `[rows, n]` (or `[..., n]` of rank 1 to 4, leading dimensions as rows),
    /// `scale` and `bias` `[n]` (DoRA's `m/‖V‖ ⊙ (x·Vᵀ) + b`). The same
    /// roundings as `x * scale + bias` done as two broadcast operations, with one result
    /// tensor and one backward pass instead of two.
    ///
    /// Backward: `dx[b, o] = dy[b, o]·scale[o]`, `dscale[o] = Σ_b dy[b, o]·x[b, o]`,
    /// `dbias[o] = Σ_b dy[b, o]`, for whichever require a gradient.
    public static func scaledColumns(_ x: Tensor, scale: Tensor, bias: Tensor?) throws(ShapeError) -> Tensor {
        guard x.shape.rank >= 1 else { throw ShapeError.rankMismatch(operation: "scaledColumns", expectedRank: 2, actual: x.shape) }
        let rows = x.shape.rowCount, columns = x.shape.lastDimension
        guard scale.shape == Shape([columns]) else { throw ShapeError.mismatch(operation: "scaledColumns scale", lhs: x.shape, rhs: scale.shape) }
        if let bias, bias.shape != Shape([columns]) {
            throw ShapeError.mismatch(operation: "scaledColumns bias", lhs: x.shape, rhs: bias.shape)
        }
        let result = Tensor(uninitializedShape: x.shape)
        let input = x.storage.pointer, output = result.storage.pointer, s = scale.storage.pointer
        if let b = bias?.storage.pointer {
            for row in 0..<rows {
                let xRow = input + row &* columns, yRow = output + row &* columns
                for column in 0..<columns { yRow[column] = xRow[column] * s[column] + b[column] }
            }
        } else {
            for row in 0..<rows {
                let xRow = input + row &* columns, yRow = output + row &* columns
                for column in 0..<columns { yRow[column] = xRow[column] * s[column] }
            }
        }
        let recordsBias = bias.map { Tensor.shouldRecord($0) } ?? false
        guard Tensor.shouldRecord(x, scale) || recordsBias else { return result }
        var inputs = [x, scale]
        if let bias { inputs.append(bias) }
        result.recordGradient(inputs: inputs) { dy in
            x.updateGradient { gradient, accumulate in
                for row in 0..<rows {
                    let dyRow = dy + row &* columns, gRow = gradient + row &* columns
                    if accumulate {
                        for column in 0..<columns { gRow[column] += dyRow[column] * s[column] }
                    } else {
                        for column in 0..<columns { gRow[column] = dyRow[column] * s[column] }
                    }
                }
            }
            scale.updateGradient { gradient, accumulate in
                if !accumulate { gradient.update(repeating: 0, count: columns) }
                for row in 0..<rows {
                    let dyRow = dy + row &* columns, xRow = input + row &* columns
                    for column in 0..<columns { gradient[column] += dyRow[column] * xRow[column] }
                }
            }
            bias?.updateGradient { gradient, accumulate in
                if !accumulate { gradient.update(repeating: 0, count: columns) }
                for row in 0..<rows {
                    let dyRow = dy + row &* columns
                    for column in 0..<columns { gradient[column] += dyRow[column] }
                }
            }
        }
        return result
    }
}
