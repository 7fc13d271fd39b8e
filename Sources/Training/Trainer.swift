import Datasets
import NN
import Optimizers
import TensorCore

/// What happened in one optimisation step.
public struct StepReport: Sendable {
    public let epoch: Int
    /// The batch's index within the epoch, from 0.
    public let batchIndex: Int
    public let batchCount: Int
    /// The batch's mean cross-entropy before the update.
    public let loss: Float
}

/// What happened in one epoch.
public struct EpochReport: Sendable {
    public let epoch: Int
    /// The mean of the batch losses.
    public let meanLoss: Double
    /// Correct training predictions, taken from each batch's forward pass before its update.
    public let runningAccuracy: Double
    public let batchCount: Int
    /// Batches skipped because of a non-finite loss or gradient (``NonFiniteValuePolicy/skipBatch``).
    public let skippedBatches: Int
}

/// The mini-batch training loop for a classifier, as the reference notebook runs it:
/// for each batch, forward, cross-entropy, clear gradients, backward, optimiser step.
///
/// Batches are taken in order, or in a fresh permutation each epoch when shuffling
/// (drawn from ``generator``, so a seeded run repeats exactly). Input buffers are reused.
public final class Trainer {
    public let model: any Module
    public let optimizer: any Optimizer
    public let batchSize: Int
    public let shufflesEachEpoch: Bool
    /// The generator shuffling uses; saved with a checkpoint to resume a run exactly.
    public var generator: RandomGenerator
    /// Epochs completed so far.
    public private(set) var completedEpochs = 0
    /// What to do with a NaN or infinite loss or gradient.
    public var nonFiniteValuePolicy: NonFiniteValuePolicy = .stop
    /// Optimisation steps attempted so far in this process (the step numbers in errors).
    public private(set) var stepsAttempted = 0
    /// The first layer's frozen product per sample of the training data, used by steps on
    /// that data set when the model qualifies (see ``FrozenBaseOutputs``); nil for none.
    public var frozenBaseOutputs: FrozenBaseOutputs?

    private let buffers: BatchBuffers
    private var order: [Int] = []
    private var parameterKeys: [(key: String, parameter: Tensor)] = []

    public init(model: any Module, optimizer: any Optimizer, batchSize: Int,
                shufflesEachEpoch: Bool = false, generator: RandomGenerator = RandomGenerator(seed: 0)) {
        precondition(batchSize > 0, "The batch size must be positive.")
        self.model = model
        self.optimizer = optimizer
        self.batchSize = batchSize
        self.shufflesEachEpoch = shufflesEachEpoch
        self.generator = generator
        buffers = BatchBuffers(batchSize: batchSize)
    }

    /// Sets the position of a resumed run: epochs already completed and the shuffling
    /// generator's state at that point.
    public func restore(completedEpochs: Int, generator: RandomGenerator) {
        self.completedEpochs = completedEpochs
        self.generator = generator
    }

    /// One step on samples `indices` of `data`; returns the batch loss, the number of
    /// correct predictions of the forward pass, and whether the update was applied (false
    /// when a non-finite value made ``NonFiniteValuePolicy/skipBatch`` skip it).
    /// `epoch` and `batch` only label errors.
    @discardableResult
    public func step<Indices: Collection<Int>>(on indices: Indices, of data: LabeledImages,
                                              epoch: Int = 0, batch: Int = 0) throws -> (loss: Float, correct: Int, applied: Bool) {
        stepsAttempted += 1
        let (input, labels) = buffers.load(indices, from: data)
        let logits: Tensor
        if let table = frozenBaseOutputs, table.serves(data), let prepared = try table.prepared(for: model) {
            logits = try prepared.forward(input, samples: indices, buffers: buffers)
        } else {
            logits = try model(input)
        }
        let loss = try Tensor.crossEntropy(logits: logits, targets: labels)
        let correct = Evaluator.correctPredictions(logits: logits, labels: labels)
        optimizer.clearGradients()
        guard loss.scalarValue.isFinite else {
            if nonFiniteValuePolicy == .skipBatch { return (loss.scalarValue, correct, false) }
            throw TrainingError.nonFiniteLoss(step: stepsAttempted, epoch: epoch, batch: batch, value: loss.scalarValue)
        }
        loss.backward()
        if let parameter = firstNonFiniteGradient() {
            optimizer.clearGradients()
            if nonFiniteValuePolicy == .skipBatch { return (loss.scalarValue, correct, false) }
            throw TrainingError.nonFiniteGradient(step: stepsAttempted, epoch: epoch, batch: batch, parameter: parameter)
        }
        optimizer.step()
        return (loss.scalarValue, correct, true)
    }

    /// The key of the first trainable parameter whose gradient holds NaN or infinity.
    private func firstNonFiniteGradient() -> String? {
        if parameterKeys.isEmpty { parameterKeys = model.namedParameters() }
        for (key, parameter) in parameterKeys {
            if let gradient = parameter.gradient, !gradient.isAllFinite { return key }
        }
        return nil
    }

    /// One pass over `data`; `onStep` sees every step's report.
    @discardableResult
    public func trainEpoch(on data: LabeledImages, onStep: ((StepReport) -> Void)? = nil) throws -> EpochReport {
        let epoch = completedEpochs + 1
        let batchCount = (data.count + batchSize - 1) / batchSize
        if shufflesEachEpoch {
            // A fresh permutation of 0..<count each epoch (as PyTorch's RandomSampler), so
            // that an epoch's order depends on the generator state alone.
            if order.count != data.count { order = Array(0..<data.count) }
            for index in order.indices { order[index] = index }
            generator.shuffle(&order)
        }
        var totalLoss: Double = 0
        var correct = 0, skipped = 0
        for batchIndex in 0..<batchCount {
            let start = batchIndex * batchSize, end = min(start + batchSize, data.count)
            let result = shufflesEachEpoch
                ? try step(on: order[start..<end], of: data, epoch: epoch, batch: batchIndex)
                : try step(on: start..<end, of: data, epoch: epoch, batch: batchIndex)
            if result.applied {
                totalLoss += Double(result.loss)
                correct += result.correct
            } else {
                skipped += 1
            }
            onStep?(StepReport(epoch: epoch, batchIndex: batchIndex, batchCount: batchCount, loss: result.loss))
        }
        completedEpochs = epoch
        return EpochReport(epoch: epoch, meanLoss: totalLoss / Double(max(batchCount - skipped, 1)),
                           runningAccuracy: Double(correct) / Double(max(data.count, 1)), batchCount: batchCount,
                           skippedBatches: skipped)
    }
}
