import ArgumentParser
import Datasets
import Foundation
import SafeTensors
import TextClassification
import TextTraining

/// `lora predict --model HF_DIR [--adapter DIR]`: one JSON line per text with the predicted
/// label and every label's probability, from an adapter directory or, without one, from a
/// `BertForSequenceClassification` model folder's own trained head.
struct TextPredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict the label of each text: one JSON line per input row, in order.",
        discussion: """
            Each line is {"label": "<predicted label>", "probabilities": {"<label>": p, …}}, probabilities the softmax of \
            the logits (fractions, six decimals). Texts come from --data (its --text-column; no label needed) or, without \
            --data, from standard input, one per line (empty lines skipped).

            The classifier is the adapter directory 'lora finetune' wrote (--adapter DIR) on the --model folder's \
            encoder, or, without --adapter, the --model folder itself when it holds a trained classifier: a Hugging Face \
            BertForSequenceClassification folder saved by save_pretrained (classifier.weight and classifier.bias in \
            model.safetensors, the label names in config.json's id2label, in class-id order), as \
            transformers.pipeline("text-classification", model=DIR) loads it.
            """)

    @OptionGroup var modelOptions: TextModelOptions

    @Option(name: .long, help: "The adapter directory 'lora finetune' wrote (adapters, head and label names). Without it, --model must be a BertForSequenceClassification folder with its trained head and id2label.")
    var adapter: String?

    @Option(name: .long, help: "The texts: a CSV file with a header row, or JSON Lines (default: standard input, one text per line).")
    var data: String?

    @OptionGroup var columns: TextColumnOptions

    @Option(name: .long, parsing: .unconditional, help: "Predict the first N texts only.")
    var maxSamples: Int?

    @Option(name: .long, parsing: .unconditional, help: "Texts per batch.")
    var batchSize: Int = 64

    @Option(name: .long, help: "Write the JSON lines to this file instead of standard output.")
    var output: String?

    @Flag(name: .long, help: "Load an adapter (or the model folder's classifier head) holding NaN or infinite values instead of refusing it.")
    var allowNonFinite: Bool = false

    @OptionGroup var parallel: ParallelOptions

    func validate() throws {
        if let adapter { try OutputPath.checkExists(adapter, flag: "--adapter") }
        if let data { try OutputPath.checkExists(data, flag: "--data") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize).") }
        if let maxSamples, maxSamples < 1 { throw ValidationError("--max-samples must be at least 1, got \(maxSamples).") }
        if let output { try OutputPath.checkWritable(output, flag: "--output") }
    }

    func run() throws {
        let (weights, tokenizer) = try modelOptions.load()
        let (classifier, labels) = try TextModels.load(adapter: adapter, model: modelOptions.model, weights: weights,
                                                       allowingNonFiniteValues: allowNonFinite)
        let texts = try TextInput.texts(file: data, columns: columns, maxSamples: maxSamples)
        let tokens = try TokenizedTexts(texts: texts, tokenizer: tokenizer, maximumLength: modelOptions.maxLength)
        let predictions = try TextEvaluator.predict(classifier, on: tokens, batchSize: batchSize)
        var text = Data()
        for prediction in predictions {
            var probabilities: [String: Any] = [:]
            for (label, probability) in zip(labels, prediction.probabilities) { probabilities[label] = JSONOutput.fraction(probability) }
            text.append(try JSONOutput.text(["label": labels[prediction.label], "probabilities": probabilities] as [String: Any], pretty: false))
            text.append(0x0A)
        }
        if let output {
            try AtomicFileWriter.write(toPath: output) { sink in try sink.write(text) }
        } else {
            FileHandle.standardOutput.write(text)
        }
    }
}

/// Texts to predict or embed: a data file's text column, or standard input's lines.
enum TextInput {
    static func texts(file: String?, columns: TextColumnOptions, maxSamples: Int?) throws -> [String] {
        if let file {
            return try TextRows(contentsOfFile: file, options: columns.reading(labelled: false, maxSamples: maxSamples)).texts
        }
        var texts: [String] = []
        while let line = readLine(strippingNewline: true) {
            if let maxSamples, texts.count >= maxSamples { break }
            let text = line.hasSuffix("\r") ? String(line.dropLast()) : line
            if !text.trimmingCharacters(in: .whitespaces).isEmpty { texts.append(text) }
        }
        guard !texts.isEmpty else { throw ValidationError("No texts on standard input: give one text per line, or pass --data FILE.") }
        return texts
    }
}
