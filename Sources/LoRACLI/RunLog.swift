import Adapters
import Foundation
import Reporting
import Training

/// What a training command shows and records while it runs: the reference notebook's log
/// lines on standard output (the loss every N batches, accuracies and elapsed seconds after
/// each epoch), a progress bar on standard error only when it is a terminal (erased before
/// each log line and at the end of each epoch, so that lines never run into the bar and
/// each epoch is reported once), JSON lines for `--metrics`, and the epoch records an HTML
/// report is drawn from. Batches are numbered from 0 as in the notebook, and a batch's
/// line shows that batch's loss.
final class RunLog {
    private let output: OutputOptions
    private let totalEpochs: Int
    private let progress: ProgressDisplay
    private let metrics: MetricsWriter?
    private var step = 0
    private var methodStart = ContinuousClock.now
    /// Every epoch so far, for the report.
    private(set) var epochRecords: [EpochRecord] = []
    /// With a validation part, per-epoch test accuracies are neither shown nor recorded:
    /// the test set is evaluated once, at the end.
    private var hidesTestAccuracy = false
    /// Seconds since the method's run started at the end of each epoch so far. A validated
    /// run calls the session once per epoch, and the session counts from each call, so its
    /// epochs' times are summed here.
    private(set) var elapsedSecondsPerEpoch: [Double] = []

    /// Samples per training batch, when the bar should show samples per second (text runs).
    private let samplesPerBatch: Int?

    init(output: OutputOptions, totalEpochs: Int, samplesPerBatch: Int? = nil) throws {
        self.output = output
        self.totalEpochs = totalEpochs
        self.samplesPerBatch = samplesPerBatch
        // Standard output already carries a line every --log-every batches and one per epoch:
        // the progress display adds only the bar, and only on a terminal.
        let mode = ProgressDisplay.Mode.automatic(for: STDERR_FILENO)
        progress = ProgressDisplay(mode: output.quiet || mode != .bar ? .quiet : .bar, lineInterval: output.logEvery)
        metrics = try output.metrics.map { path throws(ReportingError) in try MetricsWriter(path: path) }
    }

    func methodStarted(_ method: String, summary: ParameterSummary) {
        step = 0
        methodStart = ContinuousClock.now
        elapsedSecondsPerEpoch = []
        Console.line("[\(method)] \(summary)", quiet: output.quiet)
    }

    func step(_ method: String, _ report: StepReport) {
        step += 1
        if report.batchIndex == 0 {
            progress.beginEpoch(method: method, epoch: report.epoch, of: totalEpochs, batchCount: report.batchCount,
                                samplesPerBatch: samplesPerBatch)
        }
        progress.update(completedBatches: report.batchIndex + 1, loss: Double(report.loss))
        if report.batchIndex % output.logEvery == 0, !output.quiet {
            progress.clearLine()
            Console.line("[\(method)] " + String(format: "Epoch %03d/%03d | Batch %03d/%03d | Loss: %.4f", report.epoch, totalEpochs,
                                                   report.batchIndex, report.batchCount, report.loss), quiet: output.quiet)
        }
        try? metrics?.append(StepRecord(method: method, step: step, epoch: report.epoch, batch: report.batchIndex,
                                        loss: Double(report.loss), seconds: elapsedSeconds()))
    }

    func epoch(_ method: String, _ summary: EpochSummary) {
        let seconds = hidesTestAccuracy ? (elapsedSecondsPerEpoch.last ?? 0) + summary.seconds : summary.seconds
        elapsedSecondsPerEpoch.append(seconds)
        progress.discardEpoch()
        let accuracies = hidesTestAccuracy
            ? String(format: "Epoch: %03d/%03d training accuracy: %.2f%%", summary.epoch, totalEpochs, summary.trainingAccuracy * 100)
            : String(format: "Epoch: %03d/%03d training accuracy: %.2f%% | test accuracy: %.2f%%", summary.epoch,
                     totalEpochs, summary.trainingAccuracy * 100, summary.testAccuracy * 100)
        Console.line("[\(method)] " + accuracies, quiet: output.quiet)
        Console.line("[\(method)] " + String(format: "Time elapsed: %.2f s", seconds), quiet: output.quiet)
        if summary.skippedBatches > 0 {
            Console.line("[\(method)] skipped \(summary.skippedBatches) batches with a non-finite loss or gradient", quiet: output.quiet)
        }
        let record = EpochRecord(method: method, epoch: summary.epoch, meanLoss: summary.meanLoss,
                                 trainingAccuracy: summary.trainingAccuracy, testAccuracy: hidesTestAccuracy ? nil : summary.testAccuracy,
                                 seconds: seconds)
        epochRecords.append(record)
        try? metrics?.append(record)
    }

