import Testing
import Datasets
import NN
import Optimizers
import TensorCore
import Tokenizers
import Training
import TextClassification

/// The batches drive the generic training loop: a seeded bag-of-embeddings classifier
/// (embedding → masked mean over real tokens → linear) learns a rule that needs the right
/// tokens, labels and masks in every batch, with shuffled epochs (batches from a permutation)
/// and with length bucketing.
@Suite("Text batches in the training loop")
struct TextClassificationTrainingTests {
    /// "good" → positive (2), "bad" → negative (0), neither → neutral (1); the filler words
    /// vary the lengths so that padding matters.
    static func ruleData() throws -> LabeledTexts {
        let fillers = ["the film was", "the plot", "a film , the plot , all", "very", "not at all"]
        var texts: [String] = [], labels: [Int] = []
        for (index, filler) in fillers.enumerated() {
            for (word, label) in [("good", 2), ("bad", 0), ("plot", 1)] {
                texts.append(index % 2 == 0 ? "\(filler) \(word)" : "\(word) \(filler) !")
                labels.append(label)
            }
        }
        return LabeledTexts(texts: texts, labels: labels, labelMapping: try LabelMapping(names: ["negative", "neutral", "positive"]))
    }

    @Test(arguments: [(true, LengthBucketing.none), (false, LengthBucketing.sortedWindows(rows: 8))])
    func lossFallsAndTheRuleIsLearned(shuffles: Bool, bucketing: LengthBucketing) throws {
        let tokenizer = try smallTokenizer()
        let data = try Self.ruleData()
        let batches = try TextClassificationBatches(texts: data, tokenizer: tokenizer, maximumLength: 16, bucketing: bucketing)
        var generator = RandomGenerator(seed: 7)
        let embedding = try Embedding(weight: Tensor.normal([tokenizer.vocabulary.count, 8], standardDeviation: 0.5,
                                                            using: &generator, requiresGradient: true))
        let head = Linear(inFeatures: 8, outFeatures: 3, using: &generator)
        let objective = TrainingObjective<TextClassificationBatch>.textClassification { batch in
            let tokens = try embedding(batch.input.tokenIDs)                              // [batch, tokens, 8]
            return try head(Tensor.maskedMeanPooling(tokens, mask: batch.input.attentionMask))  // [batch, 3]
        }
        let parameters = embedding.namedParameters().map { (key: "embedding." + $0.key, parameter: $0.parameter) }
            + head.namedParameters().map { (key: "head." + $0.key, parameter: $0.parameter) }
        let loop = try TrainingLoop(parameters: parameters, optimizer: Adam(parameters: parameters.map(\.parameter), learningRate: 0.05),
                                    objective: objective, batchSize: 4, shufflesEachEpoch: shuffles, generator: RandomGenerator(seed: 3))
        let first = try loop.trainEpoch(on: batches)
        var last = first
        for _ in 0..<40 { last = try loop.trainEpoch(on: batches) }
        #expect(last.meanLoss < first.meanLoss / 4, "loss \(first.meanLoss) → \(last.meanLoss)")
        let evaluation = try loop.evaluate(on: batches)
        let correct = evaluation.metricTotals[BatchMetric<TextClassificationBatch>.correctPredictionsName] ?? 0
        #expect(evaluation.sampleCount == data.count)
        #expect(correct == Double(data.count), "\(correct) of \(data.count) correct")
    }
}
