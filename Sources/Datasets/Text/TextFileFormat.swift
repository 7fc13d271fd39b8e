/// The layout of a text data file.
///
/// - ``csv``: comma-separated values as RFC 4180 describes them: a header row naming the
///   columns, fields optionally in double quotes, a quote inside a quoted field written
///   twice (`""`), commas and line breaks allowed inside quoted fields, records ending at
///   LF or CRLF.
/// - ``jsonLines``: JSON Lines: one JSON object per line, columns are its keys.
public enum TextFileFormat: String, Sendable, CaseIterable, CustomStringConvertible {
    case csv
    case jsonLines = "jsonl"

    /// JSON Lines for a path ending in `.jsonl`, `.ndjson` or `.jsonlines` (also before a
    /// final `.gz`), CSV for any other.
    public static func inferred(fromPath path: String) -> TextFileFormat {
        var name = path.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        for suffix in [".jsonl", ".ndjson", ".jsonlines"] where name.hasSuffix(suffix) { return .jsonLines }
        return .csv
    }

    public var description: String {
        switch self {
        case .csv: return "CSV"
        case .jsonLines: return "JSON Lines"
        }
    }
}
