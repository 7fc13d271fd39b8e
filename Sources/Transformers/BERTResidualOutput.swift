import NN
import TensorCore

/// The projection, residual sum and LayerNorm that close each half of a BERT layer,
/// transformers' `BertSelfOutput` (`encoder.layer.N.attention.output`) and `BertOutput`
/// (`encoder.layer.N.output`), which have the same form:
/// `y = LN(dropout(x·Wᵀ + b) + residual)`, `x` `[batch, tokens, in]`, `residual` and `y`
/// `[batch, tokens, hidden]` (or packed, `[realTokens, …]`: every step is token-wise). Dropout
/// (`hidden_dropout_prob`) acts in training mode only. Children `dense` (a ``Child``,
/// replaceable by an adapter), `LayerNorm` and `dropout`.
public final class BERTResidualOutput: MultiInputModule {
    public typealias Input = (hidden: Tensor, residual: Tensor)

    @Child public var dense: any Module
    public let layerNorm: LayerNorm
    public let dropout: Dropout

    init(dense: any Module, layerNorm: LayerNorm, dropout: Dropout) {
        self.dense = dense
        self.layerNorm = layerNorm
        self.dropout = dropout
    }

    public func children() -> [(name: String, module: any Module)] {
        [("dense", dense), ("LayerNorm", layerNorm), ("dropout", dropout)]
    }

    public func forward(_ input: Input) throws -> Tensor {
        try layerNorm(try dropout(try dense(input.hidden)) + input.residual)
    }
}
