import NN
import TensorCore

/// BERT's pooler, transformers' `BertPooler` (module path `pooler`): a Linear and tanh on
/// the first (`[CLS]`) token's last hidden state,
///
/// `pooled[b] = tanh(x[b, 0]·Wpᵀ + bp)`, `x[b, 0]` `[batch, hidden]` to `[batch, hidden]`,
///
/// with `Wp` `[hidden, hidden]` (`pooler.dense.weight`) and `bp` `[hidden]`. Its
/// ``forward(_:)`` takes the first tokens' vectors already selected
/// (``BERTEncoder/pooledHiddenState(_:pooling:)`` with ``TokenPooling/first``), not the
/// whole `[batch, tokens, hidden]` state transformers passes. Child `dense`, which adapters
/// may wrap (PEFT's `all-linear` does).
public final class BERTPooler: Module {
    @Child public var dense: any Module

    /// The pooler with `weights` (`pooler.dense`); the tensors are shared, not copied.
    public init(weights: LinearWeights) throws {
        dense = try Linear(weight: weights.weight, bias: weights.bias)
    }

    /// `tanh(first·Wpᵀ + bp)` for the first tokens' vectors `first` `[batch, hidden]`.
    public func forward(_ first: Tensor) throws -> Tensor {
        try dense(first).tanh()
    }
}
