import Adapters
import ArgumentParser
import Foundation

/// `lora merge`: fold an adapter into its base model.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge", abstract: "Fold an adapter into its base model and write a plain state dict (PEFT's merge_and_unload).")

    @Option(name: .long, help: "The base model (a safetensors state dict).")
    var model: String

    @Option(name: .long, help: "The PEFT adapter directory.")
    var adapter: String

    @Option(name: .long, help: "Where to write the merged model.")
    var output: String = "merged.safetensors"

    @Flag(name: .long, help: "Load a model or adapter holding NaN or infinite values instead of refusing it.")
    var allowNonFinite: Bool = false

    @Flag(name: .long, help: "Print nothing but errors.")
    var quiet: Bool = false

    @OptionGroup var parallel: ParallelOptions

    func validate() throws {
        try OutputPath.checkExists(model, flag: "--model")
        try OutputPath.checkExists(adapter, flag: "--adapter")
        try OutputPath.checkWritable(output, flag: "--output")
    }

    func run() throws {
        let network = try StateDictionary.loadSequentialModel(from: model, allowingNonFiniteValues: allowNonFinite)
        let (configuration, adapters) = try PEFTAdapterDirectory.load(from: adapter, into: network, allowingNonFiniteValues: allowNonFinite)
        try AdapterInjection.mergeAndUnload(network)
        // The merged model keeps the base model's record of its data set.
        let metadata = ["format": "pt"].merging(DataSetRecord.read(fromFile: model)?.metadata ?? [:]) { $1 }
        try StateDictionary.save(network, to: output, metadata: metadata)
        Console.line("Merged \(adapters.count) \(configuration.usesDoRA ? "DoRA" : "LoRA") adapters into \(output).", quiet: quiet)
    }
}
