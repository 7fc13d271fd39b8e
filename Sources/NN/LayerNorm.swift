import TensorCore

/// Layer normalisation over the last axis, PyTorch's `nn.LayerNorm(features, eps)`:
/// `y = (x − mean(x)) / √(var(x) + ε) · weight + bias`, with the biased variance over the
/// `features` of each row. Input `[…, features]` (any rank), ``weight`` and ``bias``
/// `[features]`, output the input's shape.
public final class LayerNorm: Module {
    /// `γ`, `[features]`.
    public let weight: Tensor
    /// `β`, `[features]`.
    public let bias: Tensor
    /// `ε`, added to the variance.
    public let epsilon: Float

    /// A layer from existing tensors: `weight` and `bias` `[features]` each.
    public init(weight: Tensor, bias: Tensor, epsilon: Float) throws(ShapeError) {
        guard weight.shape.rank == 1 else { throw ShapeError.rankMismatch(operation: "LayerNorm weight", expectedRank: 1, actual: weight.shape) }
        guard bias.shape == weight.shape else { throw ShapeError.mismatch(operation: "LayerNorm bias", lhs: weight.shape, rhs: bias.shape) }
        self.weight = weight
        self.bias = bias
        self.epsilon = epsilon
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        try Tensor.layerNormalization(input, weight: weight, bias: bias, epsilon: epsilon)
    }

    public func ownParameters() -> [(name: String, parameter: Tensor)] {
        [("weight", weight), ("bias", bias)]
    }
}
