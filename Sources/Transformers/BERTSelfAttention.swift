import NN
import TensorCore

/// Multi-head scaled dot-product self-attention, transformers' `BertSelfAttention`
/// (module path `encoder.layer.N.attention.self`), for `x` `[batch, tokens, hidden]` and an
/// additive mask `m` `[batch, 1, 1, tokens]` (0 for a token, `−Float.greatestFiniteMagnitude`
/// for padding):
///
/// ```
/// q, k, v = x·Wqᵀ + bq, x·Wkᵀ + bk, x·Wvᵀ + bv     -> [batch, heads, tokens, headSize]
///                                                     (head h = features h·headSize ..< (h+1)·headSize)
/// p = dropout(softmax(q·kᵀ / √headSize + m))         over the keys, [batch, heads, tokens, tokens]
/// y = p·v with the heads concatenated back            -> [batch, tokens, hidden]
/// ```
///
/// On packed real tokens (``forward(packed:sequenceLengths:)``), `x` is `[realTokens, hidden]`
/// and each sequence attends over its own tokens only
/// (``TensorCore/Tensor/variableLengthAttention(queries:keys:values:sequenceLengths:headCount:dropoutMask:)``):
/// no mask, no padding, no permutes. Dropout (`attention_probs_dropout_prob`, child `dropout`)
/// acts in training mode only.
///
/// The projections are ``Child`` properties `query`, `key` and `value` (``NN/Linear`` when
/// loaded), so adapters can replace them by path.
public final class BERTSelfAttention: MultiInputModule {
    public typealias Input = (hidden: Tensor, additiveMask: Tensor)

    @Child public var query: any Module
    @Child public var key: any Module
    @Child public var value: any Module
    @Child public var dropout: Dropout
    public let headCount: Int

    init(query: any Module, key: any Module, value: any Module, dropout: Dropout, headCount: Int) {
        self.query = query
        self.key = key
        self.value = value
        self.dropout = dropout
        self.headCount = headCount
    }

    public func forward(_ input: Input) throws -> Tensor {
        let hidden = input.hidden
        guard hidden.shape.rank == 3 else { throw ShapeError.rankMismatch(operation: "BERT self-attention", expectedRank: 3, actual: hidden.shape) }
        let (batch, tokens, features) = (hidden.shape[0], hidden.shape[1], hidden.shape[2])
        let headSize = features / headCount
        func heads(_ projection: any Module) throws -> Tensor {
            try projection(hidden).reshaped(to: [batch, tokens, headCount, headSize]).permuted([0, 2, 1, 3])
        }
        let queries = try heads(query), keys = try heads(key), values = try heads(value)
        let scores = try queries.matmul(keys, transposeOther: true) * (1 / Float(headSize).squareRoot())
        let probabilities = try dropout(try (scores + input.additiveMask).softmax())
        return try probabilities.matmul(values).permuted([0, 2, 1, 3]).reshaped(to: [batch, tokens, features])
    }

    /// Self-attention on packed real tokens `hidden` `[realTokens, hidden]`, sequence `s`
    /// holding `sequenceLengths[s]` consecutive rows; the result has the same layout.
    public func forward(packed hidden: Tensor, sequenceLengths: [Int]) throws -> Tensor {
        guard hidden.shape.rank == 2 else { throw ShapeError.rankMismatch(operation: "BERT packed self-attention", expectedRank: 2, actual: hidden.shape) }
        var mask: Tensor?
        if dropout.isTraining, dropout.probability > 0 {
            // The dropout layer's own generator draws the mask (0 or 1/(1−p) per probability).
            let count = Tensor.attentionProbabilityCount(sequenceLengths: sequenceLengths, headCount: headCount)
            mask = dropout.probability < 1
                ? Tensor.dropoutMask(count: count, probability: dropout.probability, using: &dropout.generator)
                : Tensor(zeros: [count])
        }
        return try Tensor.variableLengthAttention(queries: try query(hidden), keys: try key(hidden), values: try value(hidden),
                                                  sequenceLengths: sequenceLengths, headCount: headCount, dropoutMask: mask)
    }
}