    /// Attaches the log to a session.
    func observe(_ session: TrainingSession, method: String) {
        session.onStep = { [self] in step(method, $0) }
        session.onEpoch = { [self] in epoch(method, $0) }
    }

    /// Trains `session` to `epochs` epochs, through `validation` when given (see
    /// ``ValidatedTraining``), logging as it goes.
    func train(_ session: TrainingSession, epochs: Int, resuming: Bool, validation: ValidatedTraining?,
               method: String) throws -> (summaries: [EpochSummary], validation: [ValidationRecord]) {
        guard let validation else { return (try session.run(epochs: epochs, resuming: resuming), []) }
        hidesTestAccuracy = true
        return try validation.run(session, epochs: epochs, resuming: resuming) { [output] in
            Console.line("[\(method)] " + $0, quiet: output.quiet)
        }
    }

    /// The epochs as `--json` lists them, with the log's elapsed times.
    func jsonObjects(of summaries: [EpochSummary]) -> [[String: Any]] {
        let times = elapsedSecondsPerEpoch.suffix(summaries.count)
        return zip(summaries, times).map { $0.jsonObject(includingTest: !hidesTestAccuracy, elapsedSeconds: $1) }
    }

    /// Seconds from the method's start to the end of its last epoch (0 before any).
    var secondsAtLastEpoch: Double { elapsedSecondsPerEpoch.last ?? 0 }

    /// Writes what is still buffered for `--metrics` and, with `--report`, the HTML page.
    func finish(title: String, summary: [HTMLReport.SummaryRow]? = nil, details: [(String, String)] = [],
                separatesPretraining: Bool = false, confusionMatrices: [HTMLReport.ConfusionMatrixTable] = []) throws {
        try metrics?.close()
        if let directory = output.report {
            let report = HTMLReport(title: title, epochs: epochRecords, summary: summary, settings: details.map { ($0.0, $0.1) },
                                    separatesPretraining: separatesPretraining, confusionMatrices: confusionMatrices)
            let page = try report.write(toDirectory: directory)
            Console.line("Report: \(page)", quiet: output.quiet)
        }
    }

    private func elapsedSeconds() -> Double {
        let elapsed = ContinuousClock.now - methodStart
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}

extension EpochSummary {
    /// The summary as a JSON object (accuracies as fractions, see ``JSONOutput``).
    var jsonObject: [String: Any] { jsonObject(includingTest: true) }

    /// The summary as a JSON object; without the test accuracy and loss when the run
    /// validates on a held-out part (the test set is then evaluated once, at the end).
    /// `elapsedSeconds` replaces ``seconds`` (see ``RunLog/elapsedSecondsPerEpoch``).
    func jsonObject(includingTest: Bool, elapsedSeconds: Double? = nil) -> [String: Any] {
        var object: [String: Any] = ["epoch": epoch, "mean_loss": JSONOutput.rounded(meanLoss, 6),
                                     "training_accuracy": JSONOutput.fraction(trainingAccuracy),
                                     "seconds": JSONOutput.rounded(elapsedSeconds ?? seconds, 3)]
        if includingTest {
            object["test_accuracy"] = JSONOutput.fraction(testAccuracy)
            object["test_loss"] = JSONOutput.rounded(testLoss, 6)
        }
        return object
    }
}
