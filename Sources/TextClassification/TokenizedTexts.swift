import TensorCore
import Tokenizers
import Transformers

/// Every text of a data set tokenised once: `[CLS]`, its WordPiece pieces (cut so the whole
/// holds at most `maximumLength` ids, Hugging Face's `truncation=True, max_length=`), `[SEP]`;
/// the rows stored end to end, unpadded. Batches are cut from it without tokenising again.
///
/// Row `r`'s ids are `ids[rowStarts[r]..<rowStarts[r + 1]]`; its real token count
/// `lengths[r]` (`[CLS]` and `[SEP]` included) is what a packed computation on real tokens
/// needs. ``encoderInput(rows:)`` pads a batch to its longest row:
///
/// ```
/// tokenIDs[b, t]      = ids of row rows[b] at t for t < length, paddingTokenID after   [batch, tokens]
/// attentionMask[b, t] = 1 for t < length(rows[b]), 0 after                             [batch, tokens]
/// tokens              = max over the batch of length(rows[b])
/// ```
public struct TokenizedTexts: Sendable {
    /// The ids of every row, end to end.
    public let ids: [Int32]
    /// Where each row starts in ``ids``, plus the end: `count + 1` offsets.
    public let rowStarts: [Int]
    /// The id that pads rows to a batch's length (the tokenizer's `[PAD]`).
    public let paddingTokenID: Int32
    /// The maximum length the rows were cut to.
    public let maximumLength: Int
    /// How many rows lost pieces to the maximum length.
    public let truncatedRowCount: Int

    /// Tokenises `texts` with `tokenizer`, cutting each to `maximumLength` ids (at least 2).
    /// The texts are split over the available cores; the result does not depend on that.
    public init(texts: [String], tokenizer: WordPieceTokenizer, maximumLength: Int) throws(TokenizerError) {
        if maximumLength < 2 { throw .maximumLengthTooSmall(maximumLength) }
        // One result per text, each written by exactly one part (disjoint slots).
        var encoded = [(ids: [Int], isTruncated: Bool)](repeating: ([], false), count: texts.count)
        let parts = max(1, min(texts.count, WorkerPool.threadCount * 4))
        encoded.withUnsafeMutableBufferPointer { results in
            WorkerPool.run(parts: parts) { part in
                for row in (texts.count * part / parts)..<(texts.count * (part + 1) / parts) {
                    // `maximumLength >= 2` was checked above, the only way `encode` throws.
                    let text = try? tokenizer.encode(texts[row], maximumLength: maximumLength)
                    results[row] = (text?.ids ?? [], text?.isTruncated ?? false)
                }
            }
        }
        var ids: [Int32] = []
        var rowStarts = [0]
        rowStarts.reserveCapacity(texts.count + 1)
        var truncated = 0
        for row in encoded {
            ids.append(contentsOf: row.ids.lazy.map { Int32(truncatingIfNeeded: $0) })
            rowStarts.append(ids.count)
            if row.isTruncated { truncated += 1 }
        }
        self.ids = ids
        self.rowStarts = rowStarts
        self.paddingTokenID = Int32(truncatingIfNeeded: tokenizer.paddingTokenID)
        self.maximumLength = maximumLength
        self.truncatedRowCount = truncated
    }

    /// The number of rows.
    public var count: Int { rowStarts.count - 1 }

    /// Row `row`'s real token count (`[CLS]` and `[SEP]` included).
    public func length(ofRow row: Int) -> Int { rowStarts[row + 1] - rowStarts[row] }

    /// Every row's real token count.
    public var lengths: [Int] { (0..<count).map(length(ofRow:)) }

    /// The real tokens of all rows together (no padding).
    public var tokenCount: Int { ids.count }

    /// Row `row`'s ids, unpadded.
    public func ids(ofRow row: Int) -> ArraySlice<Int32> { ids[rowStarts[row]..<rowStarts[row + 1]] }

    /// The padded encoder input of rows `rows` (indices into this set, any order, repeats
    /// allowed), in that order: `[rows.count, longest]` ids and mask. Every index must be in
    /// `0..<count` (a programmer error otherwise).
    public func encoderInput<Rows: Collection<Int>>(rows: Rows) throws -> BERTEncoderInput {
        var longest = 0
        for row in rows {
            precondition(row >= 0 && row < count, "row \(row) out of range 0..<\(count)")
            longest = max(longest, length(ofRow: row))
        }
        let batch = rows.count
        var tokenIDs = [Int32](repeating: paddingTokenID, count: batch * longest)
        let mask = Tensor(zeros: [batch, longest])
        mask.withUnsafeMutableBufferPointer { maskValues in
            tokenIDs.withUnsafeMutableBufferPointer { idValues in
                ids.withUnsafeBufferPointer { source in
                    for (slot, row) in rows.enumerated() {
                        let start = rowStarts[row], length = rowStarts[row + 1] - start
                        let offset = slot * longest
                        for t in 0..<length {
                            idValues[offset + t] = source[start + t]
                            maskValues[offset + t] = 1
                        }
                    }
                }
            }
        }
        return BERTEncoderInput(tokenIDs: try IndexTensor(shape: [batch, longest], values: tokenIDs), attentionMask: mask)
    }
}
