import Adapters
import ArgumentParser
import Foundation
import Training

/// `lora evaluate`: test accuracy and loss of a model, optionally with an adapter.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Report the test accuracy and loss of a model, optionally with an adapter.",
        discussion: "With --model naming a directory (a Hugging Face model folder) this runs 'lora text evaluate' instead: see 'lora text evaluate --help'.")

    @Option(name: .long, help: "The model (a safetensors state dict).")
    var model: String

    @Option(name: .long, help: "A PEFT adapter directory to apply to the model.")
    var adapter: String?

    @Option(name: .long, parsing: .unconditional, help: "Samples per evaluation batch.")
    var batchSize: Int = 1024

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var parallel: ParallelOptions

    @Option(name: .long, help: "Write test_accuracy (a fraction), test_loss, per_class_accuracy, confusion_matrix (rows: true labels) and the data set as JSON to this file.")
    var json: String?

    @Flag(name: .long, help: "Load a model or adapter holding NaN or infinite values instead of refusing it.")
    var allowNonFinite: Bool = false

    @Flag(name: .long, help: "Print nothing but errors.")
    var quiet: Bool = false

    func validate() throws {
        try OutputPath.checkExists(model, flag: "--model")
        if let adapter { try OutputPath.checkExists(adapter, flag: "--adapter") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize).") }
        if let json { try OutputPath.checkWritable(json, flag: "--json") }
    }

    func run() throws {
        let network = try StateDictionary.loadSequentialModel(from: model, allowingNonFiniteValues: allowNonFinite)
        let (data, record) = try dataOptions.load(forModel: model, quiet: quiet)
        if let adapter {
            try PEFTAdapterDirectory.load(from: adapter, into: network, allowingNonFiniteValues: allowNonFinite)
            AdapterInjection.setTraining(false, in: network)
        }
        try DataCompatibility.check(model: network, data: data)
        let result = try Evaluator(batchSize: batchSize).evaluate(network, on: data.test)
        Console.line(String(format: "Test accuracy: %.2f%% | test loss: %.4f | %d samples", result.accuracyPercent, result.loss,
                            result.sampleCount), quiet: quiet)
        if let json {
            let breakdown = try ClassBreakdown(model: network, data: data.test)
            let object: [String: Any] = ["test_accuracy": JSONOutput.fraction(result.accuracy), "test_loss": JSONOutput.rounded(result.loss, 6),
                                         "samples": result.sampleCount, "dataset": record.jsonObject]
            try JSONOutput.write(object.merging(breakdown.jsonObject) { $1 }, to: json)
        }
    }
}
