import Adapters
import Collectives
import Datasets
import Foundation
import NN
import TensorCore

/// The reference experiment's settings: an MLP pretrained on a data set, then copied
/// twice and fine-tuned with LoRA and with DoRA adapters.
public struct ExperimentConfiguration: Sendable, Equatable {
    /// `[784, 128, 256, 10]` in the reference.
    public var layerSizes: [Int]
    public var pretraining: TrainingSettings
    public var fineTuning: TrainingSettings
    /// The adapters of both fine-tuning runs (its `usesDoRA` is set per run); empty
    /// `targetModules` and no pattern adapt every Linear layer. The reference: rank 4,
    /// alpha 8, PEFT's conventions.
    public var adapter: LoRAConfiguration

    public init(layerSizes: [Int] = [784, 128, 256, 10], pretraining: TrainingSettings = TrainingSettings(),
                fineTuning: TrainingSettings = TrainingSettings(),
                adapter: LoRAConfiguration = LoRAConfiguration(rank: 4, alpha: 8, targetModules: [])) {
        self.layerSizes = layerSizes
        self.pretraining = pretraining
        self.fineTuning = fineTuning
        self.adapter = adapter
    }

    /// The reference notebook's conventions for `adapter`: scale `alpha`, `A ~ N(0,1)/√r`,
    /// one DoRA magnitude per input feature with a differentiated norm.
    public static func notebookConventions(_ adapter: LoRAConfiguration) -> LoRAConfiguration {
        var notebook = adapter
        notebook.scaling = .alpha
        notebook.initialization = .notebook
        notebook.doraMagnitudeAxis = .inputFeatures
        notebook.treatsDoRANormAsConstant = false
        return notebook
    }

    /// The adapter configuration of one run on `model`, LoRA or DoRA.
    public func adapterConfiguration(usesDoRA: Bool, for model: any Module) -> LoRAConfiguration {
        var configuration = adapter
        configuration.usesDoRA = usesDoRA
        if configuration.targetModules.isEmpty && configuration.targetModulePattern == nil {
            configuration.targetModules = model.namedModules().filter { $0.module is Linear }.map(\.path)
        }
        return configuration
    }
}

/// One row of the experiment's result table.
public struct MethodResult: Sendable, Codable, Equatable {
    /// `base`, `lora` or `dora`.
    public let method: String
    public let trainableParameters: Int
    public let totalParameters: Int
    /// Test accuracy after the last epoch, in percent.
    public let testAccuracy: Double
    public let testLoss: Double
    /// Wall-clock seconds of the method's training and per-epoch evaluation.
    public let seconds: Double
    public let epochs: [EpochSummary]
}

/// The reference notebook as a function: pretrain, then LoRA and DoRA on copies of the
/// pretrained model, each evaluated after every epoch.
public final class ReferenceExperiment {
    public let configuration: ExperimentConfiguration
    public let data: MNISTFormatDataset
    /// Called after every optimisation step with the method's name.
    public var onStep: ((String, StepReport) -> Void)?
    /// Called after every epoch with the method's name.
    public var onEpoch: ((String, EpochSummary) -> Void)?
    /// Called when a method starts, with its name and parameter summary.
    public var onMethodStart: ((String, ParameterSummary) -> Void)?
    /// The ranks sharing every batch and evaluation (see ``TrainingSession/processGroup``).
    public var processGroup: any ProcessGroup = SingleProcessGroup()

    public init(configuration: ExperimentConfiguration, data: MNISTFormatDataset) {
        self.configuration = configuration
        self.data = data
    }

    /// Runs the three methods and returns their results in the order base, LoRA, DoRA.
    public func run() throws -> [MethodResult] {
        var generator = configuration.pretraining.generator(stream: 0)
        let base = MLP(layerSizes: configuration.layerSizes, using: &generator)
        let baseResult = try train("base", model: base, settings: configuration.pretraining)
        var results = [baseResult]
        for (method, usesDoRA) in [("lora", false), ("dora", true)] {
            var copyGenerator = RandomGenerator(seed: 0)
            let copy = MLP(layerSizes: configuration.layerSizes, using: &copyGenerator)
            try copy.copyParameters(from: base)
            var adapterGenerator = configuration.fineTuning.generator(stream: 2)
            try AdapterInjection.inject(configuration.adapterConfiguration(usesDoRA: usesDoRA, for: copy), into: copy,
                                        using: &adapterGenerator)
            results.append(try train(method, model: copy, settings: configuration.fineTuning))
        }
        return results
    }

    private func train(_ method: String, model: any Module, settings: TrainingSettings) throws -> MethodResult {
        let summary = ParameterSummary(of: model)
        onMethodStart?(method, summary)
        let session = try TrainingSession(model: model, data: data, settings: settings)
        session.processGroup = processGroup
        session.onStep = onStep.map { callback in { callback(method, $0) } }
        session.onEpoch = onEpoch.map { callback in { callback(method, $0) } }
        let epochs = try session.run(epochs: settings.epochs)
        let last = epochs.last
        return MethodResult(method: method, trainableParameters: summary.trainable, totalParameters: summary.total,
                            testAccuracy: (last?.testAccuracy ?? 0) * 100, testLoss: last?.testLoss ?? 0,
                            seconds: last?.seconds ?? 0, epochs: epochs)
    }
}
