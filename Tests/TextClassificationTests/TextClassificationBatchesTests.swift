import Foundation
import Testing
import Datasets
import TensorCore
import Tokenizers
import Training
import TextClassification

/// Batches for the training loop: labels and rows in sample order, padding to the batch's
/// longest row, bucketing as a permutation.
@Suite("Text classification batches")
struct TextClassificationBatchesTests {
    @Test func batchInFileOrderMatchesTheTokenizer() throws {
        let tokenizer = try smallTokenizer()
        let data = try sampleTexts()
        let batches = try TextClassificationBatches(texts: data, tokenizer: tokenizer, maximumLength: 16)
        #expect(batches.sampleCount == data.count)
        let batch = try batches.loadBatch(samples: 2..<6)
        let expected = try tokenizer.encodeBatch(Array(data.texts[2..<6]), maximumLength: 16)
        #expect(batch.rows == [2, 3, 4, 5])
        #expect(Array(batch.labels) == [2, 0, 1, 2])
        #expect(batch.lengths == expected.lengths)
        #expect(batch.input.tokenIDs.values.map(Int.init) == expected.inputIDs)
        #expect(batch.input.attentionMask.scalars == expected.attentionMask.map(Float.init))
    }

    @Test func shuffledIndicesKeepLabelsWithTheirRows() throws {
        let data = try sampleTexts()
        let batches = try TextClassificationBatches(texts: data, tokenizer: smallTokenizer(), maximumLength: 16)
        let order = [9, 0, 4, 4, 1]
        let batch = try batches.loadBatch(samples: order[1...])
        #expect(batch.rows == [0, 4, 4, 1])
        #expect(Array(batch.labels) == [0, 4, 4, 1].map { data.labels[$0] })
    }

    @Test(arguments: [1, 3, 4, 100])
    func bucketingKeepsEveryRowOnceAndSortsWindows(window: Int) throws {
        let tokenizer = try smallTokenizer()
        let data = try sampleTexts()
        let batches = try TextClassificationBatches(texts: data, tokenizer: tokenizer, maximumLength: 16,
                                                    bucketing: .sortedWindows(rows: window))
        #expect(batches.rowOrder.sorted() == Array(0..<data.count))
        let lengths = batches.tokens.lengths
        for start in stride(from: 0, to: data.count, by: window) {
            let part = batches.rowOrder[start..<min(data.count, start + window)]
            // Each window holds its own rows, by length, ties in file order.
            #expect(Set(part) == Set(start..<min(data.count, start + window)))
            for (a, b) in zip(part, part.dropFirst()) { #expect(lengths[a] < lengths[b] || (lengths[a] == lengths[b] && a < b)) }
        }
        // Every row exactly once over an epoch of batches, labels following their rows.
        var seen: [Int] = []
        for start in stride(from: 0, to: batches.sampleCount, by: 4) {
            let batch = try batches.loadBatch(samples: start..<min(batches.sampleCount, start + 4))
            #expect(Array(batch.labels) == batch.rows.map { data.labels[$0] })
            #expect(batch.input.tokenIDs.shape[1] == batch.lengths.max())
            seen += batch.rows
        }
        #expect(seen.sorted() == Array(0..<data.count))
    }

    @Test func bucketingReducesPadding() throws {
        let data = try sampleTexts()
        func paddedTokens(_ bucketing: LengthBucketing) throws -> Int {
            let batches = try TextClassificationBatches(texts: data, tokenizer: smallTokenizer(), maximumLength: 16, bucketing: bucketing)
            return try stride(from: 0, to: batches.sampleCount, by: 4).reduce(0) { total, start in
                total + (try batches.loadBatch(samples: start..<min(batches.sampleCount, start + 4)).input.tokenIDs.elementCount)
            }
        }
        #expect(try paddedTokens(.sortedWindows(rows: 100)) < paddedTokens(.none))
    }

    @Test func trainingLoopObjectiveSeesLabelsAndLogits() throws {
        let data = try sampleTexts()
        let batches = try TextClassificationBatches(texts: data, tokenizer: smallTokenizer(), maximumLength: 16)
        let batch = try batches.loadBatch(samples: 0..<3)
        // Logits that pick the label for rows 0 and 2, another class for row 1.
        let logits = try Tensor(shape: [3, 3], values: [5, 0, 0, 0, 0, 9, 0, 0, 4])
        let objective = TrainingObjective<TextClassificationBatch>.textClassification { _ in logits }
        #expect(objective.metrics[0].measure(logits, batch) == 2)
        let loss = try objective.loss(logits, batch).scalars[0]
        func logSoftmax(_ row: [Double], _ k: Int) -> Double { row[k] - log(row.map { exp($0) }.reduce(0, +)) }
        let expected = -(logSoftmax([5, 0, 0], 0) + logSoftmax([0, 0, 9], 1) + logSoftmax([0, 0, 4], 2)) / 3
        #expect(abs(Double(loss) - expected) < 1e-5)
    }
}
