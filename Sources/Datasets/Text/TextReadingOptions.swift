/// What to read from a text data file: which columns, how its bytes are encoded, its
/// format, and how many rows.
public struct TextReadingOptions: Sendable, Equatable {
    /// The column (CSV header name, or JSON key) holding the text.
    public var textColumn: String
    /// The column holding the label, or nil to read texts only (prediction, embeddings).
    public var labelColumn: String?
    /// How the file's bytes map to characters.
    public var encoding: TextEncoding
    /// The file's layout; nil infers it from the path (``TextFileFormat/inferred(fromPath:)``).
    public var format: TextFileFormat?
    /// Read only the first `maxSamples` rows, in file order (nil reads all); rows after
    /// them are not read, so errors there go unnoticed.
    public var maxSamples: Int?

    public init(textColumn: String = "text", labelColumn: String? = "label", encoding: TextEncoding = .utf8,
                format: TextFileFormat? = nil, maxSamples: Int? = nil) {
        self.textColumn = textColumn
        self.labelColumn = labelColumn
        self.encoding = encoding
        self.format = format
        self.maxSamples = maxSamples
    }
}
