extension Tensor {
    /// The same elements seen with another shape of equal element count; shares storage.
    /// Backward: `dx` is `dy` read with the original shape.
    public func reshaped(to newShape: Shape) throws(ShapeError) -> Tensor {
        guard newShape.elementCount == elementCount else {
            throw ShapeError.elementCountMismatch(operation: "reshaped", shape: newShape, elementCount: elementCount)
        }
        let result = Tensor(shape: newShape, storage: storage)
        guard Tensor.shouldRecord(self) else { return result }
        let count = elementCount
        result.recordGradient(inputs: [self]) { [self] dy in
            updateGradient { gradient, accumulate in
                for index in 0..<count { gradient[index] = accumulate ? gradient[index] + dy[index] : dy[index] }
            }
        }
        return result
    }

    /// The transpose of a rank-2 tensor: `y[j, i] = x[i, j]` (a copy).
    /// Backward: `dx = dyᵀ`.
    public func transposed() throws(ShapeError) -> Tensor {
        guard shape.rank == 2 else { throw ShapeError.rankMismatch(operation: "transposed", expectedRank: 2, actual: shape) }
        let rows = shape[0], columns = shape[1]
        let result = Tensor(uninitializedShape: [columns, rows])
        Tensor.transpose(storage.pointer, rows: rows, columns: columns, into: result.storage.pointer, accumulate: false)
        guard Tensor.shouldRecord(self) else { return result }
        result.recordGradient(inputs: [self]) { [self] dy in
            updateGradient { gradient, accumulate in
                Tensor.transpose(dy, rows: columns, columns: rows, into: gradient, accumulate: accumulate)
            }
        }
        return result
    }

    /// `y[j, i] (+)= x[i, j]` for `x` `[rows, columns]`, in cache-sized tiles.
    static func transpose(_ x: UnsafePointer<Float>, rows: Int, columns: Int,
                                  into y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let tile = 32
        for rowStart in stride(from: 0, to: rows, by: tile) {
            for columnStart in stride(from: 0, to: columns, by: tile) {
                for row in rowStart..<min(rowStart &+ tile, rows) {
                    for column in columnStart..<min(columnStart &+ tile, columns) {
                        let target = column &* rows &+ row
                        let value = x[row &* columns &+ column]
                        y[target] = accumulate ? y[target] + value : value
                    }
                }
            }
        }
    }

    /// Rows `range` along the first axis (a copy), e.g. a mini-batch of a data tensor.
    /// Backward: `dy` is added into those rows of `dx`.
    public func rows(_ range: Range<Int>) throws(ShapeError) -> Tensor {
        guard shape.rank >= 1 else { throw ShapeError.rankMismatch(operation: "rows", expectedRank: 1, actual: shape) }
        guard range.lowerBound >= 0 && range.upperBound <= shape[0] else {
            throw ShapeError.rangeOutOfBounds(operation: "rows", range: range, shape: shape)
        }
        let rowSize = shape[0] == 0 ? 0 : elementCount / shape[0]
        let result = Tensor(uninitializedShape: shape.replacing(axis: 0, with: range.count))
        let offset = range.lowerBound &* rowSize, count = range.count &* rowSize
        result.storage.pointer.update(from: storage.pointer + offset, count: count)
        guard Tensor.shouldRecord(self) else { return result }
        result.recordGradient(inputs: [self]) { [self] dy in
            if let gradient = zeroInitializedGradient() {
                for index in 0..<count { gradient[offset &+ index] += dy[index] }
            }
        }
        return result
    }

    /// Joins tensors along the first axis; all other dimensions must agree.
    /// Backward: each input receives its block of rows of `dy`.
    public static func concatenate(_ tensors: [Tensor]) throws(ShapeError) -> Tensor {
        guard let first = tensors.first else { throw ShapeError.invalidDimensions([]) }
        guard first.shape.rank >= 1 else { throw ShapeError.rankMismatch(operation: "concatenate", expectedRank: 1, actual: first.shape) }
        var totalRows = 0
        for tensor in tensors {
            guard tensor.shape.rank == first.shape.rank,
                  tensor.shape.replacing(axis: 0, with: 0) == first.shape.replacing(axis: 0, with: 0) else {
                throw ShapeError.mismatch(operation: "concatenate", lhs: first.shape, rhs: tensor.shape)
            }
            totalRows += tensor.shape[0]
        }
        let result = Tensor(uninitializedShape: first.shape.replacing(axis: 0, with: totalRows))
        var offset = 0
        var offsets: [Int] = []
        for tensor in tensors {
            offsets.append(offset)
            (result.storage.pointer + offset).update(from: tensor.storage.pointer, count: tensor.elementCount)
            offset += tensor.elementCount
        }
        guard GradientRecording.isEnabled, tensors.contains(where: { $0.requiresGradient }) else { return result }
        result.recordGradient(inputs: tensors) { dy in
            for (tensor, start) in zip(tensors, offsets) {
                let count = tensor.elementCount
                tensor.updateGradient { gradient, accumulate in
                    for index in 0..<count {
                        gradient[index] = accumulate ? gradient[index] + dy[start &+ index] : dy[start &+ index]
                    }
                }
            }
        }
        return result
    }
}
