import Datasets
import Foundation
import NN
import Reporting
import Training

/// Per-class accuracy and the confusion matrix of a model on a labelled split, for
/// `evaluate --json` and the reports.
struct ClassBreakdown {
    let matrix: ConfusionMatrix

    init(model: any Module, data: LabeledImages) throws {
        let predictions = try Predictor.predict(model, on: data)
        matrix = ConfusionMatrix(classes: data.classes, labels: (0..<data.count).map(data.label(at:)), predictions: predictions.map(\.label))
    }

    /// `per_class_accuracy` (fractions; `null` for a class without samples) and
    /// `confusion_matrix` (rows: true labels, columns: predictions).
    var jsonObject: [String: Any] {
        ["per_class_accuracy": matrix.perClassAccuracy.map { $0.map(JSONOutput.fraction) as Any? ?? NSNull() },
         "confusion_matrix": matrix.counts]
    }

    func table(method: String) -> HTMLReport.ConfusionMatrixTable {
        HTMLReport.ConfusionMatrixTable(method: method, counts: matrix.counts)
    }
}
