import TensorCore

/// How a sequence's token vectors become one vector per sequence.
public enum TokenPooling: String, Sendable, CaseIterable {
    /// The mean of the real tokens' vectors (sentence-transformers' mean pooling):
    /// `p[b] = Σ_t mask[b,t]·x[b,t] / Σ_t mask[b,t]`.
    case mean
    /// The first token's vector (`[CLS]`), what BERT's pooler reads: `p[b] = x[b, 0]` (the
    /// first real token of the row; the same for the tokenizer's right-padded batches).
    case first
}

extension BERTEncoder {
    /// The last hidden state pooled to one vector per sequence, `[batch, hidden]`:
    ///
    /// ```
    /// mean:  p[b] = Σ_t mask[b,t]·x[b,t] / Σ_t mask[b,t]
    /// first: p[b] = x[b, t₀]      (t₀ the row's first real token: 0 with right padding)
    /// ```
    ///
    /// The entry point of the classifiers (``BERTSequenceClassifier``) and of sentence
    /// embeddings; differentiable with respect to every trainable parameter of the encoder.
    /// Computed on the batch's real tokens only (``packedLastHiddenState(_:)``): `p = A·x` with
    /// `x` the packed last hidden state `[realTokens, hidden]` and `A`
    /// ``BERTPackedBatch/poolingMatrix(_:)`` `[batch, realTokens]`; equal, up to rounding
    /// (1e-5), to pooling ``forward(_:)``'s padded output.
    public func pooledHiddenState(_ input: BERTEncoderInput, pooling: TokenPooling) throws -> Tensor {
        let batch = try BERTPackedBatch(input)
        return try batch.poolingMatrix(pooling).matmul(try packedLastHiddenState(batch))
    }
}
