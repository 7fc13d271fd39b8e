import Adapters
import Foundation
import Training

/// What a training command shows while it runs: the reference notebook's log lines
/// (the loss every N batches, training accuracy and elapsed time after each epoch).
final class RunLog {
    private let output: OutputOptions
    private let totalEpochs: Int

    init(output: OutputOptions, totalEpochs: Int) {
        self.output = output
        self.totalEpochs = totalEpochs
    }

    func methodStarted(_ method: String, summary: ParameterSummary) {
        Console.line("[\(method)] \(summary)", quiet: output.quiet)
    }

    func step(_ method: String, _ report: StepReport) {
        if report.batchIndex % output.logEvery == 0 {
            Console.line("[\(method)] " + String(format: "Epoch %03d/%03d | Batch %03d/%03d | Loss: %.4f", report.epoch, totalEpochs,
                                                   report.batchIndex, report.batchCount, report.loss), quiet: output.quiet)
        }
    }

    func epoch(_ method: String, _ summary: EpochSummary) {
        Console.line("[\(method)] " + String(format: "Epoch: %03d/%03d training accuracy: %.2f%% | test accuracy: %.2f%%", summary.epoch,
                                               totalEpochs, summary.trainingAccuracy * 100, summary.testAccuracy * 100), quiet: output.quiet)
        Console.line("[\(method)] " + String(format: "Time elapsed: %.2f min", summary.seconds / 60), quiet: output.quiet)
    }

    /// Attaches the log to a session.
    func observe(_ session: TrainingSession, method: String) {
        session.onStep = { [self] in step(method, $0) }
        session.onEpoch = { [self] in epoch(method, $0) }
    }

    func finish() throws {}
}

extension EpochSummary {
    /// The summary as a JSON object (accuracies in percent).
    var jsonObject: [String: Any] {
        ["epoch": epoch, "mean_loss": JSONOutput.rounded(meanLoss, 6),
         "training_accuracy": JSONOutput.rounded(trainingAccuracy * 100), "test_accuracy": JSONOutput.rounded(testAccuracy * 100),
         "test_loss": JSONOutput.rounded(testLoss, 6), "seconds": JSONOutput.rounded(seconds, 3)]
    }
}
