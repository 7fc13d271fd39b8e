import NN
import TensorCore

/// One post-LayerNorm BERT encoder layer, transformers' `BertLayer` (`encoder.layer.N`):
///
/// ```
/// a = LN_att(SelfAttention(x, m)·Woᵀ + bo + x)
/// y = LN_out(gelu(a·Wiᵀ + bi)·Wo2ᵀ + bo2 + a)
/// ```
///
/// `x` and `y` `[batch, tokens, hidden]`, `m` the additive mask `[batch, 1, 1, tokens]`.
/// Children `attention`, `intermediate`, `output`.
public final class BERTLayer: MultiInputModule {
    public typealias Input = (hidden: Tensor, additiveMask: Tensor)

    @Child public var attention: BERTAttention
    @Child public var intermediate: BERTIntermediate
    @Child public var output: BERTResidualOutput

    init(weights: BERTLayerWeights, headCount: Int, epsilon: Float) throws {
        func linear(_ weights: LinearWeights) throws -> Linear { try Linear(weight: weights.weight, bias: weights.bias) }
        func norm(_ weights: LayerNormWeights) throws -> LayerNorm {
            try LayerNorm(weight: weights.weight, bias: weights.bias, epsilon: epsilon)
        }
        attention = BERTAttention(
            selfAttention: BERTSelfAttention(query: try linear(weights.query), key: try linear(weights.key),
                                             value: try linear(weights.value), headCount: headCount),
            output: BERTResidualOutput(dense: try linear(weights.attentionOutput), layerNorm: try norm(weights.attentionLayerNorm)))
        intermediate = BERTIntermediate(dense: try linear(weights.intermediate))
        output = BERTResidualOutput(dense: try linear(weights.output), layerNorm: try norm(weights.outputLayerNorm))
    }

    public func forward(_ input: Input) throws -> Tensor {
        let attended = try attention(input)
        return try output((hidden: try intermediate(attended), residual: attended))
    }
}
