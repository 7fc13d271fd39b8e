import NN
import TensorCore

/// What ``BERTEncoder`` takes: token ids and the attention mask, both `[batch, tokens]`.
public struct BERTEncoderInput {
    /// Token ids, `[batch, tokens]`.
    public var tokenIDs: IndexTensor
    /// `1` for a token, `0` for padding, `[batch, tokens]`.
    public var attentionMask: Tensor

    public init(tokenIDs: IndexTensor, attentionMask: Tensor) {
        self.tokenIDs = tokenIDs
        self.attentionMask = attentionMask
    }
}

/// A pretrained BERT encoder, transformers' `BertModel` without its pooler, in evaluation
/// form (no dropout): ids `[batch, tokens]` and mask `[batch, tokens]` to the last hidden
/// state `[batch, tokens, hidden]`:
///
/// ```
/// x₀ = LN_emb(word[ids] + position[0..<tokens] + tokenType[0])
/// m[b, 0, 0, j] = 0 if mask[b, j] == 1 else −Float.greatestFiniteMagnitude      [batch, 1, 1, tokens]
/// x_{l+1} = BERTLayer_l(x_l, m)                                                   (see ``BERTLayer``)
/// ```
///
/// Padded positions are computed too (they attend to the real tokens only); only the real
/// tokens' outputs are meaningful. The module tree has Hugging Face's paths
/// (`embeddings.word_embeddings`, `encoder.layer.N.attention.self.query`, …), so
/// ``NN/Module/namedParameters()`` gives the state-dict keys and adapters find the Linears
/// (``NN/Linear`` in ``Child`` slots) by PEFT's module names.
public final class BERTEncoder: MultiInputModule {
    public typealias Input = BERTEncoderInput

    /// The architecture the weights were loaded for.
    public let configuration: BERTConfiguration
    @Child public var embeddings: BERTEmbeddings
    @Child public var encoder: BERTLayerStack

    /// The encoder with `weights` (which carry their configuration). The tensors are shared,
    /// not copied.
    public init(weights: BERTWeights) throws {
        let configuration = weights.configuration
        self.configuration = configuration
        embeddings = try BERTEmbeddings(weights: weights.embeddings, epsilon: configuration.layerNormEpsilon)
        encoder = BERTLayerStack(layers: try weights.layers.map {
            try BERTLayer(weights: $0, headCount: configuration.attentionHeadCount, epsilon: configuration.layerNormEpsilon)
        })
    }

    /// The additive attention mask `[batch, 1, 1, tokens]`: 0 where `mask` is 1 (a token),
    /// `−Float.greatestFiniteMagnitude` where it is 0 (padding), as transformers builds it.
    public static func additiveMask(_ mask: Tensor) throws(ShapeError) -> Tensor {
        guard mask.shape.rank == 2 else { throw ShapeError.rankMismatch(operation: "BERT attention mask", expectedRank: 2, actual: mask.shape) }
        return try Tensor(shape: [mask.shape[0], 1, 1, mask.shape[1]],
                          values: mask.scalars.map { $0 == 0 ? -Float.greatestFiniteMagnitude : 0 })
    }

    /// The embedding output followed by every layer's output (transformers'
    /// `hidden_states`: `layerCount + 1` tensors `[batch, tokens, hidden]`, the last one the
    /// last hidden state).
    public func hiddenStates(_ input: Input) throws -> [Tensor] {
        guard input.attentionMask.shape.dimensions == input.tokenIDs.shape.dimensions else {
            throw ShapeError.mismatch(operation: "BERT attention mask against token ids", lhs: input.tokenIDs.shape, rhs: input.attentionMask.shape)
        }
        let embedded = try embeddings(input.tokenIDs)
        return [embedded] + (try encoder.layerOutputs((hidden: embedded, additiveMask: try Self.additiveMask(input.attentionMask))))
    }

    /// The last hidden state, `[batch, tokens, hidden]`.
    public func forward(_ input: Input) throws -> Tensor {
        let states = try hiddenStates(input)
        return states[states.count - 1]
    }

    /// sentence-transformers' embedding: the mean of the real tokens' last hidden states,
    /// L2-normalised, `[batch, hidden]`:
    /// `e[b] = p[b] / max(‖p[b]‖₂, 1e-12)` with `p[b] = Σ_t mask[b,t]·x[b,t] / max(Σ_t mask[b,t], 1e-9)`.
    public func sentenceEmbedding(_ input: Input) throws -> Tensor {
        try Tensor.maskedMeanPooling(try forward(input), mask: input.attentionMask).l2Normalized()
    }
}
