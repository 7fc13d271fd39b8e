import NN
import TensorCore

/// BERT's input embeddings, transformers' `BertEmbeddings` (module path `embeddings`):
/// `x[b, t] = dropout(LN(word[ids[b, t]] + position[t] + tokenType[0]))`, ids `[batch, tokens]` to
/// `x` `[batch, tokens, hidden]`, or packed real tokens ``BERTPackedBatch`` to `[realTokens, hidden]`.
/// Positions are `0..<tokens` in every row and every token has type 0 (single-segment
/// input); dropout (`hidden_dropout_prob`) acts in training mode only. Children, with Hugging
/// Face's names: `word_embeddings`, `position_embeddings`, `token_type_embeddings`,
/// `LayerNorm`, `dropout`.
public final class BERTEmbeddings: MultiInputModule {
    public let wordEmbeddings: Embedding
    public let positionEmbeddings: Embedding
    public let tokenTypeEmbeddings: Embedding
    public let layerNorm: LayerNorm
    public let dropout: Dropout

    init(weights: BERTEmbeddingWeights, epsilon: Float, dropoutProbability: Float, using generator: inout RandomGenerator) throws {
        wordEmbeddings = try Embedding(weight: weights.wordEmbeddings)
        positionEmbeddings = try Embedding(weight: weights.positionEmbeddings)
        tokenTypeEmbeddings = try Embedding(weight: weights.tokenTypeEmbeddings)
        layerNorm = try LayerNorm(weight: weights.layerNorm.weight, bias: weights.layerNorm.bias, epsilon: epsilon)
        dropout = try Dropout(probability: dropoutProbability, using: &generator)
    }

    public func children() -> [(name: String, module: any Module)] {
        [("word_embeddings", wordEmbeddings), ("position_embeddings", positionEmbeddings),
         ("token_type_embeddings", tokenTypeEmbeddings), ("LayerNorm", layerNorm), ("dropout", dropout)]
    }

    /// `ids` `[batch, tokens]` to `[batch, tokens, hidden]`. More tokens than the position
    /// table has rows throws ``TensorCore/ShapeError/indexOutOfRange(operation:index:position:validRange:)``.
    public func forward(_ ids: IndexTensor) throws -> Tensor {
        guard ids.shape.rank == 2 else { throw ShapeError.rankMismatch(operation: "BERT token ids", expectedRank: 2, actual: ids.shape) }
        let (batch, tokens) = (ids.shape[0], ids.shape[1])
        let positions = try IndexTensor(shape: [batch, tokens], values: (0..<batch).flatMap { _ in Array(0..<tokens) })
        let types = try IndexTensor(shape: [batch, tokens], values: [Int](repeating: 0, count: batch * tokens))
        let summed = try wordEmbeddings(ids) + positionEmbeddings(positions) + tokenTypeEmbeddings(types)
        return try dropout(try layerNorm(summed))
    }

    /// The packed real tokens of `batch` to `[realTokens, hidden]`: row `n` is
    /// `dropout(LN(word[id_n] + position[t_n] + tokenType[0]))`.
    public func forward(packed batch: BERTPackedBatch) throws -> Tensor {
        let types = try IndexTensor(shape: [batch.tokenCount], values: [Int32](repeating: 0, count: batch.tokenCount))
        let summed = try wordEmbeddings(batch.tokenIDs) + positionEmbeddings(batch.positionIDs) + tokenTypeEmbeddings(types)
        return try dropout(try layerNorm(summed))
    }
}
