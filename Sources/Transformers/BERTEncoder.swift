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

/// A pretrained BERT encoder, transformers' `BertModel` without its pooler: ids
/// `[batch, tokens]` and mask `[batch, tokens]` to the last hidden state `[batch, tokens, hidden]`:
///
/// ```
/// x₀ = dropout(LN_emb(word[ids] + position[0..<tokens] + tokenType[0]))
/// m[b, 0, 0, j] = 0 if mask[b, j] == 1 else −Float.greatestFiniteMagnitude      [batch, 1, 1, tokens]
/// x_{l+1} = BERTLayer_l(x_l, m)                                                   (see ``BERTLayer``)
/// ```
///
/// Like every new module, a new encoder is in training mode: BERT's dropout is active (after
/// the embedding LayerNorm, on the attention probabilities, and on both dense outputs before
/// their residual LayerNorm, with `config.json`'s `hidden_dropout_prob` and
/// `attention_probs_dropout_prob`), each dropout layer drawing from a generator of its own
/// (``NN/StochasticModule``, saved with checkpoints). `eval()` turns it off, as transformers'
/// `model.eval()`; evaluation-mode outputs do not depend on the generators.
///
/// Two layouts compute the same function. ``forward(_:)`` and ``hiddenStates(_:)`` work on the
/// padded batch: padded positions are computed too (they attend to the real tokens only) and
/// only the real tokens' outputs are meaningful. ``packedLastHiddenState(_:)`` and the pooled
/// outputs (``pooledHiddenState(_:pooling:)``, ``sentenceEmbedding(_:)``) compute every
/// token-wise product on the real tokens only, packed `[realTokens, hidden]`
/// (``BERTPackedBatch``), and attention per sequence over its own length; the two agree up to
/// rounding. The module tree has Hugging Face's paths
/// (`embeddings.word_embeddings`, `encoder.layer.N.attention.self.query`, …), so
/// ``NN/Module/namedParameters()`` gives the state-dict keys and adapters find the Linears
/// (``NN/Linear`` in ``Child`` slots) by PEFT's module names.
public final class BERTEncoder: MultiInputModule {
    public typealias Input = BERTEncoderInput

    /// The architecture the weights were loaded for.
    public let configuration: BERTConfiguration
    @Child public var embeddings: BERTEmbeddings
    @Child public var encoder: BERTLayerStack

    /// The encoder with `weights` (which carry their configuration), in training mode. The
    /// tensors are shared, not copied. Each dropout layer's generator is seeded by one draw from
    /// `generator`, in module order.
    public init(weights: BERTWeights, using generator: inout RandomGenerator) throws {
        let configuration = weights.configuration
        self.configuration = configuration
        embeddings = try BERTEmbeddings(weights: weights.embeddings, epsilon: configuration.layerNormEpsilon,
                                        dropoutProbability: configuration.hiddenDropoutProbability, using: &generator)
        var layers: [BERTLayer] = []
        for layerWeights in weights.layers {
            layers.append(try BERTLayer(weights: layerWeights, configuration: configuration, using: &generator))
        }
        encoder = BERTLayerStack(layers: layers)
    }

    /// The encoder with `weights`, in training mode, its dropout generators seeded from
    /// `RandomGenerator(seed: 0)`.
    public convenience init(weights: BERTWeights) throws {
        var generator = RandomGenerator(seed: 0)
        try self.init(weights: weights, using: &generator)
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

    /// The embedding output followed by every layer's output on `batch`'s real tokens,
    /// `layerCount + 1` tensors `[realTokens, hidden]`.
    public func packedHiddenStates(_ batch: BERTPackedBatch) throws -> [Tensor] {
        let embedded = try embeddings.forward(packed: batch)
        return [embedded] + (try encoder.layerOutputs(packed: embedded, sequenceLengths: batch.sequenceLengths))
    }

    /// The last hidden state of `batch`'s real tokens, `[realTokens, hidden]` (row `n` is the
    /// token at ``BERTPackedBatch/paddedIndices``[n] of the padded batch).
    public func packedLastHiddenState(_ batch: BERTPackedBatch) throws -> Tensor {
        let embedded = try embeddings.forward(packed: batch)
        var hidden = embedded
        for layer in encoder.layers { hidden = try layer.forward(packed: hidden, sequenceLengths: batch.sequenceLengths) }
        return hidden
    }

    /// sentence-transformers' embedding: the mean of the real tokens' last hidden states,
    /// L2-normalised, `[batch, hidden]`, computed on the packed real tokens:
    /// `e[b] = p[b] / max(‖p[b]‖₂, 1e-12)` with `p[b] = Σ_t mask[b,t]·x[b,t] / Σ_t mask[b,t]`.
    public func sentenceEmbedding(_ input: Input) throws -> Tensor {
        try pooledHiddenState(input, pooling: .mean).l2Normalized()
    }
}
