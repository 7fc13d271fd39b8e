import Adapters
import ArgumentParser
import Datasets
import Foundation
import NN
import Reporting
import Training

extension LoRABias: ExpressibleByArgument {}

/// `lora finetune`: adapt a pretrained model with LoRA or DoRA and save the adapter.
struct FineTuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a pretrained model with LoRA or DoRA adapters and save them as a PEFT adapter directory.",
        discussion: "With --model naming a directory (a Hugging Face model folder) this runs 'lora text finetune' instead: see 'lora text finetune --help'.")

    @Option(name: .long, help: "lora or dora.")
    var method: AdapterMethod

    @Option(name: .long, help: "The pretrained model (a safetensors state dict from 'lora train').")
    var model: String

    @Option(name: .long, help: "The adapter directory to write (adapter_config.json, adapter_model.safetensors).")
    var output: String = "adapter"

    @Option(name: .long, help: "Biases that train with the adapters and are saved with them: none, all or lora_only (PEFT's bias).")
    var bias: LoRABias = .none

    @Flag(name: .long, help: "Load a model holding NaN or infinite values instead of refusing it.")
    var allowNonFinite: Bool = false

    @OptionGroup var adapter: AdapterOptions
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var training: TrainingOptions
    @OptionGroup var optimization: OptimizationOptions
    @OptionGroup var reporting: OutputOptions
    @OptionGroup var checkpoint: CheckpointOptions
    @OptionGroup var validationOptions: ValidationOptions
    @OptionGroup var parallel: ParallelOptions

    func validate() throws {
        try OutputPath.checkExists(model, flag: "--model")
        try OutputPath.checkCreatableDirectory(output, flag: "--output")
    }

    func run() throws {
        let run = try DataParallelRun()
        let reporting = reporting.forRank(of: run)
        let network = try StateDictionary.loadSequentialModel(from: model, allowingNonFiniteValues: allowNonFinite)
        let (data, record) = try dataOptions.load(forModel: model, quiet: reporting.quiet)
        try DataCompatibility.check(model: network, data: data)
        let settings = optimization.applied(to: training.settings)
        if let note = try checkpoint.prepare(totalEpochs: settings.epochs) { Console.line(note, quiet: reporting.quiet) }
        try run.checkAgreement(modelPath: model, data: data, checkpoint: checkpoint)
        let baseResult = try run.evaluator().evaluate(network, on: data.test)
        let linearPaths = network.namedModules().filter { $0.module is Linear }.map(\.path)
        var configuration = adapter.configuration(method: method, defaultTargets: linearPaths)
        configuration.bias = bias
        var generator = settings.generator(stream: 2)
        try AdapterInjection.inject(configuration, into: network, using: &generator)

        let log = try RunLog(output: reporting, totalEpochs: settings.epochs)
        let summary = ParameterSummary(of: network)
        log.methodStarted(method.rawValue, summary: summary)
        let (trainingData, validation) = try validationOptions.split(data)
        let session = try TrainingSession(model: network, data: trainingData, settings: settings)
        session.processGroup = run.group
        session.checkpointDirectory = checkpoint.checkpointDir
        session.settingsDescription = "finetune \(model) \(configuration) \(settings.resumeIdentity) data=\(record.summary)\(validationOptions.validationFraction.map { " validation=\($0)" } ?? "")"
        log.observe(session, method: method.rawValue)
        let (epochs, validationRecords) = try log.train(session, epochs: settings.epochs, resuming: checkpoint.resume,
                                                        validation: validation.map { ValidatedTraining(options: validationOptions, validation: $0) },
                                                        method: method.rawValue)

        if run.isWriter { try PEFTAdapterDirectory.save(adaptersOf: network, configuration: configuration, to: output) }
        let result = try run.evaluator().evaluate(network, on: data.test)
        let seconds = log.secondsAtLastEpoch
        try log.finish(title: "\(method.rawValue) fine-tuning of \(model)", summary: [
            HTMLReport.SummaryRow(method: "base (before fine-tuning)", trainableParameters: 0, testAccuracy: baseResult.accuracy, seconds: 0),
            HTMLReport.SummaryRow(method: method.rawValue, trainableParameters: summary.trainable, testAccuracy: result.accuracy, seconds: seconds),
        ], details: FineTuneDescription.details(method: method, configuration: configuration, summary: summary, record: record,
                                                  baseAccuracy: baseResult.accuracy, accuracy: result.accuracy),
                       confusionMatrices: reporting.report == nil ? [] : [try ClassBreakdown(model: network, data: data.test).table(method: method.rawValue)])
        Console.line(String(format: "Test accuracy: %.2f%% (base model: %.2f%%) | test loss: %.4f", result.accuracyPercent,
                            baseResult.accuracyPercent, result.loss) + " | saved \(output)", quiet: reporting.quiet)
        if let json = reporting.json {
            try JSONOutput.write([
                "method": method.rawValue, "test_accuracy": JSONOutput.fraction(result.accuracy),
                "base_test_accuracy": JSONOutput.fraction(baseResult.accuracy),
                "test_loss": JSONOutput.rounded(result.loss, 6), "trainable_parameters": summary.trainable,
                "total_parameters": summary.total, "output": output, "dataset": record.jsonObject,
                "rank": configuration.rank, "alpha": Double(configuration.alpha), "scale": Double(configuration.scale), "bias": bias.rawValue,
                "seconds": JSONOutput.rounded(seconds, 3), "epochs": log.jsonObjects(of: epochs),
                "ranks": run.group.size,
            ].merging(validationRecords.isEmpty ? [:] : ["validation": validationRecords.map(\.jsonObject)]) { $1 }, to: json)
        }
    }
}

