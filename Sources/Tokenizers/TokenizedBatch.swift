/// Token ids of several texts padded on the right to one length, with the attention mask
/// that tells tokens from padding; both row-major `[rowCount, sequenceLength]`.
///
/// `inputIDs[r·sequenceLength + t]` is token `t` of row `r`; `attentionMask` holds 1 for a
/// token and 0 for padding; token type ids are all 0 for single sentences and not stored.
public struct TokenizedBatch: Sendable, Equatable {
    /// The number of texts.
    public let rowCount: Int
    /// The length of every row: the longest text's.
    public let sequenceLength: Int
    /// `[rowCount, sequenceLength]`, padded with the tokenizer's padding id.
    public let inputIDs: [Int]
    /// `[rowCount, sequenceLength]`: 1 = token, 0 = padding.
    public let attentionMask: [Int]
    /// Each row's number of tokens (the mask's row sums).
    public let lengths: [Int]

    /// Pads `rows` to the longest with `paddingTokenID`.
    public init(rows: [[Int]], paddingTokenID: Int) {
        let length = rows.map(\.count).max() ?? 0
        var ids: [Int] = [], mask: [Int] = []
        ids.reserveCapacity(rows.count * length)
        mask.reserveCapacity(rows.count * length)
        for row in rows {
            ids.append(contentsOf: row)
            ids.append(contentsOf: repeatElement(paddingTokenID, count: length - row.count))
            mask.append(contentsOf: repeatElement(1, count: row.count))
            mask.append(contentsOf: repeatElement(0, count: length - row.count))
        }
        rowCount = rows.count
        sequenceLength = length
        inputIDs = ids
        attentionMask = mask
        lengths = rows.map(\.count)
    }

    /// The ids of row `row`, padding included.
    public func ids(ofRow row: Int) -> ArraySlice<Int> {
        inputIDs[(row * sequenceLength)..<((row + 1) * sequenceLength)]
    }
}
