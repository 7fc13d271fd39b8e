import Foundation
import Reporting
import TextTraining
import Training

extension TextEpochSummary {
    /// The epoch as ``RunLog`` shows and records it: the training accuracy is the one measured
    /// on the training batches during the epoch; the test values are NaN without a test split.
    var epochSummary: EpochSummary {
        EpochSummary(epoch: epoch, meanLoss: meanLoss, trainingAccuracy: trainingAccuracy, testAccuracy: test?.accuracy ?? .nan,
                     testLoss: test?.loss ?? .nan, seconds: seconds, skippedBatches: skippedBatches)
    }
}

extension RunLog {
    /// Attaches the log to a text session of `method`.
    func observe<Classifier, Data>(_ session: TextTrainingSession<Classifier, Data>, method: String) {
        session.onStep = { [self] in step(method, $0) }
        session.onEpoch = { [self] in epoch(method, $0.epochSummary) }
    }
}

extension TextEvaluationResult {
    /// `per_class_accuracy` (fractions; null for a class without samples), `confusion_matrix`
    /// (rows: true labels, columns: predictions) and `labels` (class i is labels[i]).
    func breakdownJSON(labels: [String]) -> [String: Any] {
        ["per_class_accuracy": confusionMatrix.perClassAccuracy.map { $0.map(JSONOutput.fraction) as Any? ?? NSNull() },
         "confusion_matrix": confusionMatrix.counts, "labels": labels]
    }

    /// `negative 81.20 %, neutral 70.02 %, positive 75.00 %` (— for a class without samples).
    func perClassText(labels: [String]) -> String {
        zip(labels, confusionMatrix.perClassAccuracy).map { label, accuracy in
            label + " " + (accuracy.map { Console.fixed($0 * 100, 2) + " %" } ?? "—")
        }.joined(separator: ", ")
    }

    func confusionTable(method: String) -> HTMLReport.ConfusionMatrixTable {
        HTMLReport.ConfusionMatrixTable(method: method, counts: confusionMatrix.counts)
    }
}
