import Transformers

/// One mini-batch of labelled texts: the encoder input padded to the batch's longest row,
/// the labels, and which rows of the data set it holds.
public struct TextClassificationBatch {
    /// Token ids and attention mask, `[batch, tokens]` each, `tokens` the longest row's length.
    public let input: BERTEncoderInput
    /// Each row's label id, in batch order.
    public let labels: ArraySlice<Int>
    /// The data set rows (file order indices) in batch order.
    public let rows: [Int]
    /// Each row's real token count (`[CLS]` and `[SEP]` included), in batch order.
    public let lengths: [Int]

    public init(input: BERTEncoderInput, labels: ArraySlice<Int>, rows: [Int], lengths: [Int]) {
        self.input = input
        self.labels = labels
        self.rows = rows
        self.lengths = lengths
    }

    /// The number of rows.
    public var count: Int { rows.count }
}
