/// The rows of a text data file as read: each row's text, its label string (when a label
/// column was read) and where they stand in the file. No label ids yet
/// (``LabeledTexts`` maps them).
///
/// Reading checks every row that is read: the columns exist, a text is not empty or only
/// white space, a label is not empty, the bytes are valid in the encoding, the CSV quoting
/// or JSON is well formed. Every error names the file, line and column (``TextDataError``).
///
/// ```swift
/// let rows = try TextRows(contentsOfFile: "train.csv",
///                         options: TextReadingOptions(textColumn: "text", labelColumn: "sentiment", maxSamples: 8000))
/// ```
public struct TextRows: Sendable, Equatable {
    /// The file (or source name) the rows came from.
    public let source: String
    /// Each row's text, in file order.
    public let texts: [String]
    /// Each row's label string, or nil when no label column was read.
    public let labels: [String]?
    /// Where each row's text field starts.
    public let textPositions: [TextPosition]
    /// Where each row's label field starts (empty when no label column was read).
    public let labelPositions: [TextPosition]
    /// The name of the label column, when one was read.
    public let labelColumn: String?

    /// The number of rows.
    public var count: Int { texts.count }

    /// The rows of the file at `path` (gzip-compressed files are decompressed).
    public init(contentsOfFile path: String, options: TextReadingOptions) throws(TextDataError) {
        let bytes: [UInt8]
        do {
            bytes = try DataFile.read(atPath: path)
        } catch {
            if case .fileNotFound = error { throw .fileNotFound(path: path) }
            throw .unreadable(path: path, reason: error.description)
        }
        let format = options.format ?? TextFileFormat.inferred(fromPath: path)
        try self.init(bytes: bytes, source: path, format: format, options: options)
    }

    /// The rows of a file's `bytes`; `source` names it in errors, `format` overrides the
    /// options' (which cannot be inferred without a path; CSV when neither says).
    public init(bytes: [UInt8], source: String, format: TextFileFormat? = nil, options: TextReadingOptions) throws(TextDataError) {
        if let maxSamples = options.maxSamples, maxSamples < 1 { throw .invalidMaxSamples(maxSamples) }
        var reader = RowCollector(source: source, options: options)
        let format = format ?? options.format ?? .csv
        try bytes.withUnsafeBufferPointer { (buffer) throws(TextDataError) in
            switch format {
            case .csv: try reader.readCSV(buffer)
            case .jsonLines: try reader.readJSONLines(buffer)
            }
        }
        guard !reader.texts.isEmpty else { throw .noRows(path: source) }
        self.source = source
        texts = reader.texts
        labels = options.labelColumn == nil ? nil : reader.labels
        textPositions = reader.textPositions
        labelPositions = reader.labelPositions
        labelColumn = options.labelColumn
    }
}

/// Gathers rows from either format and checks each field.
private struct RowCollector {
    let source: String
    let options: TextReadingOptions
    var texts: [String] = []
    var labels: [String] = []
    var textPositions: [TextPosition] = []
    var labelPositions: [TextPosition] = []

    init(source: String, options: TextReadingOptions) {
        self.source = source
        self.options = options
    }

    var isFull: Bool { options.maxSamples.map { texts.count >= $0 } ?? false }

    /// A UTF-8 byte order mark to skip at the start.
    func contentStart(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        options.encoding == .utf8 && bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    }

    mutating func append(text: String, at textPosition: TextPosition, label: (String, TextPosition)?) throws(TextDataError) {
        guard text.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else {
            throw .emptyText(path: source, position: textPosition, column: options.textColumn)
        }
        texts.append(text)
        textPositions.append(textPosition)
        if let (label, labelPosition) = label {
            guard !label.isEmpty else { throw .emptyLabel(path: source, position: labelPosition, column: options.labelColumn ?? "") }
            labels.append(label)
            labelPositions.append(labelPosition)
        }
    }

    mutating func readCSV(_ bytes: UnsafeBufferPointer<UInt8>) throws(TextDataError) {
        var scanner = CSVScanner(bytes: bytes, start: contentStart(bytes), encoding: options.encoding, source: source)
        var fields: [CSVField] = []
        guard try scanner.nextRecord(into: &fields) else { throw .missingHeader(path: source) }
        var header: [String] = []
        for field in fields { header.append(try scanner.text(of: field)) }
        func columnIndex(_ name: String) throws(TextDataError) -> Int {
            let matches = header.indices.filter { header[$0] == name }
            guard let index = matches.first else { throw .missingColumn(path: source, column: name, available: header) }
            guard matches.count == 1 else { throw .duplicateColumn(path: source, column: name) }
            return index
        }
        let textIndex = try columnIndex(options.textColumn)
        let labelIndex: Int? = try options.labelColumn.map { (name) throws(TextDataError) in try columnIndex(name) }
        while !isFull, try scanner.nextRecord(into: &fields) {
            guard fields.count == header.count else {
                throw .fieldCountMismatch(path: source, line: fields[0].line, expected: header.count, actual: fields.count)
            }
            let textField = fields[textIndex]
            var label: (String, TextPosition)?
            if let labelIndex {
                label = (try scanner.text(of: fields[labelIndex]), scanner.position(of: fields[labelIndex]))
            }
            try append(text: try scanner.text(of: textField), at: scanner.position(of: textField), label: label)
        }
    }

    mutating func readJSONLines(_ bytes: UnsafeBufferPointer<UInt8>) throws(TextDataError) {
        let locator = TextPositionLocator(bytes: bytes, encoding: options.encoding)
        var wanted = [options.textColumn]
        if let labelColumn = options.labelColumn { wanted.append(labelColumn) }
        var lineStart = contentStart(bytes)
        var line = 1
        while lineStart < bytes.count && !isFull {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            defer { lineStart = lineEnd + 1; line += 1 }
            let lineBytes = UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd])
            guard lineBytes.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
            if options.encoding == .utf8, let invalid = UTF8Validation.firstInvalidOffset(in: lineBytes) {
                let offset = lineStart + invalid
                throw .invalidEncoding(path: source, position: locator.position(ofOffset: offset, line: line, lineStart: lineStart),
                                       byte: bytes[offset], encoding: .utf8)
            }
            var scanner = JSONObjectScanner(bytes: bytes, encoding: options.encoding, start: lineStart, end: lineEnd)
            let object: (values: [String: (JSONFieldValue, Int)], objectStart: Int)
            do {
                object = try scanner.readObject(wanted: wanted)
            } catch {
                throw .invalidJSON(path: source, position: locator.position(ofOffset: error.offset, line: line, lineStart: lineStart), reason: error.reason)
            }
            func field(_ key: String, allowsNumbers: Bool) throws(TextDataError) -> (String, TextPosition) {
                guard let (value, offset) = object.values[key] else {
                    throw .missingKey(path: source, position: locator.position(ofOffset: object.objectStart, line: line, lineStart: lineStart), key: key)
                }
                let position = locator.position(ofOffset: offset, line: line, lineStart: lineStart)
                switch value {
                case .string(let text): return (text, position)
                case .number(let text) where allowsNumbers: return (text, position)
                default:
                    throw .wrongJSONType(path: source, position: position, key: key,
                                         expected: allowsNumbers ? "a string or a number" : "a string", actual: value.kindDescription)
                }
            }
            let text = try field(options.textColumn, allowsNumbers: false)
            let label = try options.labelColumn.map { (key) throws(TextDataError) in try field(key, allowsNumbers: true) }
            try append(text: text.0, at: text.1, label: label)
        }
    }
}
