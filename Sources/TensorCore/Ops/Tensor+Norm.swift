extension Tensor {
    /// The L2 norm of each row of a rank-2 tensor `[rows, columns]`:
    /// `n[i] = √(Σ_j x[i, j]²)`, shape `[rows]` (DoRA's per-output-feature weight norm).
    /// Backward: `dx[i, j] = dn[i]·x[i, j]/n[i]` (0 where `n[i] = 0`).
    public func rowNorms() throws(ShapeError) -> Tensor {
        try l2Norms(alongRows: true)
    }

    /// The L2 norm of each column of a rank-2 tensor `[rows, columns]`:
    /// `n[j] = √(Σ_i x[i, j]²)`, shape `[columns]`.
    /// Backward: `dx[i, j] = dn[j]·x[i, j]/n[j]` (0 where `n[j] = 0`).
    public func columnNorms() throws(ShapeError) -> Tensor {
        try l2Norms(alongRows: false)
    }

    private func l2Norms(alongRows: Bool) throws(ShapeError) -> Tensor {
        guard shape.rank == 2 else {
            throw ShapeError.rankMismatch(operation: alongRows ? "rowNorms" : "columnNorms", expectedRank: 2, actual: shape)
        }
        let rows = shape[0], columns = shape[1]
        let result = Tensor(zeros: [alongRows ? rows : columns])
        let x = storage.pointer, n = result.storage.pointer
        for row in 0..<rows {
            for column in 0..<columns {
                let value = x[row &* columns &+ column]
                n[alongRows ? row : column] += value * value
            }
        }
        for index in 0..<result.elementCount { n[index] = n[index].squareRoot() }
        guard Tensor.shouldRecord(self) else { return result }
        let normStorage = result.storage
        result.recordGradient(inputs: [self]) { [self] dn in
            let n = normStorage.pointer
            updateGradient { gradient, accumulate in
                for row in 0..<rows {
                    for column in 0..<columns {
                        let which = alongRows ? row : column
                        let index = row &* columns &+ column
                        let value = n[which] > 0 ? dn[which] * x[index] / n[which] : 0
                        gradient[index] = accumulate ? gradient[index] + value : value
                    }
                }
            }
        }
        return result
    }
}
