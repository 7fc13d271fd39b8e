import Datasets
import Tokenizers
import Training

/// Labelled texts as training data (``Training/TrainingData``): tokenised once when made,
/// then each batch is cut from the stored ids (``TokenizedTexts/encoderInput(rows:)``),
/// padded to its longest row, with the labels. Loading a batch tokenises nothing; its
/// mask tensor comes from the buffer pool.
///
/// Sample `i` is row ``rowOrder``[i]: file order, or the order of a ``LengthBucketing``.
///
/// ```swift
/// let train = try LabeledTexts(contentsOfFile: "train.csv", options: TextReadingOptions(labelColumn: "sentiment"))
/// let tokenizer = try WordPieceTokenizer(modelFolder: modelFolder)
/// let batches = try TextClassificationBatches(texts: train, tokenizer: tokenizer, maximumLength: 64)
/// let batch = try batches.loadBatch(samples: 0..<32)   // batch.input: [32, longest] ids and mask
/// ```
public final class TextClassificationBatches: TrainingData {
    /// The tokenised rows, in file order.
    public let tokens: TokenizedTexts
    /// Each row's label id, in file order.
    public let labels: [Int]
    /// The label names, in id order.
    public let labelMapping: LabelMapping
    /// The row each sample stands for.
    public let rowOrder: [Int]

    /// Tokenises `texts` (each cut to `maximumLength` ids) and orders the rows by `bucketing`.
    public convenience init(texts: LabeledTexts, tokenizer: WordPieceTokenizer, maximumLength: Int,
                            bucketing: LengthBucketing = .none) throws(TokenizerError) {
        let tokens = try TokenizedTexts(texts: texts.texts, tokenizer: tokenizer, maximumLength: maximumLength)
        self.init(tokens: tokens, labels: texts.labels, labelMapping: texts.labelMapping, bucketing: bucketing)
    }

    /// Rows already tokenised; `labels` holds one id in `0..<labelMapping.count` per row
    /// (a programmer error otherwise).
    public init(tokens: TokenizedTexts, labels: [Int], labelMapping: LabelMapping, bucketing: LengthBucketing = .none) {
        precondition(labels.count == tokens.count, "\(tokens.count) tokenised rows but \(labels.count) labels")
        precondition(labels.allSatisfy { (0..<labelMapping.count).contains($0) }, "a label id outside 0..<\(labelMapping.count)")
        self.tokens = tokens
        self.labels = labels
        self.labelMapping = labelMapping
        self.rowOrder = bucketing.order(lengths: tokens.lengths)
    }

    public var sampleCount: Int { tokens.count }

    /// The rows of samples `indices`, in that order.
    public func loadBatch<Indices: Collection<Int>>(samples indices: Indices) throws -> TextClassificationBatch {
        var rows: [Int] = []
        rows.reserveCapacity(indices.count)
        for sample in indices {
            precondition(sample >= 0 && sample < rowOrder.count, "sample \(sample) out of range 0..<\(rowOrder.count)")
            rows.append(rowOrder[sample])
        }
        let input = try tokens.encoderInput(rows: rows)
        return TextClassificationBatch(input: input, labels: rows.map { labels[$0] }[...], rows: rows,
                                       lengths: rows.map(tokens.length(ofRow:)))
    }
}
