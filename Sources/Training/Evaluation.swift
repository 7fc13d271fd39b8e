import Adapters
import Collectives
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
///
/// The batches are split into consecutive runs of whole batches, one per thread of the
/// ``WorkerPool``, each with its own input buffers; every batch is computed as on one
/// thread and the per-batch results are summed in batch order, so the result is
/// bit-identical for every thread count.
/// Adapters are put in evaluation mode (no dropout) for the pass and restored afterwards;
/// the model's forward must otherwise be safe to call from several threads at once, as every
/// module of this package is when gradients are off.
///
/// With a ``processGroup`` of several ranks, each rank evaluates its consecutive share of the
/// batches and the per-batch outcomes are summed over the ranks (each batch's values come
/// from one rank, zeros from the others, so the sums are exact) before the same in-order
/// sum: the result is bit-identical for every number of ranks and threads.
public final class Evaluator {
    public let batchSize: Int
    /// The ranks sharing the batches of every pass; one process by default.
    public var processGroup: any ProcessGroup = SingleProcessGroup()
    /// Input buffers for each part of a pass (grown to the thread count on use).
    private var partBuffers: [BatchBuffers]

    /// An evaluator with batches of 512.
    public convenience init() {
        self.init(validBatchSize: 512)
    }

    /// Throws ``TrainingSettingError`` for a batch size below 1.
    public convenience init(batchSize: Int) throws(TrainingSettingError) {
        try TrainingSettingError.checkAtLeast(batchSize, 1, setting: "batchSize")
        self.init(validBatchSize: batchSize)
    }

    private init(validBatchSize batchSize: Int) {
        self.batchSize = batchSize
        partBuffers = [BatchBuffers(batchSize: batchSize)]
    }

    /// What one batch contributes.
    private struct BatchOutcome {
        var correct = 0
        var meanLoss: Float = 0
    }

    /// The accuracy and mean cross-entropy of `model` on every sample of `data`, in order,
    /// in evaluation mode (`model.eval()`: no dropout); every module's mode is put back after.
    /// With `frozenBaseOutputs` for `data` and a model that qualifies, the first layer's
    /// frozen product is taken from that table (see ``FrozenBaseOutputs``).
    public func evaluate(_ model: any Module, on data: LabeledImages,
                         frozenBaseOutputs: FrozenBaseOutputs? = nil) throws -> EvaluationResult {
        let modules = model.namedModules().map(\.module)
        let trainingModes = modules.map(\.isTraining)
        model.eval()
        defer { for (module, mode) in zip(modules, trainingModes) { module.isTraining = mode } }
        let prepared = try frozenBaseOutputs.flatMap { $0.serves(data) ? try $0.prepared(for: model) : nil }

        let batchCount = (data.count + batchSize - 1) / batchSize
        var outcomes = [BatchOutcome](repeating: BatchOutcome(), count: batchCount)
        let ownBatches = processGroup.share(of: 0..<batchCount)
        let parts = max(1, min(WorkerPool.threadCount, ownBatches.count))
        while partBuffers.count < parts { partBuffers.append(BatchBuffers(batchSize: batchSize)) }
        let buffers = partBuffers
        var failures = [(any Error)?](repeating: nil, count: parts)
        outcomes.withUnsafeMutableBufferPointer { outcomeSlots in
            failures.withUnsafeMutableBufferPointer { failureSlots in
                WorkerPool.run(parts: parts) { part in
                    let batches = WorkerPool.range(ofPart: part, parts: parts, count: ownBatches.count)
                    evaluateBatches((batches.lowerBound + ownBatches.lowerBound)..<(batches.upperBound + ownBatches.lowerBound), of: model, prepared: prepared, on: data, buffers: buffers[part], into: outcomeSlots,
                                    failure: &failureSlots[part])
                }
            }
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }
        if processGroup.isDistributed { try combineAcrossProcesses(&outcomes) }

        var correct = 0
        var totalLoss: Double = 0
        for (batch, outcome) in outcomes.enumerated() {
            correct += outcome.correct
            totalLoss += Double(outcome.meanLoss) * Double(min(batchSize, data.count - batch * batchSize))
        }
        let count = max(data.count, 1)
        return EvaluationResult(accuracy: Double(correct) / Double(count), loss: totalLoss / Double(count), sampleCount: data.count)
    }

    /// Sums every batch's outcome over the ranks in one all-reduce: `[correct…, mean loss…]`
    /// in Double (counts and Float losses are exact in it).
    private func combineAcrossProcesses(_ outcomes: inout [BatchOutcome]) throws {
        var values = [Double](repeating: 0, count: 2 * outcomes.count)
        for (index, outcome) in outcomes.enumerated() {
            values[index] = Double(outcome.correct)
            values[outcomes.count + index] = Double(outcome.meanLoss)
        }
        try values.withUnsafeMutableBufferPointer { try processGroup.allReduceSum($0) }
        for index in outcomes.indices {
            outcomes[index] = BatchOutcome(correct: Int(values[index]), meanLoss: Float(values[outcomes.count + index]))
        }
    }

    /// Evaluates `batches` in order into their slots of `outcomes`; stops at the first error.
    private func evaluateBatches(_ batches: Range<Int>, of model: any Module, prepared: FrozenBaseOutputs.Prepared?,
                                 on data: LabeledImages, buffers: BatchBuffers,
                                 into outcomes: UnsafeMutableBufferPointer<BatchOutcome>, failure: inout (any Error)?) {
        do {
            try withoutGradients {
                for batch in batches {
                    outcomes[batch] = try evaluateBatch(batch, of: model, prepared: prepared, on: data, buffers: buffers)
                }
            }
        } catch {
            failure = error
        }
    }

    private func evaluateBatch(_ batch: Int, of model: any Module, prepared: FrozenBaseOutputs.Prepared?, on data: LabeledImages,
                               buffers: BatchBuffers) throws -> BatchOutcome {
        let start = batch * batchSize, end = min(start + batchSize, data.count)
        let (input, labels) = buffers.load(start..<end, from: data)
        let logits = try prepared?.forward(input, samples: start..<end, buffers: buffers) ?? model(input)
        return BatchOutcome(correct: Evaluator.correctPredictions(logits: logits, labels: labels),
                            meanLoss: try Tensor.crossEntropy(logits: logits, targets: labels).scalarValue)
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
