import Adapters
import ArgumentParser
import Foundation
import Reporting
import TextClassification
import TextTraining
import Training
import Transformers

extension TextMethod: ExpressibleByArgument {}

/// `lora finetune --model HF_DIR`: train a text classifier (probe, LoRA or DoRA) and save
/// its adapter directory.
struct TextFineTuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a text classifier on a Hugging Face model folder (probe, LoRA or DoRA) and save its adapter directory.",
        discussion: """
            probe trains the head alone on the frozen encoder (whose pooled outputs are computed once); lora and dora train \
            adapters (default rank 8, alpha 16 on query and value) with the head. The directory holds PEFT's adapter files, \
            the head and the label names (classifier.json); 'lora evaluate' and 'lora predict' read it. Defaults: AdamW, \
            learning rate 1e-3, weight decay 0.01, batch 32, 1 epoch, --max-length 64.
            """)

    @Option(name: .long, help: "probe, lora or dora.")
    var method: TextMethod

    @Option(name: .long, help: "How the head reads the encoder: mean (masked mean of the tokens) or cls (BERT's pooler on [CLS]).")
    var pooling: BERTSequenceClassifier.Kind = .mean

    @OptionGroup var modelOptions: TextModelOptions

    @Option(name: .long, help: "The adapter directory to write.")
    var output: String = "adapter"

    @OptionGroup var adapter: AdapterOptions
    @OptionGroup var dataOptions: TextDataOptions

    @Option(name: .long, parsing: .unconditional,
            help: "Sort each window of N training rows by length before batching (less padding; changes the order of the batches).")
    var bucketByLength: Int?

    @OptionGroup var training: TextTrainingOptions
    @OptionGroup var reporting: OutputOptions
    @OptionGroup var checkpoint: CheckpointOptions
    @OptionGroup var parallel: ParallelOptions

    func validate() throws {
        try OutputPath.checkCreatableDirectory(output, flag: "--output")
        if let bucketByLength, bucketByLength < 1 { throw ValidationError("--bucket-by-length must be at least 1, got \(bucketByLength).") }
    }

    func run() throws {
        let settings = training.settings(shufflesByDefault: true)
        let (weights, tokenizer) = try modelOptions.load()
        let (trainingTexts, testTexts) = try dataOptions.load()
        let labels = trainingTexts.labelMapping.names
        let trainingData = try TextClassificationBatches(texts: trainingTexts, tokenizer: tokenizer, maximumLength: modelOptions.maxLength,
                                                         bucketing: bucketByLength.map { .sortedWindows(rows: $0) } ?? .none)
        let testData = try TextClassificationBatches(texts: testTexts, tokenizer: tokenizer, maximumLength: modelOptions.maxLength)
        if let note = try checkpoint.prepare(totalEpochs: settings.epochs) { Console.line(note, quiet: reporting.quiet) }

        let classifier = try TextModels.classifier(weights: weights, kind: pooling, classCount: labels.count, settings: settings)
        let adapterConfiguration = adapter.configuration(method: method == .dora ? .dora : .lora, defaultTargets: ["query", "value"],
                                                         defaultRank: 8, defaultAlpha: 16)
        var generator = settings.generator(stream: 2)
        try method.prepare(classifier, adapter: adapterConfiguration, using: &generator)

        let log = try RunLog(output: reporting, totalEpochs: settings.epochs, samplesPerBatch: settings.batchSize)
        let summary = ParameterSummary(of: classifier)
        log.methodStarted(method.rawValue, summary: summary)
        Console.line("[\(method.rawValue)] \(trainingTexts.count) training texts, \(testTexts.count) test texts, labels: "
                     + labels.joined(separator: ", "), quiet: reporting.quiet)
        let session = try TextTrainingSession(classifier: classifier, trainingData: trainingData, testData: testData, settings: settings)
        session.checkpointDirectory = checkpoint.checkpointDir
        session.settingsDescription = "text-finetune \(modelOptions.model) \(method.rawValue) pooling=\(pooling.rawValue) "
            + "max_length=\(modelOptions.maxLength) bucket=\(bucketByLength.map(String.init) ?? "none") "
            + (method == .probe ? "" : "\(adapterConfiguration) ") + "\(settings.resumeIdentity) data=\(dataOptions.summary)"
        log.observe(session, method: method.rawValue)
        let epochs = try session.run(epochs: settings.epochs, resuming: checkpoint.resume)

        try TextModels.save(classifier, method: method, labels: labels, to: output)
        let test = try epochs.last?.test ?? session.evaluate(testData)
        let last = epochs.last
        try log.finish(title: "\(method.rawValue) fine-tuning of \(modelOptions.model)", summary: [
            HTMLReport.SummaryRow(method: method.rawValue, trainableParameters: summary.trainable, testAccuracy: test.accuracy,
                                  seconds: last?.seconds ?? 0),
        ], details: [("method", method.rawValue), ("pooling", pooling.rawValue), ("data", dataOptions.summary),
                     ("labels", labels.joined(separator: ", ")),
                     ("trainable parameters", "\(summary.trainable) of \(summary.total) (\(Console.fixed(summary.trainablePercent, 4)) %)")],
                       confusionMatrices: [test.confusionTable(method: method.rawValue)])
        Console.line(String(format: "Test accuracy: %.2f%% | test loss: %.4f", test.accuracyPercent, test.loss) + " | saved \(output)",
                     quiet: reporting.quiet)
        Console.line("Per-class accuracy: " + test.perClassText(labels: labels), quiet: reporting.quiet)
        if let json = reporting.json {
            var object: [String: Any] = [
                "method": method.rawValue, "pooling": pooling.rawValue, "test_accuracy": JSONOutput.fraction(test.accuracy),
                "test_loss": JSONOutput.rounded(test.loss, 6), "trainable_parameters": summary.trainable,
                "total_parameters": summary.total, "output": output, "model": modelOptions.model, "max_length": modelOptions.maxLength,
                "training_samples": trainingTexts.count, "test_samples": testTexts.count,
                "seconds": JSONOutput.rounded(last?.seconds ?? 0, 3), "training_seconds": JSONOutput.rounded(last?.trainingSeconds ?? 0, 3),
                "evaluation_seconds": JSONOutput.rounded(last?.evaluationSeconds ?? 0, 3),
                "epochs": log.jsonObjects(of: epochs.map(\.epochSummary)),
            ]
            if method != .probe {
                object["rank"] = adapterConfiguration.rank
                object["alpha"] = Double(adapterConfiguration.alpha)
                object["targets"] = adapterConfiguration.targetModules
            }
            try JSONOutput.write(object.merging(test.breakdownJSON(labels: labels)) { $1 }, to: json)
        }
    }
}
