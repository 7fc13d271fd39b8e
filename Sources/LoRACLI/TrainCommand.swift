import Adapters
import ArgumentParser
import Datasets
import Foundation
import NN
import TensorCore
import Reporting
import Training

/// `lora train`: pretrain an MLP and save it as a state dict.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Pretrain a multilayer perceptron and save it as a safetensors state dict.")

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var training: TrainingOptions
    @OptionGroup var optimization: OptimizationOptions
    @OptionGroup var reporting: OutputOptions
    @OptionGroup var parallel: ParallelOptions

    @Option(name: .long, parsing: .upToNextOption,
            help: "Layer sizes from input to classes, comma-separated or repeated (784,128,256,10 or 784 128 256 10).")
    var layers: [String] = ["784,128,256,10"]

    @Option(name: .long, help: "Where to write the trained model (safetensors, PyTorch key names).")
    var output: String = "model.safetensors"

    @OptionGroup var checkpoint: CheckpointOptions
    @OptionGroup var validationOptions: ValidationOptions

    func validate() throws {
        _ = try layerSizes()
        try OutputPath.checkWritable(output, flag: "--output")
    }

    func layerSizes() throws -> [Int] {
        let entries = ListArgument.entries(layers)
        let sizes = entries.map { Int($0) }
        guard sizes.count >= 2, sizes.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw ValidationError("--layers must be at least two positive sizes separated by commas, got '\(entries.joined(separator: ","))'.")
        }
        return sizes.compactMap { $0 }
    }

    func run() throws {
        let run = try DataParallelRun()
        let reporting = reporting.forRank(of: run)
        let (data, record) = try dataOptions.load()
        let sizes = try layerSizes()
        try DataCompatibility.check(sizes: sizes, data: data)
        let settings = optimization.applied(to: training.settings)
        if let note = try checkpoint.prepare(totalEpochs: settings.epochs) { Console.line(note, quiet: reporting.quiet) }
        try run.checkAgreement(data: data, checkpoint: checkpoint)
        var generator = settings.generator(stream: 0)
        let model = MLP(layerSizes: sizes, using: &generator)

        let log = try RunLog(output: reporting, totalEpochs: settings.epochs)
        log.methodStarted("base", summary: ParameterSummary(of: model))
        let (trainingData, validation) = try validationOptions.split(data)
        let session = try TrainingSession(model: model, data: trainingData, settings: settings)
        session.processGroup = run.group
        session.checkpointDirectory = checkpoint.checkpointDir
        session.settingsDescription = "train layers=\(sizes) \(settings.resumeIdentity) data=\(record.summary)\(validationOptions.validationFraction.map { " validation=\($0)" } ?? "")"
        log.observe(session, method: "base")
        let (epochs, validationRecords) = try log.train(session, epochs: settings.epochs, resuming: checkpoint.resume,
                                                        validation: validation.map { ValidatedTraining(options: validationOptions, validation: $0) },
                                                        method: "base")

        if run.isWriter { try StateDictionary.save(model, to: output, metadata: ["format": "pt"].merging(record.metadata) { $1 }) }
        let result = try run.evaluator().evaluate(model, on: data.test)
        let summary = ParameterSummary(of: model)
        try log.finish(title: "Pretraining on \(record.directory ?? record.name ?? "")", summary: [
            HTMLReport.SummaryRow(method: "base", trainableParameters: summary.trainable, testAccuracy: result.accuracy,
                                  seconds: log.secondsAtLastEpoch),
        ], details: [("data set", record.summary), ("layers", sizes.map(String.init).joined(separator: "-")),
                     ("trainable parameters", String(summary.trainable))],
                       confusionMatrices: reporting.report == nil ? [] : [try ClassBreakdown(model: model, data: data.test).table(method: "base")])
        Console.line(String(format: "Test accuracy: %.2f%% | test loss: %.4f", result.accuracyPercent, result.loss) + " | saved \(output)",
                     quiet: reporting.quiet)
        if let json = reporting.json {
            try JSONOutput.write([
                "test_accuracy": JSONOutput.fraction(result.accuracy), "test_loss": JSONOutput.rounded(result.loss, 6),
                "trainable_parameters": model.trainableParameterCount, "output": output, "dataset": record.jsonObject,
                "seconds": JSONOutput.rounded(log.secondsAtLastEpoch, 3), "epochs": log.jsonObjects(of: epochs),
                "ranks": run.group.size,
            ].merging(validationRecords.isEmpty ? [:] : ["validation": validationRecords.map(\.jsonObject)]) { $1 }, to: json)
        }
    }
}

/// Checks that a model's input and output sizes fit a data set.
enum DataCompatibility {
    static func check(sizes: [Int], data: Datasets.MNISTFormatDataset) throws {
        guard let first = sizes.first, let last = sizes.last else { return }
        guard first == data.train.pixelsPerImage else {
            throw ValidationError("The model takes \(first) inputs but the data's images have \(data.train.pixelsPerImage) pixels.")
        }
        guard last >= data.train.classes else {
            throw ValidationError("The model has \(last) outputs but the data has \(data.train.classes) classes.")
        }
    }
}
