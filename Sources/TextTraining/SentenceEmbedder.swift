import NN
import TensorCore
import Tokenizers
import Transformers

/// sentence-transformers' embeddings of texts: each text tokenised (truncated to
/// ``maximumLength`` tokens, `[CLS]` and `[SEP]` included), batches of ``batchSize`` texts
/// padded to their longest row, and ``Transformers/BERTEncoder/sentenceEmbedding(_:)``:
/// `e = p / max(‖p‖₂, 1e-12)` with `p` the masked mean of the last hidden state,
/// `[batch, hidden]`. Evaluation mode, no gradients; every module's mode is put back after.
public struct SentenceEmbedder {
    public let encoder: BERTEncoder
    public let tokenizer: WordPieceTokenizer
    /// Tokens per text at most (sentence-transformers' `max_seq_length`, 256 for all-MiniLM-L6-v2).
    public var maximumLength: Int
    /// Texts per forward pass.
    public var batchSize: Int

    public init(encoder: BERTEncoder, tokenizer: WordPieceTokenizer, maximumLength: Int = 256, batchSize: Int = 64) {
        self.encoder = encoder
        self.tokenizer = tokenizer
        self.maximumLength = maximumLength
        self.batchSize = batchSize
    }

    /// The embedding dimension.
    public var dimension: Int { encoder.configuration.hiddenSize }

    /// Embeds `texts` batch by batch; `body` receives each batch's first text index and its
    /// embeddings, row-major `[batch, dimension]`, in order.
    public func embed(_ texts: [String], _ body: (_ firstIndex: Int, _ embeddings: UnsafeBufferPointer<Float>) throws -> Void) throws {
        guard maximumLength >= 2, batchSize >= 1 else {
            throw EmbeddingSettingError(maximumLength: maximumLength, batchSize: batchSize)
        }
        try ModeRestoration.evaluating(encoder) {
            try withoutGradients {
                for start in stride(from: 0, to: texts.count, by: batchSize) {
                    let batch = try tokenizer.encodeBatch(Array(texts[start..<min(start + batchSize, texts.count)]),
                                                          maximumLength: maximumLength)
                    let embeddings = try encoder.sentenceEmbedding(try BERTEncoderInput(batch))
                    try embeddings.withUnsafeBufferPointer { try body(start, $0) }
                }
            }
        }
    }
}

/// ``SentenceEmbedder``'s settings are out of range.
public struct EmbeddingSettingError: Error, Equatable, CustomStringConvertible {
    public let maximumLength: Int
    public let batchSize: Int

    public var description: String {
        "Sentence embeddings need a maximum length of at least 2 tokens ([CLS] and [SEP]) and a batch of at least 1 text; "
            + "got \(maximumLength) and \(batchSize)."
    }
}

extension BERTEncoderInput {
    /// The ids and attention mask of a tokenised batch, `[rows, sequenceLength]` each.
    init(_ batch: TokenizedBatch) throws {
        let shape: Shape = [batch.rowCount, batch.sequenceLength]
        try self.init(tokenIDs: IndexTensor(shape: shape, values: batch.inputIDs),
                      attentionMask: Tensor(shape: shape, values: batch.attentionMask.map(Float.init)))
    }
}