/// The settings and outcome of a fine-tuning run, as the report's summary lists them.
enum FineTuneDescription {
    static func details(method: AdapterMethod, configuration: LoRAConfiguration, summary: ParameterSummary, record: DataSetRecord,
                        baseAccuracy: Double, accuracy: Double) -> [(String, String)] {
        let change = (accuracy - baseAccuracy) * 100
        func percent(_ fraction: Double) -> String { Console.fixed(fraction * 100, 2) + " %" }
        func number(_ value: Float) -> String { value == value.rounded() ? String(Int(value)) : "\(value)" }
        return [
            ("method", method == .dora ? "DoRA" : "LoRA"),
            ("rank, alpha, scale", "\(configuration.rank), \(number(configuration.alpha)), \(number(configuration.scale)) (\(configuration.scaling.rawValue))"),
            ("trained biases", configuration.bias.rawValue),
            ("targets", configuration.targetModules.joined(separator: ", ")),
            ("trainable parameters", "\(summary.trainable) of \(summary.total) (\(Console.fixed(summary.trainablePercent, 4)) %)"),
            ("data set", record.summary),
            ("test accuracy", percent(accuracy) + " against the base model's " + percent(baseAccuracy)
                + " (" + (change >= 0 ? "+" : "") + Console.fixed(change, 2) + " points)"),
        ]
    }
}

extension DataCompatibility {
    /// Checks a loaded model's first and last Linear layers against the data.
    static func check(model: any Module, data: Datasets.MNISTFormatDataset) throws {
        let linears = model.namedModules().compactMap { $0.module as? Linear }
        guard let first = linears.first, let last = linears.last else { return }
        try check(sizes: [first.inFeatures, last.outFeatures], data: data)
    }

    /// Checks a loaded model's first Linear layer against images of `pixelsPerImage` pixels from `source`.
    static func check(model: any Module, pixelsPerImage: Int, source: String) throws {
        guard let first = model.namedModules().compactMap({ $0.module as? Linear }).first else { return }
        guard first.inFeatures == pixelsPerImage else {
            throw ValidationError("The model takes \(first.inFeatures) inputs but the images of \(source) have \(pixelsPerImage) pixels.")
        }
    }
}
