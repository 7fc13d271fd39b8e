import Foundation
import NN
import TensorCore
import TextClassification
import Training

/// A classifier's outcome on labelled texts: every sample's prediction, the mean
/// cross-entropy and the confusion matrix (rows: true labels, columns: predictions).
public struct TextEvaluationResult: Sendable, Equatable {
    /// Each sample's predicted class and softmax probabilities, in data order.
    public let predictions: [Prediction]
    /// Each sample's true class, in data order.
    public let labels: [Int]
    /// The mean cross-entropy over all samples, `(1/n) Σ_i −log p_i[y_i]` (each batch's
    /// mean loss weighted by its size).
    public let loss: Double
    public let confusionMatrix: ConfusionMatrix

    public var sampleCount: Int { labels.count }
    /// Correct predictions over all samples, in [0, 1].
    public var accuracy: Double { confusionMatrix.accuracy }
    /// ``accuracy`` in percent.
    public var accuracyPercent: Double { accuracy * 100 }
}

/// Runs a text classifier over data without recording gradients, in evaluation mode (no
/// dropout; every module's mode is put back after), in batches in data order.
public enum TextEvaluator {
    /// The evaluation of `classifier` on every sample of `data`.
    public static func evaluate<Classifier: TextClassifier, Data: TrainingData>(
        _ classifier: Classifier, on data: Data, batchSize: Int
    ) throws -> TextEvaluationResult where Data.Batch: LabeledTokenBatch {
        try evaluate(classifier, sampleCount: data.sampleCount, batchSize: batchSize) { range in
            let batch = try data.loadBatch(samples: range)
            return (try classifier(batch.encoderInput), batch.classLabels)
        }
    }

    /// The evaluation of `classifier`'s head on the head inputs of `table` (a frozen
    /// encoder's outputs, see ``HeadInputTable``).
    public static func evaluate<Classifier: TextClassifier>(_ classifier: Classifier, on table: HeadInputTable,
                                                            batchSize: Int) throws -> TextEvaluationResult {
        try evaluate(classifier, sampleCount: table.sampleCount, batchSize: batchSize) { range in
            let batch = try table.loadBatch(samples: range)
            return (try classifier.logits(headInput: batch.headInput), batch.classLabels)
        }
    }

    /// Every text's prediction (no labels needed), in order.
    public static func predict<Classifier: TextClassifier>(_ classifier: Classifier, on tokens: TokenizedTexts,
                                                           batchSize: Int) throws -> [Prediction] {
        try checkBatchSize(batchSize)
        var predictions: [Prediction] = []
        predictions.reserveCapacity(tokens.count)
        try ModeRestoration.evaluating(classifier) {
            try withoutGradients {
                for start in stride(from: 0, to: tokens.count, by: batchSize) {
                    let input = try tokens.encoderInput(rows: start..<min(start + batchSize, tokens.count))
                    appendPredictions(of: try classifier(input), to: &predictions)
                }
            }
        }
        return predictions
    }

    private static func evaluate<Classifier: TextClassifier>(
        _ classifier: Classifier, sampleCount: Int, batchSize: Int,
        logitsOf: (Range<Int>) throws -> (logits: Tensor, labels: ArraySlice<Int>)
    ) throws -> TextEvaluationResult {
        try checkBatchSize(batchSize)
        var predictions: [Prediction] = []
        var labels: [Int] = []
        predictions.reserveCapacity(sampleCount)
        labels.reserveCapacity(sampleCount)
        var totalLoss: Double = 0
        try ModeRestoration.evaluating(classifier) {
            try withoutGradients {
                for start in stride(from: 0, to: sampleCount, by: batchSize) {
                    let range = start..<min(start + batchSize, sampleCount)
                    let (logits, batchLabels) = try logitsOf(range)
                    totalLoss += Double(try Tensor.crossEntropy(logits: logits, targets: batchLabels).scalarValue) * Double(range.count)
                    appendPredictions(of: logits, to: &predictions)
                    labels.append(contentsOf: batchLabels)
                }
            }
        }
        return TextEvaluationResult(predictions: predictions, labels: labels, loss: totalLoss / Double(max(sampleCount, 1)),
                                    confusionMatrix: ConfusionMatrix(classes: classifier.classCount, labels: labels,
                                                                     predictions: predictions.map(\.label)))
    }

    private static func appendPredictions(of logits: Tensor, to predictions: inout [Prediction]) {
        let classes = max(logits.shape.lastDimension, 1)
        logits.withUnsafeBufferPointer { values in
            for row in 0..<(values.count / classes) {
                predictions.append(Prediction(logits: values[row * classes..<(row + 1) * classes]))
            }
        }
    }

    private static func checkBatchSize(_ batchSize: Int) throws {
        guard batchSize >= 1 else { throw TrainingSettingError.invalid(setting: "batchSize", value: String(batchSize), expected: "at least 1") }
    }
}
