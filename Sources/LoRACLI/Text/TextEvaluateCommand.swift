import ArgumentParser
import Datasets
import Foundation
import TextClassification
import TextTraining

/// `lora evaluate --model HF_DIR [--adapter DIR] --data FILE`: accuracy, loss, per-class
/// accuracy and the confusion matrix of a fine-tuned text classifier: an adapter directory or,
/// without one, a `BertForSequenceClassification` model folder's own trained head.
struct TextEvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Report a fine-tuned text classifier's accuracy, loss, per-class accuracy and confusion matrix on labelled texts.",
        discussion: """
            The classifier is the adapter directory 'lora finetune' wrote (--adapter DIR) on the --model folder's \
            encoder, or, without --adapter, the --model folder itself when it holds a trained classifier: a Hugging Face \
            BertForSequenceClassification folder saved by save_pretrained (classifier.weight and classifier.bias in \
            model.safetensors, the label names in config.json's id2label, in class-id order).
            """)

    @OptionGroup var modelOptions: TextModelOptions

    @Option(name: .long, help: "The adapter directory 'lora finetune' wrote (adapters, head and label names). Without it, --model must be a BertForSequenceClassification folder with its trained head and id2label.")
    var adapter: String?

    @Option(name: .long, help: "The labelled texts: a CSV file with a header row, or JSON Lines. Their labels must be the classifier's.")
    var data: String

    @OptionGroup var columns: TextColumnOptions

    @Option(name: .long, parsing: .unconditional, help: "Evaluate the first N rows only (file order).")
    var maxSamples: Int?

    @Option(name: .long, parsing: .unconditional, help: "Texts per evaluation batch.")
    var batchSize: Int = 64

    @Option(name: .long, help: "Write test_accuracy (a fraction), test_loss, per_class_accuracy, confusion_matrix (rows: true labels) and labels as JSON to this file.")
    var json: String?

    @Flag(name: .long, help: "Load an adapter (or the model folder's classifier head) holding NaN or infinite values instead of refusing it.")
    var allowNonFinite: Bool = false

    @Flag(name: .long, help: "Print nothing but errors.")
    var quiet: Bool = false

    @OptionGroup var parallel: ParallelOptions

    func validate() throws {
        if let adapter { try OutputPath.checkExists(adapter, flag: "--adapter") }
        try OutputPath.checkExists(data, flag: "--data")
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize).") }
        if let maxSamples, maxSamples < 1 { throw ValidationError("--max-samples must be at least 1, got \(maxSamples).") }
        if let json { try OutputPath.checkWritable(json, flag: "--json") }
    }

    func run() throws {
        let (weights, tokenizer) = try modelOptions.load()
        let (classifier, labels) = try TextModels.load(adapter: adapter, model: modelOptions.model, weights: weights,
                                                       allowingNonFiniteValues: allowNonFinite)
        let texts = try LabeledTexts(contentsOfFile: data, options: columns.reading(labelled: true, maxSamples: maxSamples),
                                     labelMapping: try LabelMapping(names: labels))
        let batches = try TextClassificationBatches(texts: texts, tokenizer: tokenizer, maximumLength: modelOptions.maxLength)
        let result = try TextEvaluator.evaluate(classifier, on: batches, batchSize: batchSize)
        Console.line(String(format: "Test accuracy: %.2f%% | test loss: %.4f | %d samples", result.accuracyPercent, result.loss,
                            result.sampleCount), quiet: quiet)
        Console.line("Per-class accuracy: " + result.perClassText(labels: labels), quiet: quiet)
        if let json {
            let object: [String: Any] = ["test_accuracy": JSONOutput.fraction(result.accuracy), "test_loss": JSONOutput.rounded(result.loss, 6),
                                         "samples": result.sampleCount, "data": data, "adapter": adapter ?? NSNull(), "model": modelOptions.model]
            try JSONOutput.write(object.merging(result.breakdownJSON(labels: labels)) { $1 }, to: json)
        }
    }
}
