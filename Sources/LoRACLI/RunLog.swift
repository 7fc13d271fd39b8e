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

    init(output: OutputOptions, totalEpochs: Int) throws {
        self.output = output
        self.totalEpochs = totalEpochs
        // Standard output already carries a line every --log-every batches and one per epoch:
        // the progress display adds only the bar, and only on a terminal.
        let mode = ProgressDisplay.Mode.automatic(for: STDERR_FILENO)
        progress = ProgressDisplay(mode: output.quiet || mode != .bar ? .quiet : .bar, lineInterval: output.logEvery)
        metrics = try output.metrics.map { path throws(ReportingError) in try MetricsWriter(path: path) }
    }

    func methodStarted(_ method: String, summary: ParameterSummary) {
        step = 0
        methodStart = ContinuousClock.now
        Console.line("[\(method)] \(summary)", quiet: output.quiet)
    }

    func step(_ method: String, _ report: StepReport) {
        step += 1
        if report.batchIndex == 0 {
            progress.beginEpoch(method: method, epoch: report.epoch, of: totalEpochs, batchCount: report.batchCount)
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
        progress.discardEpoch()
        Console.line("[\(method)] " + String(format: "Epoch: %03d/%03d training accuracy: %.2f%% | test accuracy: %.2f%%", summary.epoch,
                                               totalEpochs, summary.trainingAccuracy * 100, summary.testAccuracy * 100), quiet: output.quiet)
        Console.line("[\(method)] " + String(format: "Time elapsed: %.2f s", summary.seconds), quiet: output.quiet)
        if summary.skippedBatches > 0 {
            Console.line("[\(method)] skipped \(summary.skippedBatches) batches with a non-finite loss or gradient", quiet: output.quiet)
        }
        let record = EpochRecord(method: method, epoch: summary.epoch, meanLoss: summary.meanLoss,
                                 trainingAccuracy: summary.trainingAccuracy, testAccuracy: summary.testAccuracy, seconds: summary.seconds)
        epochRecords.append(record)
        try? metrics?.append(record)
    }

    /// Attaches the log to a session.
    func observe(_ session: TrainingSession, method: String) {
        session.onStep = { [self] in step(method, $0) }
        session.onEpoch = { [self] in epoch(method, $0) }
    }

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
    var jsonObject: [String: Any] {
        ["epoch": epoch, "mean_loss": JSONOutput.rounded(meanLoss, 6),
         "training_accuracy": JSONOutput.fraction(trainingAccuracy), "test_accuracy": JSONOutput.fraction(testAccuracy),
         "test_loss": JSONOutput.rounded(testLoss, 6), "seconds": JSONOutput.rounded(seconds, 3)]
    }
}
