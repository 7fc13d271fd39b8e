import NN
import TensorCore

/// transformers' `BertModel` with its pooler: a ``BERTEncoder`` (children `embeddings`,
/// `encoder`) and a ``BERTPooler`` (child `pooler`), so the module paths are those of a
/// `BertModel` state dict (`encoder.layer.0.attention.self.query`, `pooler.dense`). Its
/// forward is the pooled output `[batch, hidden]`:
///
/// `pooled[b] = tanh(x[b, 0]·Wpᵀ + bp)` with `x` the encoder's last hidden state `[batch, tokens, hidden]`.
public final class BERTModel: MultiInputModule {
    public typealias Input = BERTEncoderInput

    /// The embeddings and encoder layers (whose children this module lists as its own).
    public let encoder: BERTEncoder
    /// `pooler`.
    public let pooler: BERTPooler

    /// The encoder and pooler of `weights`; throws ``BERTClassifierError/missingPooler`` when
    /// the weights have no `pooler.dense` (the pooler's weights are pretrained, never fresh).
    public init(weights: BERTWeights) throws {
        guard let poolerWeights = weights.pooler else { throw BERTClassifierError.missingPooler }
        encoder = try BERTEncoder(weights: weights)
        pooler = try BERTPooler(weights: poolerWeights)
    }

    /// The encoder's mode: the tree lists the encoder's children, not the encoder, so its
    /// own flag is kept in step here.
    public var isTraining: Bool {
        get { encoder.isTraining }
        set { encoder.isTraining = newValue }
    }

    /// `embeddings`, `encoder` (the ``BERTEncoder``'s own children) and `pooler`.
    public func children() -> [(name: String, module: any Module)] {
        encoder.children() + [("pooler", pooler)]
    }

    public func replaceChild(named name: String, with module: any Module) throws(ModuleError) {
        throw .childNotReplaceable(parent: "BERTModel", name: name)
    }

    /// The pooled output `[batch, hidden]`.
    public func forward(_ input: Input) throws -> Tensor {
        try pooler(try encoder.pooledHiddenState(input, pooling: .first))
    }
}
