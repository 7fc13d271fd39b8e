import TensorCore

/// How a sequence's token vectors become one vector per sequence.
public enum TokenPooling: String, Sendable, CaseIterable {
    /// The mean of the real tokens' vectors (sentence-transformers' mean pooling):
    /// `p[b] = Σ_t mask[b,t]·x[b,t] / max(Σ_t mask[b,t], 1e-9)`.
    case mean
    /// The first token's vector (`[CLS]`), what BERT's pooler reads: `p[b] = x[b, 0]`.
    case first
}

extension BERTEncoder {
    /// The last hidden state `x` `[batch, tokens, hidden]` pooled to one vector per
    /// sequence, `[batch, hidden]`:
    ///
    /// ```
    /// mean:  p[b] = Σ_t mask[b,t]·x[b,t] / max(Σ_t mask[b,t], 1e-9)
    /// first: p[b] = x[b, 0]
    /// ```
    ///
    /// The entry point of the classifiers (``BERTSequenceClassifier``) and of sentence
    /// embeddings; differentiable with respect to every trainable parameter of the encoder.
    public func pooledHiddenState(_ input: BERTEncoderInput, pooling: TokenPooling) throws -> Tensor {
        let hidden = try forward(input)
        switch pooling {
        case .mean: return try Tensor.maskedMeanPooling(hidden, mask: input.attentionMask)
        case .first: return try hidden.firstToken()
        }
    }
}
