import TensorCore

/// How a sequence's token vectors become one vector.
public enum TokenPooling: Sendable, Equatable {
    /// The mean of the real tokens (sentence-transformers' mean pooling):
    /// `p[b] = Σ_t mask[b,t]·x[b,t] / Σ_t mask[b,t]`.
    case mean
    /// The first token's vector (`[CLS]`), `p[b] = x[b, 0]`, as BERT's pooler reads it.
    case first
}

extension BERTEncoder {
    /// The last hidden state pooled per sequence, `[batch, hidden]`, computed on the batch's
    /// real tokens only (``packedLastHiddenState(_:)``): `p = A·x` with `x` the packed last hidden
    /// state `[realTokens, hidden]` and `A` ``BERTPackedBatch/poolingMatrix(_:)`` `[batch, realTokens]`.
    /// Equal, up to rounding, to pooling ``forward(_:)``'s padded output; differentiable.
    public func pooledHiddenState(_ input: BERTEncoderInput, pooling: TokenPooling) throws -> Tensor {
        let batch = try BERTPackedBatch(input)
        return try batch.poolingMatrix(pooling).matmul(try packedLastHiddenState(batch))
    }
}
