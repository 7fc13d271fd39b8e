import ArgumentParser
import Datasets
import Foundation

extension TextEncoding: ExpressibleByArgument {}
extension TextFileFormat: ExpressibleByArgument {}

/// How a text data file is read: its columns, encoding and format.
struct TextColumnOptions: ParsableArguments {
    @Option(name: .long, help: "The column (CSV header name or JSON key) holding the text.")
    var textColumn: String = "text"

    @Option(name: .long, help: "The column holding the label.")
    var labelColumn: String = "label"

    @Option(name: .long, help: "The files' encoding: utf8 or latin1.")
    var encoding: TextEncoding = .utf8

    @Option(name: .long, help: "csv or jsonl (default: from the file name; .jsonl and .ndjson are JSON Lines, anything else CSV).")
    var format: TextFileFormat?

    /// The reading options for labelled rows (`labelled`) or texts only, the first `maxSamples` rows.
    func reading(labelled: Bool, maxSamples: Int?) -> TextReadingOptions {
        TextReadingOptions(textColumn: textColumn, labelColumn: labelled ? labelColumn : nil, encoding: encoding, format: format,
                           maxSamples: maxSamples)
    }
}

/// The training and test texts of `finetune` and `experiment`: `--data FILE` and
/// `--test-data FILE`, or without `--test-data` a deterministic held-out part of `--data`
/// (every N-th row, ``Datasets/LabeledTexts/heldOutSplit(period:)``). Labels map to ids in
/// sorted order of the training file's label strings.
struct TextDataOptions: ParsableArguments {
    @Option(name: .long, help: "The training texts: a CSV file with a header row, or JSON Lines.")
    var data: String

    @Option(name: .long, help: "The test texts (default: every --held-out-every-th row of --data, taken out of training).")
    var testData: String?

    @OptionGroup var columns: TextColumnOptions

    @Option(name: .long, parsing: .unconditional, help: "Read only the first N rows of --data (file order).")
    var maxTrainSamples: Int?

    @Option(name: .long, parsing: .unconditional, help: "Read only the first M rows of --test-data (file order).")
    var maxTestSamples: Int?

    @Option(name: .long, parsing: .unconditional,
            help: "Without --test-data, rows i of --data with i % N == N − 1 are the test set (default 10: every 10th row).")
    var heldOutEvery: Int = 10

    func validate() throws {
        try OutputPath.checkExists(data, flag: "--data")
        if let testData { try OutputPath.checkExists(testData, flag: "--test-data") }
        if let maxTrainSamples, maxTrainSamples < 1 { throw ValidationError("--max-train-samples must be at least 1, got \(maxTrainSamples).") }
        if let maxTestSamples, maxTestSamples < 1 { throw ValidationError("--max-test-samples must be at least 1, got \(maxTestSamples).") }
        if maxTestSamples != nil && testData == nil { throw ValidationError("--max-test-samples needs --test-data.") }
        guard heldOutEvery >= 2 else { throw ValidationError("--held-out-every must be at least 2, got \(heldOutEvery).") }
    }

    /// The training and test texts, both with the training file's label mapping.
    func load() throws -> (training: LabeledTexts, test: LabeledTexts) {
        let training = try LabeledTexts(contentsOfFile: data, options: columns.reading(labelled: true, maxSamples: maxTrainSamples))
        if let testData {
            let test = try LabeledTexts(contentsOfFile: testData, options: columns.reading(labelled: true, maxSamples: maxTestSamples),
                                        labelMapping: training.labelMapping)
            return (training, test)
        }
        guard training.count >= heldOutEvery else {
            throw ValidationError("--data '\(data)' has \(training.count) rows; holding out every \(heldOutEvery)th row for the test set "
                                  + "needs at least \(heldOutEvery). Pass --test-data FILE or a smaller --held-out-every.")
        }
        let split = training.heldOutSplit(period: heldOutEvery)
        return (split.training, split.heldOut)
    }

    /// The data as recorded in settings and `--json`.
    var summary: String {
        var text = data + (maxTrainSamples.map { " (first \($0))" } ?? "")
        if let testData { text += ", test " + testData + (maxTestSamples.map { " (first \($0))" } ?? "") } else { text += ", test every \(heldOutEvery)th row" }
        return text + " text=\(columns.textColumn) label=\(columns.labelColumn) \(columns.encoding.rawValue)"
    }
}
