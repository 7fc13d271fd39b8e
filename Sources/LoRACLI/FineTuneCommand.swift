import Adapters
import ArgumentParser
import Datasets
import Foundation
import NN
import Training

/// `lora finetune`: adapt a pretrained model with LoRA or DoRA and save the adapter.
struct FineTuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a pretrained model with LoRA or DoRA adapters and save them as a PEFT adapter directory.")

    @Option(name: .long, help: "lora or dora.")
    var method: AdapterMethod

    @Option(name: .long, help: "The pretrained model (a safetensors state dict from 'lora train').")
    var model: String

    @Option(name: .long, help: "The adapter directory to write (adapter_config.json, adapter_model.safetensors).")
    var output: String = "adapter"

    @OptionGroup var adapter: AdapterOptions
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var training: TrainingOptions
    @OptionGroup var reporting: OutputOptions
    @OptionGroup var parallel: ParallelOptions

    @Option(name: .long, help: "Write a checkpoint here after every epoch.")
    var checkpointDir: String?

    @Flag(name: .long, help: "Continue from the checkpoint in --checkpoint-dir.")
    var resume: Bool = false

    func validate() throws {
        try OutputPath.checkExists(model, flag: "--model")
        try OutputPath.checkCreatableDirectory(output, flag: "--output")
        if let checkpointDir { try OutputPath.checkCreatableDirectory(checkpointDir, flag: "--checkpoint-dir") }
        if resume && checkpointDir == nil { throw ValidationError("--resume needs --checkpoint-dir.") }
    }

    func run() throws {
        let data = try dataOptions.load()
        let network = try StateDictionary.loadSequentialModel(from: model)
        try DataCompatibility.check(model: network, data: data)
        let settings = training.settings
        let linearPaths = network.namedModules().filter { $0.module is Linear }.map(\.path)
        let configuration = adapter.configuration(method: method, defaultTargets: linearPaths)
        var generator = settings.generator(stream: 2)
        try AdapterInjection.inject(configuration, into: network, using: &generator)

        let log = try RunLog(output: reporting, totalEpochs: settings.epochs)
        let summary = ParameterSummary(of: network)
        log.methodStarted(method.rawValue, summary: summary)
        let session = TrainingSession(model: network, data: data, settings: settings)
        session.checkpointDirectory = checkpointDir
        session.settingsDescription = "finetune \(model) \(configuration) \(settings.resumeIdentity)"
        log.observe(session, method: method.rawValue)
        let epochs = try session.run(epochs: settings.epochs, resuming: resume)
        try log.finish(title: "\(method.rawValue) fine-tuning of \(model)")

        try PEFTAdapterDirectory.save(adaptersOf: network, configuration: configuration, to: output)
        let result = try Evaluator().evaluate(network, on: data.test)
        Console.line(String(format: "Test accuracy: %.2f%% | test loss: %.4f", result.accuracyPercent, result.loss) + " | saved \(output)",
                     quiet: reporting.quiet)
        if let json = reporting.json {
            try JSONOutput.write([
                "method": method.rawValue, "test_accuracy": JSONOutput.rounded(result.accuracyPercent),
                "test_loss": JSONOutput.rounded(result.loss, 6), "trainable_parameters": summary.trainable,
                "total_parameters": summary.total, "output": output,
                "seconds": JSONOutput.rounded(epochs.last?.seconds ?? 0, 3), "epochs": epochs.map(\.jsonObject),
            ], to: json)
        }
    }
}

extension DataCompatibility {
    /// Checks a loaded model's first and last Linear layers against the data.
    static func check(model: any Module, data: Datasets.MNISTFormatDataset) throws {
        let linears = model.namedModules().compactMap { $0.module as? Linear }
        guard let first = linears.first, let last = linears.last else { return }
        try check(sizes: [first.inFeatures, last.outFeatures], data: data)
    }
}
