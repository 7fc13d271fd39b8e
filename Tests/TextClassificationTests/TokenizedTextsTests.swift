import Testing
import Datasets
import TensorCore
import Tokenizers
import TextClassification

/// Tokenising once and cutting padded batches: compared with the tokenizer's own
/// `encode` / `encodeBatch` (its padding and mask).
@Suite("Tokenised texts")
struct TokenizedTextsTests {
    @Test(arguments: [4, 8, 64])
    func rowsAreTheTokenizersEncodings(maximumLength: Int) throws {
        let tokenizer = try smallTokenizer()
        let texts = try sampleTexts().texts
        let tokens = try TokenizedTexts(texts: texts, tokenizer: tokenizer, maximumLength: maximumLength)
        #expect(tokens.count == texts.count)
        var truncated = 0
        for (row, text) in texts.enumerated() {
            let encoded = try tokenizer.encode(text, maximumLength: maximumLength)
            #expect(tokens.ids(ofRow: row).map(Int.init) == encoded.ids)
            #expect(tokens.length(ofRow: row) == encoded.ids.count)
            #expect(tokens.length(ofRow: row) <= maximumLength)
            if encoded.isTruncated { truncated += 1 }
        }
        #expect(tokens.truncatedRowCount == truncated)
        #expect(tokens.tokenCount == tokens.lengths.reduce(0, +))
        #expect(maximumLength < 64 ? truncated > 0 : truncated == 0)
    }

    @Test(arguments: [[0, 1, 2], [2, 2, 5, 0], [7], [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]])
    func encoderInputIsTheTokenizersPaddedBatch(rows: [Int]) throws {
        let tokenizer = try smallTokenizer()
        let texts = try sampleTexts().texts
        let tokens = try TokenizedTexts(texts: texts, tokenizer: tokenizer, maximumLength: 12)
        let input = try tokens.encoderInput(rows: rows)
        let expected = try tokenizer.encodeBatch(rows.map { texts[$0] }, maximumLength: 12)
        #expect(input.tokenIDs.shape == Shape([rows.count, expected.sequenceLength]))
        #expect(input.attentionMask.shape == Shape([rows.count, expected.sequenceLength]))
        #expect(input.tokenIDs.values.map(Int.init) == expected.inputIDs)
        #expect(input.attentionMask.scalars == expected.attentionMask.map(Float.init))
    }

    @Test func tooSmallMaximumLength() throws {
        #expect(throws: TokenizerError.maximumLengthTooSmall(1)) {
            try TokenizedTexts(texts: ["a"], tokenizer: smallTokenizer(), maximumLength: 1)
        }
    }

    @Test func sameResultOnOneThreadAndMany() throws {
        let tokenizer = try smallTokenizer()
        let texts = Array(repeating: try sampleTexts().texts, count: 40).flatMap { $0 }
        let many = try TokenizedTexts(texts: texts, tokenizer: tokenizer, maximumLength: 10)
        let one = try texts.map { try tokenizer.encode($0, maximumLength: 10).ids }
        #expect(many.ids.map(Int.init) == one.flatMap { $0 })
        #expect(many.lengths == one.map(\.count))
    }
}
