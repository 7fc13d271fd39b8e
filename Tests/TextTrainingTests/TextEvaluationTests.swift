import Foundation
import NN
import TensorCore
import Testing
import TestSupport
import TextTraining
import Tokenizers
import Training
import TextClassification
import Transformers

@Suite("Text evaluation")
struct TextEvaluationTests {
    @Test("Loss, predictions and the confusion matrix match each sample computed alone")
    func evaluationMatchesSamplesAlone() throws {
        let fixture = try TextFixture(trainingCount: 8, testCount: 30)
        defer { fixture.folder.remove() }
        let classifier = try fixture.classifier(seed: 21)
        let result = try TextEvaluator.evaluate(classifier, on: fixture.test, batchSize: 7)
        #expect(result.sampleCount == 30)
        var loss = 0.0
        var counts = Array(repeating: Array(repeating: 0, count: 3), count: 3)
        // Each sample alone, in evaluation mode as the evaluator runs (no dropout).
        classifier.eval()
        for index in 0..<30 {
            let batch = try fixture.test.loadBatch(samples: index..<(index + 1))
            let logits = try withoutGradients { try classifier(batch.encoderInput) }.scalars.map { Double($0) }
            let largest = logits.max()!
            let total = logits.map { exp($0 - largest) }.reduce(0, +)
            let probabilities = logits.map { exp($0 - largest) / total }
            let label = fixture.test.labels[index]
            loss -= log(probabilities[label])
            let predicted = logits.firstIndex(of: largest)!
            counts[label][predicted] += 1
            #expect(result.predictions[index].label == predicted)
            for (a, b) in zip(result.predictions[index].probabilities, probabilities) { #expect(abs(a - b) <= 1e-5) }
        }
        #expect(abs(result.loss - loss / 30) <= 1e-5)
        #expect(result.confusionMatrix.counts == counts)
        #expect(result.labels == fixture.test.labels)
        let predictions = try TextEvaluator.predict(classifier, on: fixture.test.tokens, batchSize: 30)
        #expect(predictions.map(\.label) == result.predictions.map(\.label))
    }

    @Test("Evaluation leaves every module in the mode it found it")
    func evaluationRestoresModes() throws {
        let fixture = try TextFixture(trainingCount: 4, testCount: 4)
        defer { fixture.folder.remove() }
        let classifier = try fixture.classifier()
        classifier.train()
        _ = try TextEvaluator.evaluate(classifier, on: fixture.test, batchSize: 2)
        #expect(classifier.namedModules().allSatisfy { $0.module.isTraining })
    }

    @Test("A batch size below 1 is refused by name")
    func badBatchSize() throws {
        let fixture = try TextFixture(trainingCount: 4, testCount: 4)
        defer { fixture.folder.remove() }
        #expect(throws: TrainingSettingError.invalid(setting: "batchSize", value: "0", expected: "at least 1")) {
            try TextEvaluator.evaluate(try fixture.classifier(), on: fixture.test, batchSize: 0)
        }
    }
}
