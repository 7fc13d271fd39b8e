import Adapters
import ArgumentParser
import Foundation
import Reporting
import Training

/// `lora experiment`: the reference notebook as one command.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Pretrain the reference MLP, then fine-tune copies with LoRA and DoRA, and compare them.",
        discussion: """
            The reference settings: MLP 784-128-256-10, Adam 0.005, batch 64, 10 epochs each, \
            rank 4, alpha 8, adapters on every Linear layer, data in file order. PEFT's conventions \
            (scale alpha/r, Kaiming-uniform A, one DoRA magnitude per output feature, constant norm) \
            unless --notebook. \
            With --model (a Hugging Face model folder) this runs 'lora text experiment' instead: see 'lora text experiment --help'.
            """)

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var training: TrainingOptions
    @OptionGroup var reporting: OutputOptions
    @OptionGroup var parallel: ParallelOptions

    @Option(name: .long, parsing: .unconditional, help: "Epochs of fine-tuning (default: the same as --epochs).")
    var finetuneEpochs: Int?

    @OptionGroup var adapter: AdapterOptions

    @Flag(name: .long, help: "Use the notebook's conventions: scale = alpha, A ~ N(0,1)/√r, one DoRA magnitude per input feature, differentiated norm (overrides --scaling, --initialization, --dora-axis).")
    var notebook: Bool = false

    func validate() throws {
        if let finetuneEpochs, finetuneEpochs < 1 { throw ValidationError("--finetune-epochs must be at least 1, got \(finetuneEpochs).") }
    }

    func run() throws {
        let run = try DataParallelRun()
        let reporting = reporting.forRank(of: run)
        let (data, record) = try dataOptions.load()
        try run.checkAgreement(data: data, checkpoint: nil)
        var pretraining = training.settings
        pretraining.shufflesEachEpoch = training.shuffle ?? false
        var fineTuning = pretraining
        fineTuning.epochs = finetuneEpochs ?? pretraining.epochs
        let adapterConfiguration = adapter.configuration(method: .lora, defaultTargets: [])
        let configuration = ExperimentConfiguration(
            layerSizes: [data.train.pixelsPerImage, 128, 256, data.train.classes], pretraining: pretraining, fineTuning: fineTuning,
            adapter: notebook ? ExperimentConfiguration.notebookConventions(adapterConfiguration) : adapterConfiguration)
        let experiment = ReferenceExperiment(configuration: configuration, data: data)
        experiment.processGroup = run.group
        let log = try RunLog(output: reporting, totalEpochs: pretraining.epochs)
        experiment.onMethodStart = { log.methodStarted($0, summary: $1) }
        experiment.onStep = { log.step($0, $1) }
        experiment.onEpoch = { log.epoch($0, $1) }
        let results = try experiment.run()
        let rows = results.map {
            HTMLReport.SummaryRow(method: $0.method, trainableParameters: $0.trainableParameters,
                                  testAccuracy: $0.testAccuracy / 100, seconds: $0.seconds)
        }
        try log.finish(title: "LoRA and DoRA on \(record.directory ?? record.name ?? "")", summary: rows,
                       details: [("data set", record.summary), ("rank, alpha", "\(configuration.adapter.rank), \(configuration.adapter.alpha)")],
                       separatesPretraining: true)

        Console.line("", quiet: reporting.quiet)
        Console.line(ResultTable.render(results), quiet: reporting.quiet)
        if let verdict = HTMLReport.verdict(rows, excluding: [HTMLReport.pretrainingMethod]) { Console.line(verdict, quiet: reporting.quiet) }
        if let json = reporting.json {
            var object: [String: Any] = [:]
            for result in results {
                object[result.method] = [
                    "test_accuracy": JSONOutput.fraction(result.testAccuracy / 100), "test_loss": JSONOutput.rounded(result.testLoss, 6),
                    "trainable_parameters": result.trainableParameters, "total_parameters": result.totalParameters,
                    "seconds": JSONOutput.rounded(result.seconds, 3), "epochs": result.epochs.map(\.jsonObject),
                    "ranks": run.group.size,
                ] as [String: Any]
            }
            try JSONOutput.write(object, to: json)
        }
    }
}

/// The experiment's final table: method, trainable parameters, test accuracy, time.
enum ResultTable {
    static func render(_ results: [MethodResult]) -> String {
        var lines = ["method  trainable parameters  test accuracy  time (s)"]
        for result in results {
            lines.append(result.method.padding(toLength: 8, withPad: " ", startingAt: 0)
                + String(result.trainableParameters).leftPadded(to: 20) + "  "
                + (String(format: "%.2f", result.testAccuracy) + " %").leftPadded(to: 13) + "  "
                + String(format: "%.2f", result.seconds).leftPadded(to: 8))
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
