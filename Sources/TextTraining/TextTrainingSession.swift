import Foundation
import NN
import Optimizers
import TensorCore
import Training

/// One epoch of a text classifier's training run.
public struct TextEpochSummary: Sendable, Equatable {
    public let epoch: Int
    /// The mean of the epoch's batch losses (of the updates applied).
    public let meanLoss: Double
    /// Correct predictions of the training batches' forward passes (before each update),
    /// over the epoch's samples, in [0, 1]: measured while training, with no extra pass.
    public let trainingAccuracy: Double
    /// The test split's evaluation after the epoch; nil without test data.
    public let test: TextEvaluationResult?
    /// Seconds since the run started in this process, training and evaluation included.
    public let seconds: Double
    /// Of ``seconds``, the time spent training (the probe's head-input tables included).
    public let trainingSeconds: Double
    /// Of ``seconds``, the time spent evaluating the test split.
    public let evaluationSeconds: Double
    /// Batches skipped for a non-finite loss or gradient.
    public let skippedBatches: Int
}

/// Trains a ``TextClassifier`` on token batches, as ``Training/TrainingSession`` trains the
/// image classifier: every epoch trains (``Training/TrainingLoop``: mean cross-entropy,
/// AdamW or Adam, clipping, accumulation, the non-finite guard), then evaluates the test
/// split when there is one, reports, and writes a checkpoint when a directory is given; a
/// run resumes from that checkpoint bit for bit.
///
/// When only the head trains (``TextClassifier/headTrainsAlone``, a linear probe), the head's
/// inputs are computed once per sample before the first epoch (``HeadInputTable``, counted
/// in the training time) and every step and evaluation runs the head alone on them.
public final class TextTrainingSession<Classifier: TextClassifier, Data: TrainingData> where Data.Batch: LabeledTokenBatch {
    public let classifier: Classifier
    public let trainingData: Data
    public let testData: Data?
    public let settings: TrainingSettings
    /// Adam, or AdamW when the settings give a weight decay.
    public let optimizer: Adam
    /// Samples per evaluation batch (and per batch of the probe's head-input tables).
    public var evaluationBatchSize: Int
    /// Called after every optimisation step.
    public var onStep: ((StepReport) -> Void)?
    /// Called after every epoch.
    public var onEpoch: ((TextEpochSummary) -> Void)?
    /// Where to write a checkpoint after every epoch; nil for none.
    public var checkpointDirectory: String?
    /// Identifies the run's settings in checkpoints, so that a resume with other settings is refused.
    public var settingsDescription = ""
    /// Whether the head trains on head inputs computed once (nothing else trains).
    public let trainsHeadOnly: Bool

    private enum Loop {
        case encoder(TrainingLoop<Data.Batch>)
        case head(TrainingLoop<HeadInputBatch>)
    }
    private let loop: Loop
    private var trainingTable: HeadInputTable?
    private var testTable: HeadInputTable?

    /// A session training the parameters of `classifier` that require gradients. Throws
    /// ``Training/TrainingSettingError`` for settings out of range.
    public init(classifier: Classifier, trainingData: Data, testData: Data?, settings: TrainingSettings,
                evaluationBatchSize: Int? = nil) throws {
        try settings.validate()
        self.classifier = classifier
        self.trainingData = trainingData
        self.testData = testData
        self.settings = settings
        self.evaluationBatchSize = evaluationBatchSize ?? settings.batchSize
        let parameters = classifier.namedParameters()
        let trainable = parameters.map(\.parameter).filter(\.requiresGradient)
        if let weightDecay = settings.weightDecay {
            optimizer = Adam.adamW(parameters: trainable, learningRate: settings.learningRate, weightDecay: weightDecay)
        } else {
            optimizer = Adam(parameters: trainable, learningRate: settings.learningRate)
        }
        trainsHeadOnly = classifier.headTrainsAlone
        let generator = settings.generator(stream: 1)
        if trainsHeadOnly {
            let objective = TrainingObjective<HeadInputBatch>(
                forward: { [classifier] batch in try classifier.logits(headInput: batch.headInput) },
                loss: { logits, batch in try Tensor.crossEntropy(logits: logits, targets: batch.classLabels) },
                metrics: [Self.correctPredictions { $0.classLabels }])
            loop = .head(try TrainingLoop(parameters: parameters, optimizer: optimizer, objective: objective,
                                          batchSize: settings.batchSize, gradientAccumulationSteps: settings.gradientAccumulationSteps,
                                          shufflesEachEpoch: settings.shufflesEachEpoch, generator: generator))
        } else {
            let objective = TrainingObjective<Data.Batch>(
                forward: { [classifier] batch in try classifier(batch.encoderInput) },
                loss: { logits, batch in try Tensor.crossEntropy(logits: logits, targets: batch.classLabels) },
                metrics: [Self.correctPredictions { $0.classLabels }])
            loop = .encoder(try TrainingLoop(parameters: parameters, optimizer: optimizer, objective: objective,
                                             batchSize: settings.batchSize, gradientAccumulationSteps: settings.gradientAccumulationSteps,
                                             shufflesEachEpoch: settings.shufflesEachEpoch, generator: generator))
        }
        configure { $0.nonFiniteValuePolicy = settings.nonFiniteValuePolicy; $0.maximumGradientNorm = settings.maximumGradientNorm }
    }

