import Datasets
import NN
import Optimizers
import TensorCore

/// The training loop for an image classifier, as the reference notebook runs it: a
/// ``TrainingLoop`` over ``LabeledImageBatches`` whose forward is `model(input)`, with mean
/// cross-entropy as the loss and correct predictions as the metric.
///
/// Opt-in: with ``frozenBaseOutputs`` set, steps on that table's data set take the first
/// layer's frozen product from it (see ``FrozenBaseOutputs``) instead of computing it; the
/// generic loop knows nothing of it.
public final class Trainer {
    public let model: any Module
    public let optimizer: any Optimizer
    /// The generic loop doing the work: schedules, clipping, accumulation and the gradient
    /// hook are set there.
    public let loop: TrainingLoop<LabeledImageBatch>
    /// The first layer's frozen product per sample of the training data, used by steps on
    /// that data set when the model qualifies (see ``FrozenBaseOutputs``); nil for none.
    public var frozenBaseOutputs: FrozenBaseOutputs?

    private let buffers: BatchBuffers
    /// The data of the current step or epoch.
    private var batches: LabeledImageBatches?

    /// Throws ``TrainingSettingError`` for a batch size or accumulation count below 1.
    public init(model: any Module, optimizer: any Optimizer, batchSize: Int, gradientAccumulationSteps: Int = 1,
                shufflesEachEpoch: Bool = false, generator: RandomGenerator = RandomGenerator(seed: 0)) throws(TrainingSettingError) {
        try TrainingSettingError.checkAtLeast(batchSize, 1, setting: "batchSize")
        // The forward reads the trainer through a box filled below (a closure cannot capture
        // `self` before initialisation ends).
        let box = WeakTrainer()
        loop = try TrainingLoop(parameters: model.namedParameters(), optimizer: optimizer,
                                objective: .classification { batch in try box.trainer?.forward(batch) ?? model(batch.input) },
                                batchSize: batchSize, gradientAccumulationSteps: gradientAccumulationSteps,
                                shufflesEachEpoch: shufflesEachEpoch, generator: generator)
        self.model = model
        self.optimizer = optimizer
        buffers = BatchBuffers(batchSize: batchSize)
        box.trainer = self
    }

    public var batchSize: Int { loop.batchSize }
    public var shufflesEachEpoch: Bool { loop.shufflesEachEpoch }
    /// The generator shuffling uses; saved with a checkpoint to resume a run exactly.
    public var generator: RandomGenerator {
        get { loop.generator }
        set { loop.generator = newValue }
    }
    /// Epochs completed so far.
    public var completedEpochs: Int { loop.completedEpochs }
    /// What to do with a NaN or infinite loss or gradient.
    public var nonFiniteValuePolicy: NonFiniteValuePolicy {
        get { loop.nonFiniteValuePolicy }
        set { loop.nonFiniteValuePolicy = newValue }
    }
    /// Batches attempted so far in this process (the step numbers in errors).
    public var stepsAttempted: Int { loop.stepsAttempted }

    /// Sets the position of a resumed run: epochs already completed and the shuffling
    /// generator's state at that point (the schedule's position is kept).
    public func restore(completedEpochs: Int, generator: RandomGenerator) {
        loop.restore(completedEpochs: completedEpochs, generator: generator, appliedUpdates: loop.appliedUpdates)
    }

    /// One update on samples `indices` of `data`; returns the batch loss, the number of
    /// correct predictions of the forward pass, and whether the update was applied (false
    /// when a non-finite value made ``NonFiniteValuePolicy/skipBatch`` skip it).
    /// `epoch` and `batch` only label errors.
    @discardableResult
    public func step<Indices: Collection<Int>>(on indices: Indices, of data: LabeledImages,
                                              epoch: Int = 0, batch: Int = 0) throws -> (loss: Float, correct: Int, applied: Bool) {
        let (loss, applied) = try loop.step(on: indices, of: batches(of: data), epoch: epoch, batch: batch)
        return (loss, Int(loop.lastMetricValues[0]), applied)
    }

    /// One pass over `data`; `onStep` sees every batch's report.
    @discardableResult
    public func trainEpoch(on data: LabeledImages, onStep: ((StepReport) -> Void)? = nil) throws -> EpochReport {
        try loop.trainEpoch(on: batches(of: data), onStep: onStep)
    }

    /// `data` as training data over this trainer's buffers.
    private func batches(of data: LabeledImages) -> LabeledImageBatches {
        if let batches {
            batches.images = data
            return batches
        }
        let made = LabeledImageBatches(images: data, buffers: buffers)
        batches = made
        return made
    }

    /// The logits of a batch of the current data: through the frozen-product table when one
    /// is set for this data set and the model qualifies, else `model(input)`.
    private func forward(_ batch: LabeledImageBatch) throws -> Tensor {
        guard let table = frozenBaseOutputs, let data = batches?.images, table.serves(data), let prepared = try table.prepared(for: model)
        else {
            return try model(batch.input)
        }
        switch batch.samples {
        case let .range(range): return try prepared.forward(batch.input, samples: range, buffers: buffers)
        case let .list(list): return try prepared.forward(batch.input, samples: list, buffers: buffers)
        }
    }
}

/// The trainer a loop's forward closure calls, held weakly (the trainer owns the loop).
private final class WeakTrainer {
    weak var trainer: Trainer?
}
