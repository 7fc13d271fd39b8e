/// Counts of (true label, predicted label) pairs over a data set: `counts[t][p]` samples of
/// class `t` were predicted as `p` (rows: true labels, columns: predictions, as
/// scikit-learn's `confusion_matrix`).
public struct ConfusionMatrix: Sendable, Equatable {
    public let classes: Int
    public private(set) var counts: [[Int]]

    /// The matrix of `labels` against `predictions` (pairs beyond `classes` are ignored).
    public init(classes: Int, labels: some Sequence<Int>, predictions: some Sequence<Int>) {
        self.classes = max(classes, 0)
        counts = Array(repeating: Array(repeating: 0, count: self.classes), count: self.classes)
        for (label, predicted) in zip(labels, predictions) where (0..<self.classes).contains(label) && (0..<self.classes).contains(predicted) {
            counts[label][predicted] += 1
        }
    }

    /// The samples counted.
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }

    /// Correct predictions over all samples, `Σ_c counts[c][c] / total`; 0 when empty.
    public var accuracy: Double {
        total == 0 ? 0 : Double((0..<classes).reduce(0) { $0 + counts[$1][$1] }) / Double(total)
    }

    /// Per class `c`, the share of its samples predicted as `c` (its recall),
    /// `counts[c][c] / Σ_p counts[c][p]`; `nil` for a class with no samples.
    public var perClassAccuracy: [Double?] {
        counts.enumerated().map { label, row in
            let samples = row.reduce(0, +)
            return samples == 0 ? nil : Double(row[label]) / Double(samples)
        }
    }
}
