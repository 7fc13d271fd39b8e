import Adapters
import Datasets
import NN
import Foundation
import TensorCore

/// What a classifier predicts for one sample: the class with the largest logit (the first
/// one on ties, as `torch.argmax`) and the softmax of the logits `z` `[classes]`,
/// `p_c = exp(z_c − max z) / Σ_k exp(z_k − max z)`, computed in Double.
public struct Prediction: Sendable, Equatable {
    public let label: Int
    public let probabilities: [Double]

    /// The prediction for one row of logits.
    public init(logits: some Collection<Float>) {
        let values = logits.map(Double.init)
        let largest = values.max() ?? 0
        let exponentials = values.map { exp($0 - largest) }
        let total = exponentials.reduce(0, +)
        probabilities = exponentials.map { $0 / total }
        label = values.indices.first { values[$0] == largest } ?? 0
    }
}

/// Runs a classifier over data without recording gradients and returns each sample's
/// ``Prediction``, in order, in batches of ``batchSize``. The model is put in evaluation mode
/// (`model.eval()`: no dropout) for the pass, and every module's mode is put back after.
public enum Predictor {
    public static let batchSize = 512

    public static func predict(_ model: any Module, on data: LabeledImages) throws -> [Prediction] {
        let modules = model.namedModules().map(\.module)
        let trainingModes = modules.map(\.isTraining)
        model.eval()
        defer { for (module, mode) in zip(modules, trainingModes) { module.isTraining = mode } }
        let buffers = BatchBuffers(batchSize: batchSize)
        var predictions: [Prediction] = []
        predictions.reserveCapacity(data.count)
        try withoutGradients {
            for start in stride(from: 0, to: data.count, by: batchSize) {
                let (input, _) = buffers.load(start..<min(start + batchSize, data.count), from: data)
                let logits = try model(input)
                let classes = logits.shape.lastDimension
                logits.withUnsafeBufferPointer { values in
                    for row in 0..<(values.count / max(classes, 1)) {
                        predictions.append(Prediction(logits: values[row * classes..<(row + 1) * classes]))
                    }
                }
            }
        }
        return predictions
    }
}
