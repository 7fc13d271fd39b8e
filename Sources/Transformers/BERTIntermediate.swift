import NN
import TensorCore

/// The feed-forward expansion of a BERT layer, transformers' `BertIntermediate`
/// (`encoder.layer.N.intermediate`): `i = gelu(a·Wiᵀ + bi)` with the exact (erf) GELU,
/// `a` `[batch, tokens, hidden]` to `i` `[batch, tokens, intermediate]`. Child `dense`.
public final class BERTIntermediate: Module {
    @Child public var dense: any Module

    init(dense: any Module) {
        self.dense = dense
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        try dense(input).gelu()
    }
}
