import Adapters
import Collectives
import Datasets
import Foundation
import NN
import Optimizers
import TensorCore

/// One epoch's outcome as the reference notebook reports it, plus the test split.
public struct EpochSummary: Sendable, Codable, Equatable {
    public let epoch: Int
    /// The mean of the epoch's batch losses.
    public let meanLoss: Double
    /// Accuracy on the whole training split after the epoch (evaluation mode), in [0, 1].
    public let trainingAccuracy: Double
    /// Accuracy on the test split after the epoch, in [0, 1].
    public let testAccuracy: Double
    public let testLoss: Double
    /// Seconds since the session started (this process), training and evaluation included.
    public let seconds: Double
    /// Batches skipped for a non-finite loss or gradient.
    public var skippedBatches: Int = 0

    public init(epoch: Int, meanLoss: Double, trainingAccuracy: Double, testAccuracy: Double, testLoss: Double, seconds: Double,
                skippedBatches: Int = 0) {
        self.epoch = epoch
        self.meanLoss = meanLoss
        self.trainingAccuracy = trainingAccuracy
        self.testAccuracy = testAccuracy
        self.testLoss = testLoss
        self.seconds = seconds
        self.skippedBatches = skippedBatches
    }
}

/// Runs the epochs of one training run: each epoch trains, then evaluates on the full
/// training and test splits (with adapter dropout off), reports, and writes a checkpoint
/// when a directory is given. A run can resume from that checkpoint.
///
/// Data-parallel under a ``processGroup`` of several ranks: every rank runs the same session
/// (same model, data, settings and seed); training splits every batch and evaluation splits
/// the batches across the ranks (``TrainingLoop``, ``Evaluator``), so every rank sees the
/// same losses and accuracies; only rank 0 writes the checkpoint. Every rank reads the
/// checkpoint on resume, which holds nothing that depends on the number of ranks, so a run
/// may resume with another number of ranks.
public final class TrainingSession {
    public let model: any Module
    public let trainer: Trainer
    /// Adam, or AdamW when the settings give a weight decay.
    public let optimizer: Adam
    public let data: MNISTFormatDataset
    public let settings: TrainingSettings
    /// Called after every optimisation step.
    public var onStep: ((StepReport) -> Void)?
    /// Called after every epoch.
    public var onEpoch: ((EpochSummary) -> Void)?
    /// Where to write a checkpoint after every epoch; nil for none.
    public var checkpointDirectory: String?
    /// Identifies the run's settings in checkpoints, so that a resume with other settings is refused.
    public var settingsDescription: String = ""
    /// Keep the first layer's frozen product for every training and test sample when the
    /// model qualifies (an adapter over a frozen first layer, see ``FrozenBaseOutputs``), so
    /// fine-tuning steps and accuracy passes skip that product. On by default; the tables
    /// cost `samples x out` floats (36 MB for Fashion-MNIST under a 128-unit layer).
    public var keepsFrozenBaseOutputs = true
    /// The ranks training together; one process by default. Every rank must set the same kind
    /// of group before ``run(epochs:resuming:)``.
    public var processGroup: any ProcessGroup = SingleProcessGroup() {
        didSet {
            trainer.loop.processGroup = processGroup
            evaluator.processGroup = processGroup
        }
    }
    private let evaluator = Evaluator()
    private lazy var trainingTable = FrozenBaseOutputs(data: data.train)
    private lazy var testTable = FrozenBaseOutputs(data: data.test)

    /// A session training the parameters of `model` that require gradients with Adam (AdamW
    /// with a weight decay). Throws ``TrainingSettingError`` for settings out of range.
    public init(model: any Module, data: MNISTFormatDataset, settings: TrainingSettings) throws(TrainingSettingError) {
        try settings.validate()
        self.model = model
        self.data = data
        self.settings = settings
        if let weightDecay = settings.weightDecay {
            optimizer = Adam.adamW(parameters: model.trainableParameters(), learningRate: settings.learningRate, weightDecay: weightDecay)
        } else {
            optimizer = Adam(parameters: model.trainableParameters(), learningRate: settings.learningRate)
        }
        trainer = try Trainer(model: model, optimizer: optimizer, batchSize: settings.batchSize,
                              gradientAccumulationSteps: settings.gradientAccumulationSteps,
                              shufflesEachEpoch: settings.shufflesEachEpoch, generator: settings.generator(stream: 1))
        trainer.nonFiniteValuePolicy = settings.nonFiniteValuePolicy
        trainer.loop.maximumGradientNorm = settings.maximumGradientNorm
    }

    /// Trains until `epochs` epochs are complete. With `resuming` and a checkpoint in
    /// ``checkpointDirectory``, starts after the checkpoint's epoch. A learning-rate schedule
    /// spans the settings' epochs (or `epochs`, if more), so a run stopped early and resumed
    /// follows the same schedule as an uninterrupted one.
    @discardableResult
    public func run(epochs: Int, resuming: Bool = false) throws -> [EpochSummary] {
        if resuming, let directory = checkpointDirectory, TrainingCheckpoint.exists(in: directory) {
            try TrainingCheckpoint.restore(model: model, trainer: trainer, optimizer: optimizer,
                                           settings: settingsDescription, from: directory)
        }
        try model.separateRandomStreams(for: processGroup)
        trainer.loop.learningRateSchedule = settings.schedule(epochs: max(settings.epochs, epochs), sampleCount: data.train.count)
        let clock = ContinuousClock(), start = clock.now
        var summaries: [EpochSummary] = []
        trainer.frozenBaseOutputs = keepsFrozenBaseOutputs ? trainingTable : nil
        while trainer.completedEpochs < epochs {
            AdapterInjection.setTraining(true, in: model)
            let report = try trainer.trainEpoch(on: data.train, onStep: onStep)
            AdapterInjection.setTraining(false, in: model)
            let training = try evaluator.evaluate(model, on: data.train, frozenBaseOutputs: keepsFrozenBaseOutputs ? trainingTable : nil)
            let test = try evaluator.evaluate(model, on: data.test, frozenBaseOutputs: keepsFrozenBaseOutputs ? testTable : nil)
            let elapsed = clock.now - start
            let summary = EpochSummary(epoch: report.epoch, meanLoss: report.meanLoss, trainingAccuracy: training.accuracy,
                                       testAccuracy: test.accuracy, testLoss: test.loss,
                                       seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
                                       skippedBatches: report.skippedBatches)
            summaries.append(summary)
            if let directory = checkpointDirectory, processGroup.isWriter {
                try TrainingCheckpoint.save(model: model, trainer: trainer, optimizer: optimizer,
                                            settings: settingsDescription, to: directory)
            }
            onEpoch?(summary)
        }
        AdapterInjection.setTraining(false, in: model)
        return summaries
    }
}
