import Datasets
import NN
import TensorCore

/// Accuracy and mean loss of a classifier over a data set.
public struct EvaluationResult: Sendable, Equatable {
    /// Correct predictions (arg-max of the logits equals the label) over all samples, in [0, 1].
    public let accuracy: Double
    /// Mean cross-entropy over all samples.
    public let loss: Double
    /// The number of samples evaluated.
    public let sampleCount: Int

    /// ``accuracy`` in percent, as the reference notebook prints it.
    public var accuracyPercent: Double { accuracy * 100 }
}

/// Runs a classifier over data without recording gradients.
public final class Evaluator {
    public let batchSize: Int
    private let buffers: BatchBuffers

    public init(batchSize: Int = 1024) {
        precondition(batchSize > 0, "The evaluation batch size must be positive.")
        self.batchSize = batchSize
        buffers = BatchBuffers(batchSize: batchSize)
    }

    /// The accuracy and mean cross-entropy of `model` on every sample of `data`, in order.
    public func evaluate(_ model: any Module, on data: LabeledImages) throws -> EvaluationResult {
        var correct = 0
        var totalLoss: Double = 0
        try withoutGradients {
            var start = 0
            while start < data.count {
                let end = min(start + batchSize, data.count)
                let (input, labels) = buffers.load(start..<end, from: data)
                let logits = try model(input)
                correct += Evaluator.correctPredictions(logits: logits, labels: labels)
                totalLoss += Double(try Tensor.crossEntropy(logits: logits, targets: labels).scalarValue) * Double(end - start)
                start = end
            }
        }
        let count = max(data.count, 1)
        return EvaluationResult(accuracy: Double(correct) / Double(count), loss: totalLoss / Double(count), sampleCount: data.count)
    }

    /// How many rows of `logits` `[batch, classes]` have their largest value (the first
    /// one, on ties) at the label's index.
    public static func correctPredictions(logits: Tensor, labels: ArraySlice<Int>) -> Int {
        let classes = logits.shape.lastDimension
        var correct = 0
        logits.withUnsafeBufferPointer { values in
            for (row, label) in labels.enumerated() {
                let base = row * classes
                var best = 0
                for column in 1..<max(classes, 1) where values[base + column] > values[base + best] { best = column }
                if best == label { correct += 1 }
            }
        }
        return correct
    }
}