    /// Epochs completed so far (restored from a checkpoint too).
    public var completedEpochs: Int { configurableLoop.completedEpochs }

    /// Sets the gradient hook of the loop (e.g. an all-reduce), see ``Training/TrainingLoop/gradientHook``.
    public func setGradientHook(_ hook: ((TrainableGradients) throws -> Void)?) {
        configure { $0.gradientHook = hook }
    }

    /// Trains until `epochs` epochs are complete. With `resuming` and a checkpoint in
    /// ``checkpointDirectory``, starts after the checkpoint's epoch. A learning-rate
    /// schedule spans the settings' epochs (or `epochs`, if more).
    @discardableResult
    public func run(epochs: Int, resuming: Bool = false) throws -> [TextEpochSummary] {
        if resuming, let directory = checkpointDirectory, TrainingCheckpoint.exists(in: directory) {
            switch loop {
            case let .encoder(loop):
                try TrainingCheckpoint.restore(model: classifier, loop: loop, optimizer: optimizer, settings: settingsDescription, from: directory)
            case let .head(loop):
                try TrainingCheckpoint.restore(model: classifier, loop: loop, optimizer: optimizer, settings: settingsDescription, from: directory)
            }
        }
        let schedule = settings.schedule(epochs: max(settings.epochs, epochs), sampleCount: trainingData.sampleCount)
        configure { $0.learningRateSchedule = schedule }
        let clock = ContinuousClock(), start = clock.now
        var trainingSeconds = 0.0, evaluationSeconds = 0.0
        var summaries: [TextEpochSummary] = []
        while completedEpochs < epochs {
            let trainingStart = clock.now
            classifier.train()
            let report: EpochReport
            switch loop {
            case let .encoder(loop):
                report = try loop.trainEpoch(on: trainingData, onStep: onStep)
            case let .head(loop):
                report = try loop.trainEpoch(on: try headInputs(of: trainingData, cachedIn: &trainingTable), onStep: onStep)
            }
            classifier.eval()
            trainingSeconds += Self.seconds(clock.now - trainingStart)
            let evaluationStart = clock.now
            let test = try testData.map { try evaluate($0, cachedIn: &testTable) }
            evaluationSeconds += Self.seconds(clock.now - evaluationStart)
            let summary = TextEpochSummary(epoch: report.epoch, meanLoss: report.meanLoss, trainingAccuracy: report.runningAccuracy,
                                           test: test, seconds: Self.seconds(clock.now - start), trainingSeconds: trainingSeconds,
                                           evaluationSeconds: evaluationSeconds, skippedBatches: report.skippedBatches)
            summaries.append(summary)
            if let directory = checkpointDirectory {
                switch loop {
                case let .encoder(loop):
                    try TrainingCheckpoint.save(model: classifier, loop: loop, optimizer: optimizer, settings: settingsDescription, to: directory)
                case let .head(loop):
                    try TrainingCheckpoint.save(model: classifier, loop: loop, optimizer: optimizer, settings: settingsDescription, to: directory)
                }
            }
            onEpoch?(summary)
        }
        classifier.eval()
        return summaries
    }

    /// The classifier's evaluation on `data`: through the head alone on a kept table when
    /// the encoder is frozen.
    public func evaluate(_ data: Data) throws -> TextEvaluationResult {
        var table: HeadInputTable?
        return try evaluate(data, cachedIn: &table)
    }

    private func evaluate(_ data: Data, cachedIn table: inout HeadInputTable?) throws -> TextEvaluationResult {
        guard trainsHeadOnly else { return try TextEvaluator.evaluate(classifier, on: data, batchSize: evaluationBatchSize) }
        return try TextEvaluator.evaluate(classifier, on: try headInputs(of: data, cachedIn: &table), batchSize: evaluationBatchSize)
    }

    private func headInputs(of data: Data, cachedIn table: inout HeadInputTable?) throws -> HeadInputTable {
        if let table { return table }
        let made = try HeadInputTable(classifier: classifier, data: data, batchSize: evaluationBatchSize)
        table = made
        return made
    }

    private func configure(_ body: (any ConfigurableLoop) -> Void) {
        body(configurableLoop)
    }

    private var configurableLoop: any ConfigurableLoop {
        switch loop {
        case let .encoder(loop): return loop
        case let .head(loop): return loop
        }
    }

    private static func correctPredictions<Batch>(_ labels: @escaping (Batch) -> ArraySlice<Int>) -> BatchMetric<Batch> {
        BatchMetric(name: BatchMetric<Batch>.correctPredictionsName) { logits, batch in
            Double(Evaluator.correctPredictions(logits: logits, labels: labels(batch)))
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}

/// What the session sets on its loop, whatever the loop's batch type.
private protocol ConfigurableLoop: AnyObject {
    var nonFiniteValuePolicy: NonFiniteValuePolicy { get set }
    var maximumGradientNorm: Float? { get set }
    var learningRateSchedule: LearningRateSchedule? { get set }
    var gradientHook: ((TrainableGradients) throws -> Void)? { get set }
    var completedEpochs: Int { get }
}

extension TrainingLoop: ConfigurableLoop {}
