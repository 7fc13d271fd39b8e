import Collectives
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
///
/// With a `processGroup` of several ranks, each rank evaluates its consecutive share of the
/// batches; one all-reduce (in Double, where only the owning rank's entries are non-zero, so
/// the sums are exact) of `[logits [samples, classes], labels [samples], batch mean losses
/// [batches]]` then gives every rank the whole result, equal to one process's.
public enum TextEvaluator {
    /// The evaluation of `classifier` on every sample of `data`.
    public static func evaluate<Classifier: TextClassifier, Data: TrainingData>(
        _ classifier: Classifier, on data: Data, batchSize: Int, processGroup: any ProcessGroup = SingleProcessGroup()
    ) throws -> TextEvaluationResult where Data.Batch: LabeledTokenBatch {
        try evaluate(classifier, sampleCount: data.sampleCount, batchSize: batchSize, processGroup: processGroup) { range in
            let batch = try data.loadBatch(samples: range)
            return (try classifier(batch.encoderInput), batch.classLabels)
        }
    }

    /// The evaluation of `classifier`'s head on the head inputs of `table` (a frozen
    /// encoder's outputs, see ``HeadInputTable``).
    public static func evaluate<Classifier: TextClassifier>(_ classifier: Classifier, on table: HeadInputTable,
                                                            batchSize: Int, processGroup: any ProcessGroup = SingleProcessGroup()
    ) throws -> TextEvaluationResult {
        try evaluate(classifier, sampleCount: table.sampleCount, batchSize: batchSize, processGroup: processGroup) { range in
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
        _ classifier: Classifier, sampleCount: Int, batchSize: Int, processGroup: any ProcessGroup,
        logitsOf: (Range<Int>) throws -> (logits: Tensor, labels: ArraySlice<Int>)
    ) throws -> TextEvaluationResult {
        try checkBatchSize(batchSize)
        let classes = classifier.classCount
        let batchCount = (sampleCount + batchSize - 1) / batchSize
        // [logits [samples, classes] | labels [samples] | batch mean losses [batches]]
        var table = [Double](repeating: 0, count: sampleCount * classes + sampleCount + batchCount)
        let labelOffset = sampleCount * classes, lossOffset = labelOffset + sampleCount
        try ModeRestoration.evaluating(classifier) {
            try withoutGradients {
                for batch in processGroup.share(of: 0..<batchCount) {
                    let range = batch * batchSize..<min((batch + 1) * batchSize, sampleCount)
                    let (logits, batchLabels) = try logitsOf(range)
                    table[lossOffset + batch] = Double(try Tensor.crossEntropy(logits: logits, targets: batchLabels).scalarValue)
                    logits.withUnsafeBufferPointer { values in
                        for (offset, value) in values.prefix(range.count * classes).enumerated() {
                            table[range.lowerBound * classes + offset] = Double(value)
                        }
                    }
                    for (offset, label) in batchLabels.enumerated() { table[labelOffset + range.lowerBound + offset] = Double(label) }
                }
            }
        }
        if processGroup.isDistributed { try table.withUnsafeMutableBufferPointer { try processGroup.allReduceSum($0) } }
        let predictions = (0..<sampleCount).map { sample in
            Prediction(logits: table[sample * classes..<(sample + 1) * classes].map(Float.init))
        }
        let labels = (0..<sampleCount).map { Int(table[labelOffset + $0]) }
        var totalLoss: Double = 0
        for batch in 0..<batchCount {
            totalLoss += table[lossOffset + batch] * Double(min(batchSize, sampleCount - batch * batchSize))
        }
        return TextEvaluationResult(predictions: predictions, labels: labels, loss: totalLoss / Double(max(sampleCount, 1)),
                                    confusionMatrix: ConfusionMatrix(classes: classes, labels: labels,
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
