extension Tensor {
    /// The first token's vector of each sequence, PyTorch's `x[:, 0]` (what BERT's pooler
    /// reads: the `[CLS]` token), for `x` `[batch, tokens, features]`:
    ///
    /// `y[b, d] = x[b, 0, d]`, shape `[batch, features]`.
    ///
    /// Backward: `dx[b, 0, d] += dy[b, d]`; the other tokens get no gradient (zero).
    public func firstToken() throws(ShapeError) -> Tensor {
        guard shape.rank == 3 else { throw ShapeError.rankMismatch(operation: "firstToken", expectedRank: 3, actual: shape) }
        let batch = shape[0], tokens = shape[1], features = shape[2]
        guard tokens > 0 else {
            throw ShapeError.mismatch(operation: "firstToken (a sequence needs at least one token)", lhs: shape, rhs: Shape([batch, 1, features]))
        }
        let result = Tensor(uninitializedShape: [batch, features])
        let input = storage.pointer, output = result.storage.pointer
        for row in 0..<batch {
            (output + row &* features).update(from: input + row &* tokens &* features, count: features)
        }
        guard Tensor.shouldRecord(self) else { return result }
        result.recordGradient(inputs: [self]) { [self] dy in
            guard let gradient = zeroInitializedGradient() else { return }
            for row in 0..<batch {
                let gRow = gradient + row &* tokens &* features, dyRow = dy + row &* features
                for d in 0..<features { gRow[d] += dyRow[d] }
            }
        }
        return result
    }
}
