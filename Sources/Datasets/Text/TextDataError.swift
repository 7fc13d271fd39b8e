/// Everything that can go wrong reading a text data file (CSV or JSON Lines) or mapping its
/// labels, with the file, line and column needed to fix it.
///
/// `path` is the file, or the `source` name given to the in-memory reader. Positions are
/// 1-based lines and columns in characters (``TextPosition``); a field's position is where
/// it starts (its opening quote, for a quoted CSV field; its value, in a JSON object).
/// `description` is a full sentence followed by a hint.
public enum TextDataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No file exists at `path`.
    case fileNotFound(path: String)
    /// The file exists but could not be read.
    case unreadable(path: String, reason: String)
    /// A CSV file with no header row (it is empty, or holds only blank lines).
    case missingHeader(path: String)
    /// The file has a header (CSV) but no data rows, or no rows at all (JSON Lines).
    case noRows(path: String)
    /// A field that is read holds bytes that are not valid in `encoding`; `byte` is the first
    /// byte of the invalid sequence.
    case invalidEncoding(path: String, position: TextPosition, byte: UInt8, encoding: TextEncoding)
    /// A quoted CSV field, opened at `position`, has no closing quote before the end of the file.
    case unterminatedQuote(path: String, position: TextPosition)
    /// A closing quote of a CSV field is followed by `character` instead of a comma or a line end.
    case characterAfterClosingQuote(path: String, position: TextPosition, character: String)
    /// A CSV record starting at `line` has `actual` fields where the header has `expected`.
    case fieldCountMismatch(path: String, line: Int, expected: Int, actual: Int)
    /// The CSV header has no column `column`.
    case missingColumn(path: String, column: String, available: [String])
    /// The CSV header names `column` more than once.
    case duplicateColumn(path: String, column: String)
    /// A JSON Lines object at `position` (its opening brace) has no key `key`.
    case missingKey(path: String, position: TextPosition, key: String)
    /// A line of a JSON Lines file is not one JSON object; `reason` says what was found.
    case invalidJSON(path: String, position: TextPosition, reason: String)
    /// A JSON value at `position` has a type the column cannot take.
    case wrongJSONType(path: String, position: TextPosition, key: String, expected: String, actual: String)
    /// The text field in column `column` is empty or only white space.
    case emptyText(path: String, position: TextPosition, column: String)
    /// The label field in column `column` is empty.
    case emptyLabel(path: String, position: TextPosition, column: String)
    /// A label that the label mapping (the one the model was trained with) does not hold.
    case unknownLabel(path: String, position: TextPosition, label: String, known: [String])
    /// Rows were read without a label column but labels are needed.
    case labelsNotRead(path: String)
    /// A maximum sample count below 1.
    case invalidMaxSamples(Int)
    /// A label mapping with no names, an empty name or a name twice.
    case invalidLabelMapping(names: [String], reason: String)

    public var description: String {
        switch self {
        case let .fileNotFound(path):
            return "No file exists at '\(path)'. Hint: check the path and the working directory."
        case let .unreadable(path, reason):
            return "The file '\(path)' exists but could not be read: \(reason). Hint: check its permissions and that it is a regular file."
        case let .missingHeader(path):
            return "The CSV file '\(path)' has no header row. Hint: the first line must name the columns, e.g. 'label,text'."
        case let .noRows(path):
            return "The file '\(path)' holds no data rows. Hint: check that it is the right file and not truncated."
        case let .invalidEncoding(path, position, byte, encoding):
            let hex = "0x" + String(byte, radix: 16, uppercase: true)
            let hint = encoding == .utf8
                ? " Hint: if the file is Latin-1 (ISO-8859-1), read it with the latin1 encoding, or convert it to UTF-8."
                : ""
            return "The file '\(path)' is not valid \(encoding) at \(position) (byte \(hex)).\(hint)"
        case let .unterminatedQuote(path, position):
            return "The file '\(path)' has a quoted field opened at \(position) that is never closed. "
                + "Hint: a quote inside a quoted field must be written twice (\"\")."
        case let .characterAfterClosingQuote(path, position, character):
            return "The file '\(path)' has '\(character)' at \(position) right after a field's closing quote; expected a comma or a line end. "
                + "Hint: a quote inside a quoted field must be written twice (\"\")."
        case let .fieldCountMismatch(path, line, expected, actual):
            return "The record at line \(line) of '\(path)' has \(actual) field\(actual == 1 ? "" : "s") but the header has \(expected). "
                + "Hint: quote fields that contain commas or line breaks."
        case let .missingColumn(path, column, available):
            return "The file '\(path)' has no column '\(column)'; its columns are \(Self.list(available)). Hint: choose the text and label columns by these names."
        case let .duplicateColumn(path, column):
            return "The header of '\(path)' names the column '\(column)' more than once. Hint: rename one of them."
        case let .missingKey(path, position, key):
            return "The object at \(position) of '\(path)' has no key '\(key)'. Hint: every line needs the text (and label) key."
        case let .invalidJSON(path, position, reason):
            return "The file '\(path)' is not valid JSON Lines at \(position): \(reason). Hint: each line must hold exactly one JSON object."
        case let .wrongJSONType(path, position, key, expected, actual):
            return "The value of '\(key)' at \(position) of '\(path)' is \(actual); expected \(expected)."
        case let .emptyText(path, position, column):
            return "The text in column '\(column)' at \(position) of '\(path)' is empty. Hint: remove the row or fill in its text."
        case let .emptyLabel(path, position, column):
            return "The label in column '\(column)' at \(position) of '\(path)' is empty. Hint: every row needs a label."
        case let .unknownLabel(path, position, label, known):
            return "The label '\(label)' at \(position) of '\(path)' is not one of the model's labels \(Self.list(known)). "
                + "Hint: evaluate on data with the labels the model was trained on."
        case let .labelsNotRead(path):
            return "The rows of '\(path)' were read without a label column, but labels are needed. Hint: name the label column."
        case let .invalidMaxSamples(count):
            return "A maximum of \(count) samples reads nothing; use 1 or more (or no maximum)."
        case let .invalidLabelMapping(names, reason):
            return "The label names \(Self.list(names)) cannot be a label mapping: \(reason)."
        }
    }

    private static func list(_ names: [String]) -> String {
        names.isEmpty ? "(none)" : names.map { "'\($0)'" }.joined(separator: ", ")
    }
}
