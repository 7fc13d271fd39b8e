/// Whether a data set's rows are reordered so that a batch holds rows of similar length
/// (less padding). **It changes the order the rows are trained in**, and so the result of
/// a run; it is off by default.
///
/// - ``none``: sample `i` is row `i` (file order).
/// - ``sortedWindows(rows:)``: the rows are cut into consecutive windows of `rows` rows in
///   file order, and each window is sorted by real token count (a stable sort: rows of
///   one length keep file order). Consecutive samples, the batches of an epoch in order,
///   then hold rows of nearly equal length; a window of a hundred batches keeps the
///   classes mixed about as well as the file does. Every row appears exactly once.
///
/// The training loop's per-epoch shuffling permutes samples, so it undoes the bucketing:
/// use bucketing with in-order epochs.
public enum LengthBucketing: Sendable, Equatable {
    case none
    case sortedWindows(rows: Int)

    /// The row of each sample: a permutation of `0..<lengths.count`.
    public func order(lengths: [Int]) -> [Int] {
        switch self {
        case .none:
            return Array(lengths.indices)
        case .sortedWindows(let rows):
            precondition(rows >= 1, "a bucketing window of \(rows) rows")
            var order: [Int] = []
            order.reserveCapacity(lengths.count)
            var start = 0
            while start < lengths.count {
                let window = start..<min(lengths.count, start + rows)
                // Sorting (length, row) pairs is stable by construction.
                order.append(contentsOf: window.sorted { (lengths[$0], $0) < (lengths[$1], $1) })
                start = window.upperBound
            }
            return order
        }
    }
}
