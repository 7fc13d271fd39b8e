extension Tensor {
    /// Rows of a table gathered by integer ids (PyTorch's `F.embedding`):
    /// `y[..., :] = weight[ids[...], :]`, with `ids` `[batch, tokens]` (any rank up to 3),
    /// `weight` `[vocabulary, features]` and `y` `[batch, tokens, features]`.
    ///
    /// An id outside `0..<vocabulary` throws ``ShapeError/indexOutOfRange(operation:index:position:validRange:)``
    /// naming it, before anything is computed.
    ///
    /// Backward: `dweight[v, :] = Σ_{p : ids[p] = v} dy[p, :]` (scatter-add; a repeated id
    /// receives the sum of its rows), added in the ids' row-major order, so the result is
    /// the same on every run.
    public static func embedding(_ ids: IndexTensor, weight: Tensor) throws(ShapeError) -> Tensor {
        let operation = "embedding"
        guard weight.shape.rank == 2 else { throw ShapeError.rankMismatch(operation: operation, expectedRank: 2, actual: weight.shape) }
        guard ids.shape.rank < Shape.maximumRank else {
            throw ShapeError.rankMismatch(operation: "\(operation) ids", expectedRank: Shape.maximumRank - 1, actual: ids.shape)
        }
        let vocabulary = weight.shape[0], features = weight.shape[1]
        try ids.validate(below: vocabulary, operation: operation)
        let result = Tensor(uninitializedShape: Shape(ids.shape.dimensions + [features]))
        let table = weight.storage.pointer, y = result.storage.pointer
        ids.values.withUnsafeBufferPointer { positions in
            for (position, id) in positions.enumerated() {
                (y + position &* features).update(from: table + Int(id) &* features, count: features)
            }
        }
        guard Tensor.shouldRecord(weight) else { return result }
        let values = ids.values
        result.recordGradient(inputs: [weight]) { dy in
            guard let gradient = weight.zeroInitializedGradient() else { return }
            values.withUnsafeBufferPointer { positions in
                for (position, id) in positions.enumerated() {
                    let row = gradient + Int(id) &* features, source = dy + position &* features
                    for column in 0..<features { row[column] += source[column] }
                }
            }
        }
        return result
    }
}
