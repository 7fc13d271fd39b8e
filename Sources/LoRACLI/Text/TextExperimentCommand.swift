import Adapters
import ArgumentParser
import Foundation
import Reporting
import TextClassification
import TextTraining
import Training
import Transformers

/// `lora experiment --model HF_DIR --data FILE --test-data FILE`: a linear probe against
/// LoRA and DoRA on one pretrained encoder.
struct TextExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Compare a linear probe with LoRA and DoRA fine-tuning of a Hugging Face model folder on labelled texts.",
        discussion: """
            Each method gets a fresh head from the same seed. The reference settings: AdamW, learning rate 1e-3, weight decay \
            0.01, batch 32, 1 epoch, --max-length 64, texts in file order (no shuffling), mean pooling, rank 8, alpha 16 on \
            query and value. --json writes {"probe": …, "lora": …, "dora": …}, each with test_accuracy (in percent, as the \
            table), test_loss, seconds, training_seconds, evaluation_seconds, trainable_parameters, total_parameters, \
            per_class_accuracy, confusion_matrix, labels and epochs.
            """)

    @OptionGroup var modelOptions: TextModelOptions

    @Option(name: .long, help: "How the heads read the encoder: mean (masked mean of the tokens) or cls (BERT's pooler on [CLS]).")
    var pooling: BERTSequenceClassifier.Kind = .mean

    @Option(name: .long, parsing: .upToNextOption, help: "The methods to run, in order, comma-separated (default: probe,lora,dora).")
    var methods: [String] = []

    @OptionGroup var dataOptions: TextDataOptions
    @OptionGroup var training: TextTrainingOptions
    @OptionGroup var adapter: AdapterOptions
    @OptionGroup var reporting: OutputOptions
    @OptionGroup var parallel: ParallelOptions

    func validate() throws {
        _ = try chosenMethods()
    }

    func chosenMethods() throws -> [TextMethod] {
        let names = ListArgument.entries(methods)
        guard !names.isEmpty else { return TextMethod.allCases }
        return try names.map { name in
            guard let method = TextMethod(rawValue: name) else {
                throw ValidationError("--methods takes probe, lora and dora, got '\(name)'.")
            }
            return method
        }
    }

    func run() throws {
        let settings = training.settings(shufflesByDefault: false)
        let (weights, tokenizer) = try modelOptions.load()
        let (trainingTexts, testTexts) = try dataOptions.load()
        let labels = trainingTexts.labelMapping.names
        let trainingData = try TextClassificationBatches(texts: trainingTexts, tokenizer: tokenizer, maximumLength: modelOptions.maxLength)
        let testData = try TextClassificationBatches(texts: testTexts, tokenizer: tokenizer, maximumLength: modelOptions.maxLength)
        let configuration = TextExperimentConfiguration(
            settings: settings,
            adapter: adapter.configuration(method: .lora, defaultTargets: ["query", "value"], defaultRank: 8, defaultAlpha: 16),
            methods: try chosenMethods())
        let experiment = TextExperiment(configuration: configuration, trainingData: trainingData, testData: testData) {
            try TextModels.classifier(weights: weights, kind: pooling, classCount: labels.count, settings: settings)
        }
        let log = try RunLog(output: reporting, totalEpochs: settings.epochs, samplesPerBatch: settings.batchSize)
        Console.line("\(trainingTexts.count) training texts, \(testTexts.count) test texts, labels: " + labels.joined(separator: ", "),
                     quiet: reporting.quiet)
        experiment.onMethodStart = { log.methodStarted($0.rawValue, summary: $1) }
        experiment.onStep = { log.step($0.rawValue, $1) }
        experiment.onEpoch = { log.epoch($0.rawValue, $1.epochSummary) }
        let results = try experiment.run()

        let rows = results.map {
            HTMLReport.SummaryRow(method: $0.method.rawValue, trainableParameters: $0.trainableParameters,
                                  testAccuracy: $0.test.accuracy, seconds: $0.seconds)
        }
        try log.finish(title: "Probe, LoRA and DoRA on \(modelOptions.model)", summary: rows,
                       details: [("data", dataOptions.summary), ("labels", labels.joined(separator: ", ")),
                                 ("pooling", pooling.rawValue), ("max length", String(modelOptions.maxLength)),
                                 ("rank, alpha", "\(configuration.adapter.rank), \(configuration.adapter.alpha)"),
                                 ("targets", configuration.adapter.targetModules.joined(separator: ", "))],
                       confusionMatrices: results.map { $0.test.confusionTable(method: $0.method.rawValue) })
        Console.line("", quiet: reporting.quiet)
        Console.line(TextResultTable.render(results), quiet: reporting.quiet)
        if let verdict = HTMLReport.verdict(rows, excluding: []) { Console.line(verdict, quiet: reporting.quiet) }
        if let json = reporting.json {
            var object: [String: Any] = [:]
            for result in results {
                object[result.method.rawValue] = [
                    "test_accuracy": JSONOutput.rounded(result.testAccuracy, 4), "test_loss": JSONOutput.rounded(result.test.loss, 6),
                    "trainable_parameters": result.trainableParameters, "total_parameters": result.totalParameters,
                    "seconds": JSONOutput.rounded(result.seconds, 3), "training_seconds": JSONOutput.rounded(result.trainingSeconds, 3),
                    "evaluation_seconds": JSONOutput.rounded(result.evaluationSeconds, 3),
                    "epochs": result.epochs.map(\.epochSummary.jsonObject),
                ].merging(result.test.breakdownJSON(labels: labels)) { $1 } as [String: Any]
            }
            try JSONOutput.write(object, to: json)
        }
    }
}

/// The text experiment's table: method, trainable parameters, test accuracy, time.
enum TextResultTable {
    static func render(_ results: [TextMethodResult]) -> String {
        var lines = ["method  trainable parameters  test accuracy  time (s)  training (s)"]
        for result in results {
            lines.append(result.method.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                + String(result.trainableParameters).leftPadded(to: 20) + "  "
                + (String(format: "%.2f", result.testAccuracy) + " %").leftPadded(to: 13) + "  "
                + String(format: "%.2f", result.seconds).leftPadded(to: 8) + "  "
                + String(format: "%.2f", result.trainingSeconds).leftPadded(to: 12))
        }
        return lines.joined(separator: "\n")
    }
}
