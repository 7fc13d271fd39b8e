import Adapters
import NN
import TensorCore
import Training

/// The text experiment's settings: a linear probe against LoRA and DoRA on one pretrained
/// encoder, each with a fresh head from the same seed.
public struct TextExperimentConfiguration: Sendable, Equatable {
    /// The training of every method. The reference: AdamW, learning rate 1e-3,
    /// weight decay 0.01, batch 32, 1 epoch, data in file order.
    public var settings: TrainingSettings
    /// The adapters of the LoRA and DoRA runs (its `usesDoRA` is set per run). The
    /// reference: rank 8, alpha 16 on `query` and `value`.
    public var adapter: LoRAConfiguration
    /// The methods to run, in order.
    public var methods: [TextMethod]

    public init(settings: TrainingSettings = TextExperimentConfiguration.referenceSettings,
                adapter: LoRAConfiguration = LoRAConfiguration(rank: 8, alpha: 16, targetModules: ["query", "value"]),
                methods: [TextMethod] = TextMethod.allCases) {
        self.settings = settings
        self.adapter = adapter
        self.methods = methods
    }

    /// AdamW, learning rate 1e-3, weight decay 0.01, batch 32, 1 epoch, no shuffling, seed 1.
    public static let referenceSettings = TrainingSettings(epochs: 1, batchSize: 32, learningRate: 1e-3, seed: 1,
                                                           shufflesEachEpoch: false, weightDecay: 0.01)
}

/// One row of the text experiment's table.
public struct TextMethodResult: Sendable, Equatable {
    public let method: TextMethod
    public let trainableParameters: Int
    public let totalParameters: Int
    /// The test split's evaluation after the last epoch.
    public let test: TextEvaluationResult
    /// Wall-clock seconds of the method's training and per-epoch evaluation.
    public let seconds: Double
    /// Of ``seconds``, training (for the probe, its head-input table included).
    public let trainingSeconds: Double
    /// Of ``seconds``, evaluating the test split.
    public let evaluationSeconds: Double
    public let epochs: [TextEpochSummary]

    /// Test accuracy after the last epoch, in percent.
    public var testAccuracy: Double { test.accuracyPercent }
}

/// The probe / LoRA / DoRA comparison as a function: each method gets a new classifier
/// from `makeClassifier` (the same pretrained weights and the same fresh head), is
/// prepared (``TextMethod/prepare(_:adapter:using:)``, adapters drawn from the settings'
/// stream 2), trained for the settings' epochs and evaluated on the test split.
public final class TextExperiment<Classifier: TextClassifier, Data: TrainingData> where Data.Batch: LabeledTokenBatch {
    public let configuration: TextExperimentConfiguration
    public let trainingData: Data
    public let testData: Data
    /// Samples per evaluation batch (nil: the training batch size).
    public var evaluationBatchSize: Int?
    /// Called when a method starts, with its parameter summary.
    public var onMethodStart: ((TextMethod, ParameterSummary) -> Void)?
    /// Called after every optimisation step.
    public var onStep: ((TextMethod, StepReport) -> Void)?
    /// Called after every epoch.
    public var onEpoch: ((TextMethod, TextEpochSummary) -> Void)?
    private let makeClassifier: () throws -> Classifier

    public init(configuration: TextExperimentConfiguration, trainingData: Data, testData: Data,
                makeClassifier: @escaping () throws -> Classifier) {
        self.configuration = configuration
        self.trainingData = trainingData
        self.testData = testData
        self.makeClassifier = makeClassifier
    }

    /// Runs the methods in ``TextExperimentConfiguration/methods`` order.
    public func run() throws -> [TextMethodResult] {
        try configuration.methods.map(run)
    }

    private func run(_ method: TextMethod) throws -> TextMethodResult {
        let settings = configuration.settings
        let classifier = try makeClassifier()
        var generator = settings.generator(stream: 2)
        try method.prepare(classifier, adapter: configuration.adapter, using: &generator)
        let summary = ParameterSummary(of: classifier)
        onMethodStart?(method, summary)
        let session = try TextTrainingSession(classifier: classifier, trainingData: trainingData, testData: testData,
                                              settings: settings, evaluationBatchSize: evaluationBatchSize)
        session.onStep = onStep.map { callback in { callback(method, $0) } }
        session.onEpoch = onEpoch.map { callback in { callback(method, $0) } }
        let epochs = try session.run(epochs: settings.epochs)
        let test = try epochs.last?.test ?? session.evaluate(testData)
        return TextMethodResult(method: method, trainableParameters: summary.trainable, totalParameters: summary.total, test: test,
                                seconds: epochs.last?.seconds ?? 0, trainingSeconds: epochs.last?.trainingSeconds ?? 0,
                                evaluationSeconds: epochs.last?.evaluationSeconds ?? 0, epochs: epochs)
    }
}
