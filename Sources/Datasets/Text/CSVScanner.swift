/// One field of a CSV record: where its content lies in the file's bytes.
struct CSVField {
    /// The content's bytes, without the enclosing quotes: `contentStart..<contentEnd`.
    var contentStart: Int
    var contentEnd: Int
    /// Whether the content holds doubled quotes (`""`) to be read as one.
    var hasDoubledQuotes: Bool
    /// The field's first byte (its opening quote, if quoted), on line `line` that starts at
    /// byte `lineStart`.
    var start: Int
    var line: Int
    var lineStart: Int
}

/// Splits CSV bytes into records and fields (RFC 4180), byte by byte: the structural
/// characters (`"` `,` CR LF) are ASCII, so this works for UTF-8 and Latin-1 alike and
/// decodes nothing; the reader decodes only the fields it keeps.
///
/// - A field starting with `"` is quoted: it runs to the next `"` that is not doubled; it
///   may hold commas, CR and LF; `""` stands for one `"`. After its closing quote comes a
///   comma, a line end or the end of the file, anything else is an error.
/// - Any other field runs to the next comma or line end; a `"` inside it is text
///   (as Python's `csv` reads it).
/// - A record ends at LF or CRLF; a CR not followed by LF is text. A line with nothing on
///   it is skipped; the last record need not end with a line break.
struct CSVScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    let locator: TextPositionLocator
    let source: String
    private(set) var position: Int
    private(set) var line = 1
    private(set) var lineStart: Int

    private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","),
                       cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    init(bytes: UnsafeBufferPointer<UInt8>, start: Int, encoding: TextEncoding, source: String) {
        self.bytes = bytes
        self.locator = TextPositionLocator(bytes: bytes, encoding: encoding)
        self.source = source
        position = start
        lineStart = start
    }

    /// Reads the next record into `fields` (emptied first); false at the end of the input.
    mutating func nextRecord(into fields: inout [CSVField]) throws(TextDataError) -> Bool {
        fields.removeAll(keepingCapacity: true)
        let count = bytes.count
        skipBlankLines()
        guard position < count else { return false }
        while true {
            let start = position
            // After a comma at the very end, the last field is empty: `position == count`.
            if position < count && bytes[position] == Self.quote {
                let line = line, lineStart = lineStart
                position += 1
                let contentStart = position
                var hasDoubledQuotes = false
                while true {
                    guard position < count else {
                        throw .unterminatedQuote(path: source, position: locator.position(ofOffset: start, line: line, lineStart: lineStart))
                    }
                    let byte = bytes[position]
                    if byte == Self.quote {
                        if position + 1 < count && bytes[position + 1] == Self.quote {
                            hasDoubledQuotes = true
                            position += 2
                            continue
                        }
                        break
                    }
                    if byte == Self.lf { self.line += 1; self.lineStart = position + 1 }
                    position += 1
                }
                fields.append(CSVField(contentStart: contentStart, contentEnd: position, hasDoubledQuotes: hasDoubledQuotes,
                                       start: start, line: line, lineStart: lineStart))
                position += 1
            } else {
                while position < count {
                    let byte = bytes[position]
                    if byte == Self.comma || byte == Self.lf || (byte == Self.cr && isLF(at: position + 1)) { break }
                    position += 1
                }
                fields.append(CSVField(contentStart: start, contentEnd: position, hasDoubledQuotes: false,
                                       start: start, line: line, lineStart: lineStart))
            }
            guard position < count else { return true }
            let byte = bytes[position]
            if byte == Self.comma {
                position += 1
                continue
            }
            if byte == Self.lf || (byte == Self.cr && isLF(at: position + 1)) {
                position += byte == Self.lf ? 1 : 2
                line += 1
                lineStart = position
                return true
            }
            let found = Self.character(at: position, in: bytes, encoding: locator.encoding)
            throw .characterAfterClosingQuote(path: source, position: locator.position(ofOffset: position, line: line, lineStart: lineStart),
                                              character: found)
        }
    }

    /// The content of `field` (doubled quotes read as one), decoded.
    func text(of field: CSVField) throws(TextDataError) -> String {
        let content = UnsafeBufferPointer(rebasing: bytes[field.contentStart..<field.contentEnd])
        let invalidOffset: Int
        if field.hasDoubledQuotes {
            var unquoted: [UInt8] = []
            unquoted.reserveCapacity(content.count)
            var sourceOffsets: [Int] = []   // for the error position only
            var index = 0
            while index < content.count {
                unquoted.append(content[index])
                sourceOffsets.append(index)
                index += content[index] == Self.quote ? 2 : 1
            }
            let decoded = unquoted.withUnsafeBufferPointer { locator.encoding.decode($0) }
            switch decoded {
            case .success(let text): return text
            case .failure(let failure): invalidOffset = field.contentStart + sourceOffsets[failure.offset]
            }
        } else {
            switch locator.encoding.decode(content) {
            case .success(let text): return text
            case .failure(let failure): invalidOffset = field.contentStart + failure.offset
            }
        }
        throw .invalidEncoding(path: source, position: locator.position(ofOffset: invalidOffset, line: field.line, lineStart: field.lineStart),
                               byte: bytes[invalidOffset], encoding: locator.encoding)
    }

    /// The position of `field`'s first byte.
    func position(of field: CSVField) -> TextPosition {
        locator.position(ofOffset: field.start, line: field.line, lineStart: field.lineStart)
    }

    private func isLF(at index: Int) -> Bool { index < bytes.count && bytes[index] == Self.lf }

    private mutating func skipBlankLines() {
        while position < bytes.count {
            if bytes[position] == Self.lf {
                position += 1
            } else if bytes[position] == Self.cr && isLF(at: position + 1) {
                position += 2
            } else {
                return
            }
            line += 1
            lineStart = position
        }
    }

    /// The character starting at `offset`, for error messages (`\u{FFFD}` if undecodable).
    static func character(at offset: Int, in bytes: UnsafeBufferPointer<UInt8>, encoding: TextEncoding) -> String {
        let end = min(bytes.count, offset + (encoding == .utf8 ? 4 : 1))
        let decoded: String
        switch encoding.decode(UnsafeBufferPointer(rebasing: bytes[offset..<end])) {
        case .success(let text): decoded = text
        case .failure(let failure) where failure.offset > 0:
            decoded = TextEncoding.utf8.decodeValidPrefix(UnsafeBufferPointer(rebasing: bytes[offset..<(offset + failure.offset)]))
        case .failure: decoded = "\u{FFFD}"
        }
        guard let first = decoded.unicodeScalars.first else { return "\u{FFFD}" }
        switch first {
        case "\r": return "\\r"
        case "\t": return "\\t"
        default: return String(first)
        }
    }
}

extension TextEncoding {
    /// `bytes` known to be valid in this encoding.
    func decodeValidPrefix(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        self == .utf8 ? String(decoding: bytes, as: UTF8.self) : Self.latin1String(bytes)
    }
}
