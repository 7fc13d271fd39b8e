import NN
import TensorCore

/// One post-LayerNorm BERT encoder layer, transformers' `BertLayer` (`encoder.layer.N`):
///
/// ```
/// a = LN_att(dropout(SelfAttention(x, m)·Woᵀ + bo) + x)
/// y = LN_out(dropout(gelu(a·Wiᵀ + bi)·Wo2ᵀ + bo2) + a)
/// ```
///
/// `x` and `y` `[batch, tokens, hidden]`, `m` the additive mask `[batch, 1, 1, tokens]`; or
/// packed real tokens `[realTokens, hidden]` with each sequence's length instead of a mask
/// (``forward(packed:sequenceLengths:)``). Dropout acts in training mode only.
/// Children `attention`, `intermediate`, `output`.
public final class BERTLayer: MultiInputModule {
    public typealias Input = (hidden: Tensor, additiveMask: Tensor)

    @Child public var attention: BERTAttention
    @Child public var intermediate: BERTIntermediate
    @Child public var output: BERTResidualOutput

    init(weights: BERTLayerWeights, configuration: BERTConfiguration, using generator: inout RandomGenerator) throws {
        let epsilon = configuration.layerNormEpsilon
        func linear(_ weights: LinearWeights) throws -> Linear { try Linear(weight: weights.weight, bias: weights.bias) }
        func norm(_ weights: LayerNormWeights) throws -> LayerNorm {
            try LayerNorm(weight: weights.weight, bias: weights.bias, epsilon: epsilon)
        }
        let attentionDropout = try Dropout(probability: configuration.attentionDropoutProbability, using: &generator)
        let attentionOutputDropout = try Dropout(probability: configuration.hiddenDropoutProbability, using: &generator)
        let outputDropout = try Dropout(probability: configuration.hiddenDropoutProbability, using: &generator)
        attention = BERTAttention(
            selfAttention: BERTSelfAttention(query: try linear(weights.query), key: try linear(weights.key),
                                             value: try linear(weights.value), dropout: attentionDropout,
                                             headCount: configuration.attentionHeadCount),
            output: BERTResidualOutput(dense: try linear(weights.attentionOutput), layerNorm: try norm(weights.attentionLayerNorm),
                                       dropout: attentionOutputDropout))
        intermediate = BERTIntermediate(dense: try linear(weights.intermediate))
        output = BERTResidualOutput(dense: try linear(weights.output), layerNorm: try norm(weights.outputLayerNorm), dropout: outputDropout)
    }

    public func forward(_ input: Input) throws -> Tensor {
        let attended = try attention(input)
        return try output((hidden: try intermediate(attended), residual: attended))
    }

    /// The layer on packed real tokens `[realTokens, hidden]` (see ``BERTPackedBatch``).
    public func forward(packed hidden: Tensor, sequenceLengths: [Int]) throws -> Tensor {
        let attended = try attention.forward(packed: hidden, sequenceLengths: sequenceLengths)
        return try output((hidden: try intermediate(attended), residual: attended))
    }
}
