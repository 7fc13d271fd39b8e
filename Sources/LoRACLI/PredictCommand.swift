import Adapters
import ArgumentParser
import Datasets
import Foundation
import SafeTensors
import Training

/// `lora predict`: predicted labels and class probabilities as JSON lines.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict the class of each image: one JSON line per image with the label and the class probabilities.",
        discussion: """
            Each line is {"index": i, "label": predicted class, "probabilities": [p_0, …], "true_label": y}, \
            probabilities the softmax of the logits (fractions, six decimals); "true_label" only when the labels are known \
            (the test split of a data set, not --images). \
            With --model naming a directory (a Hugging Face model folder) this runs 'lora text predict' instead: see 'lora text predict --help'.
            """)

    @Option(name: .long, help: "The model (a safetensors state dict).")
    var model: String

    @Option(name: .long, help: "A PEFT adapter directory to apply to the model.")
    var adapter: String?

    @Option(name: .long, help: "An IDX images file (raw or .gz) to predict; default: the test split of the data set.")
    var images: String?

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var parallel: ParallelOptions

    @Option(name: .long, parsing: .unconditional, help: "Predict the first N images only.")
    var limit: Int?

    @Option(name: .long, help: "Write the JSON lines to this file instead of standard output.")
    var output: String?

    @Flag(name: .long, help: "Load a model or adapter holding NaN or infinite values instead of refusing it.")
    var allowNonFinite: Bool = false

    func validate() throws {
        try OutputPath.checkExists(model, flag: "--model")
        if let adapter { try OutputPath.checkExists(adapter, flag: "--adapter") }
        if let images { try OutputPath.checkExists(images, flag: "--images") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit).") }
        if let output { try OutputPath.checkWritable(output, flag: "--output") }
    }

    func run() throws {
        let network = try StateDictionary.loadSequentialModel(from: model, allowingNonFiniteValues: allowNonFinite)
        if let adapter { try PEFTAdapterDirectory.load(from: adapter, into: network, allowingNonFiniteValues: allowNonFinite) }
        let samples: LabeledImages
        let labelsAreKnown: Bool
        if let images {
            let file = try IDX.readImages(atPath: images)
            samples = try LabeledImages(pixels: file.pixels, labels: [UInt8](repeating: 0, count: file.count), rows: file.rows,
                                        columns: file.columns, source: images)
            labelsAreKnown = false
        } else {
            samples = try dataOptions.load(forModel: model, quiet: output == nil).data.test
            labelsAreKnown = true
        }
        try DataCompatibility.check(model: network, pixelsPerImage: samples.pixelsPerImage, source: images ?? "the data set")
        let count = min(limit ?? samples.count, samples.count)
        let selected = count == samples.count ? samples
            : try LabeledImages(pixels: Array(samples.pixels.prefix(count * samples.pixelsPerImage)), labels: Array(samples.labels.prefix(count)),
                                rows: samples.rows, columns: samples.columns, classes: samples.classes)
        let predictions = try Predictor.predict(network, on: selected)
        var text = Data()
        for (index, prediction) in predictions.enumerated() {
            var object: [String: Any] = ["index": index, "label": prediction.label,
                                         "probabilities": prediction.probabilities.map(JSONOutput.fraction)]
            if labelsAreKnown { object["true_label"] = selected.label(at: index) }
            text.append(try JSONOutput.text(object, pretty: false))
            text.append(0x0A)
        }
        if let output {
            try AtomicFileWriter.write(toPath: output) { sink in try sink.write(text) }
        } else {
            FileHandle.standardOutput.write(text)
        }
    }
}
