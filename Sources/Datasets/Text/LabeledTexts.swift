/// Texts with class labels as ids of a ``LabelMapping``: a text classification data set.
///
/// Built from a training file, the mapping is the sorted distinct labels of the rows read
/// (``LabelMapping/init(sorting:)``); built for evaluation with the mapping the model was
/// trained with, a label outside it is ``TextDataError/unknownLabel(path:position:label:known:)``.
///
/// ```swift
/// let options = TextReadingOptions(textColumn: "text", labelColumn: "sentiment", maxSamples: 8000)
/// let train = try LabeledTexts(contentsOfFile: "train.csv", options: options)
/// let test = try LabeledTexts(contentsOfFile: "test.csv", options: options, labelMapping: train.labelMapping)
/// // train.labelMapping.names == ["negative", "neutral", "positive"]
/// ```
public struct LabeledTexts: Sendable, Equatable {
    /// The file (or source name) the rows came from.
    public let source: String
    /// Each row's text.
    public let texts: [String]
    /// Each row's label id, `0..<labelMapping.count`.
    public let labels: [Int]
    /// The labels' names, in id order.
    public let labelMapping: LabelMapping
    /// Where each row's text starts in the file.
    public let textPositions: [TextPosition]

    /// The number of rows.
    public var count: Int { texts.count }

    /// The rows of `rows` (which must have been read with a label column), their labels
    /// mapped by `labelMapping`, or by the mapping of their own sorted labels when nil.
    public init(rows: TextRows, labelMapping: LabelMapping? = nil) throws(TextDataError) {
        guard let labelStrings = rows.labels else { throw .labelsNotRead(path: rows.source) }
        let mapping = labelMapping ?? LabelMapping(sorting: labelStrings)
        var ids: [Int] = []
        ids.reserveCapacity(labelStrings.count)
        for (row, label) in labelStrings.enumerated() {
            guard let id = mapping.id(of: label) else {
                throw .unknownLabel(path: rows.source, position: rows.labelPositions[row], label: label, known: mapping.names)
            }
            ids.append(id)
        }
        source = rows.source
        texts = rows.texts
        labels = ids
        self.labelMapping = mapping
        textPositions = rows.textPositions
    }

    /// The labelled rows of the file at `path`; `options.labelColumn` must name a column.
    public init(contentsOfFile path: String, options: TextReadingOptions, labelMapping: LabelMapping? = nil) throws(TextDataError) {
        guard options.labelColumn != nil else { throw .labelsNotRead(path: path) }
        try self.init(rows: TextRows(contentsOfFile: path, options: options), labelMapping: labelMapping)
    }

    /// Rows given directly (tests, generated data): every label in `0..<labelMapping.count`
    /// (a programmer error otherwise).
    public init(texts: [String], labels: [Int], labelMapping: LabelMapping, source: String = "<memory>") {
        precondition(texts.count == labels.count, "\(texts.count) texts but \(labels.count) labels")
        precondition(labels.allSatisfy { (0..<labelMapping.count).contains($0) }, "a label id outside 0..<\(labelMapping.count)")
        self.source = source
        self.texts = texts
        self.labels = labels
        self.labelMapping = labelMapping
        textPositions = texts.indices.map { TextPosition(line: $0 + 1, column: 1) }
    }

    private init(source: String, texts: [String], labels: [Int], labelMapping: LabelMapping, textPositions: [TextPosition]) {
        self.source = source
        self.texts = texts
        self.labels = labels
        self.labelMapping = labelMapping
        self.textPositions = textPositions
    }

    /// The rows `rows` (indices into this set), in that order, with the same mapping.
    public func subset<Rows: Sequence<Int>>(rows: Rows) -> LabeledTexts {
        var texts: [String] = [], labels: [Int] = [], positions: [TextPosition] = []
        for row in rows {
            texts.append(self.texts[row])
            labels.append(self.labels[row])
            positions.append(textPositions[row])
        }
        return LabeledTexts(source: source, texts: texts, labels: labels, labelMapping: labelMapping, textPositions: positions)
    }

    /// A deterministic held-out split: row `i` (0-based, file order) is held out when
    /// `i % period == period − 1` (every `period`-th row; `period` 10 holds out 10 %), the
    /// others train. Both keep file order and this set's mapping. `period` must be at least 2.
    public func heldOutSplit(period: Int) -> (training: LabeledTexts, heldOut: LabeledTexts) {
        precondition(period >= 2, "a held-out period of \(period) leaves no training rows")
        let heldOut = (0..<count).filter { $0 % period == period - 1 }
        let training = (0..<count).filter { $0 % period != period - 1 }
        return (subset(rows: training), subset(rows: heldOut))
    }

    /// How many rows carry each label id.
    public func classCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: labelMapping.count)
        for label in labels { counts[label] += 1 }
        return counts
    }
}
