extension Tensor {
    /// The L2 norm of each row of a rank-2 tensor `[rows, columns]`:
    /// `n[i] = √(Σ_j x[i, j]²)`, shape `[rows]` (DoRA's per-output-feature weight norm).
    /// Backward: `dx[i, j] = x[i, j]·(dn[i]/n[i])` (0 where `n[i] = 0`).
    public func rowNorms() throws(ShapeError) -> Tensor {
        try l2Norms(alongRows: true)
    }

    /// The L2 norm of each column of a rank-2 tensor `[rows, columns]`:
    /// `n[j] = √(Σ_i x[i, j]²)`, shape `[columns]`.
    /// Backward: `dx[i, j] = x[i, j]·(dn[j]/n[j])` (0 where `n[j] = 0`).
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
        // The two directions as separate loops: the inner loop over columns then either
        // sums one row in order or updates a row of running sums, which vectorises.
        if alongRows {
            for row in 0..<rows {
                let xRow = x + row &* columns
                var sum: Float = 0
                for column in 0..<columns { sum += xRow[column] * xRow[column] }
                n[row] = sum
            }
        } else {
            for row in 0..<rows {
                let xRow = x + row &* columns
                for column in 0..<columns { n[column] += xRow[column] * xRow[column] }
            }
        }
        for index in 0..<result.elementCount { n[index] = n[index].squareRoot() }
        guard Tensor.shouldRecord(self) else { return result }
        let normStorage = result.storage
        result.recordGradient(inputs: [self]) { [self] dn in
            let n = normStorage.pointer, normCount = alongRows ? rows : columns
            // dn/n once per norm (PyTorch's `x·(dn/n)`), then a product per element.
            let scales = Tensor(uninitializedShape: [normCount])
            let scale = scales.storage.pointer
            for index in 0..<normCount { scale[index] = n[index] > 0 ? dn[index] / n[index] : 0 }
            updateGradient { gradient, accumulate in
                for row in 0..<rows {
                    let xRow = x + row &* columns, gRow = gradient + row &* columns
                    switch (alongRows, accumulate) {
                    case (true, true): for column in 0..<columns { gRow[column] += xRow[column] * scale[row] }
                    case (true, false): for column in 0..<columns { gRow[column] = xRow[column] * scale[row] }
                    case (false, true): for column in 0..<columns { gRow[column] += xRow[column] * scale[column] }
                    case (false, false): for column in 0..<columns { gRow[column] = xRow[column] * scale[column] }
                    }
                }
            }
        }
        return result
    }
}
