import NN
import TensorCore
import Training

/// One mini-batch of a ``HeadInputTable``: the head's inputs and the labels.
public struct HeadInputBatch {
    /// `[batch, features]`.
    public let headInput: Tensor
    public let classLabels: ArraySlice<Int>
}

/// The head's input `h_i = headInput(x_i)` `[samples, features]` of every sample of a data
/// set, computed once from a classifier whose encoder is frozen (a linear probe): with the
/// encoder fixed, `h_i` is the same in every step and epoch, so training the head on the
/// table gives what training through the encoder would, up to rounding (a row is computed
/// in the table's batches, whose padding may differ from the training batches'), at the
/// cost of one forward pass over the data instead of one per epoch.
///
/// The classifier runs in evaluation mode (no dropout) and without recording gradients;
/// the modes are put back afterwards.
public final class HeadInputTable: TrainingData {
    /// Features per sample.
    public let featureCount: Int
    public let sampleCount: Int
    /// Each sample's label, in data order.
    public let labels: [Int]
    /// Row-major `[sampleCount, featureCount]`.
    private let values: [Float]

    /// The table of `classifier` over every sample of `data`, in batches of `batchSize` samples.
    public init<Classifier: TextClassifier, Data: TrainingData>(classifier: Classifier, data: Data, batchSize: Int) throws
    where Data.Batch: LabeledTokenBatch {
        guard batchSize >= 1 else { throw TrainingSettingError.invalid(setting: "batchSize", value: String(batchSize), expected: "at least 1") }
        let count = data.sampleCount
        var values: [Float] = []
        var labels: [Int] = []
        labels.reserveCapacity(count)
        var features = 0
        try ModeRestoration.evaluating(classifier) {
            try withoutGradients {
                for start in stride(from: 0, to: count, by: batchSize) {
                    let batch = try data.loadBatch(samples: start..<min(start + batchSize, count))
                    let rows = try classifier.headInput(batch.encoderInput)
                    if start == 0 {
                        features = rows.shape.lastDimension
                        values.reserveCapacity(count * features)
                    }
                    rows.withUnsafeBufferPointer { values.append(contentsOf: $0) }
                    labels.append(contentsOf: batch.classLabels)
                }
            }
        }
        featureCount = features
        sampleCount = count
        self.labels = labels
        self.values = values
    }

    /// The rows `indices`, in that order, as a new `[indices.count, featureCount]` tensor.
    public func loadBatch<Indices: Collection<Int>>(samples indices: Indices) throws -> HeadInputBatch {
        let rows = Tensor(zeros: [indices.count, featureCount])
        var batchLabels: [Int] = []
        batchLabels.reserveCapacity(indices.count)
        rows.withUnsafeMutableBufferPointer { target in
            values.withUnsafeBufferPointer { source in
                for (row, sample) in indices.enumerated() {
                    let from = sample * featureCount, to = row * featureCount
                    for column in 0..<featureCount { target[to + column] = source[from + column] }
                    batchLabels.append(labels[sample])
                }
            }
        }
        return HeadInputBatch(headInput: rows, classLabels: batchLabels[...])
    }
}
