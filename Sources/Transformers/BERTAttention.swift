import NN
import TensorCore

/// The attention half of a BERT layer, transformers' `BertAttention`
/// (`encoder.layer.N.attention`): `a = LN(dropout(SelfAttention(x, m)·Woᵀ + bo) + x)`, `x` and `a`
/// `[batch, tokens, hidden]` (or packed, `[realTokens, hidden]`), `m` the additive mask `[batch, 1, 1, tokens]`. Children `self`
/// (``BERTSelfAttention``) and `output` (``BERTResidualOutput``).
public final class BERTAttention: MultiInputModule {
    public typealias Input = (hidden: Tensor, additiveMask: Tensor)

    public let selfAttention: BERTSelfAttention
    public let output: BERTResidualOutput

    init(selfAttention: BERTSelfAttention, output: BERTResidualOutput) {
        self.selfAttention = selfAttention
        self.output = output
    }

    public func children() -> [(name: String, module: any Module)] {
        [("self", selfAttention), ("output", output)]
    }

    public func forward(_ input: Input) throws -> Tensor {
        try output((hidden: try selfAttention(input), residual: input.hidden))
    }

    /// The same on packed real tokens `[realTokens, hidden]` (see ``BERTPackedBatch``).
    public func forward(packed hidden: Tensor, sequenceLengths: [Int]) throws -> Tensor {
        try output((hidden: try selfAttention.forward(packed: hidden, sequenceLengths: sequenceLengths), residual: hidden))
    }
}
