import NN
import TensorCore

/// The projection, residual sum and LayerNorm that close each half of a BERT layer,
/// transformers' `BertSelfOutput` (`encoder.layer.N.attention.output`) and `BertOutput`
/// (`encoder.layer.N.output`), which have the same form:
/// `y = LN(x·Wᵀ + b + residual)`, `x` `[batch, tokens, in]`, `residual` and `y`
/// `[batch, tokens, hidden]`. Children `dense` (a ``Child``, replaceable by an adapter) and
/// `LayerNorm`.
public final class BERTResidualOutput: MultiInputModule {
    public typealias Input = (hidden: Tensor, residual: Tensor)

    @Child public var dense: any Module
    public let layerNorm: LayerNorm

    init(dense: any Module, layerNorm: LayerNorm) {
        self.dense = dense
        self.layerNorm = layerNorm
    }

    public func children() -> [(name: String, module: any Module)] {
        [("dense", dense), ("LayerNorm", layerNorm)]
    }

    public func forward(_ input: Input) throws -> Tensor {
        try layerNorm(try dense(input.hidden) + input.residual)
    }
}
