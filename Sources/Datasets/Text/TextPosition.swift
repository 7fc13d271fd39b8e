/// A place in a text file: 1-based line (lines end at LF) and 1-based column, counted in
/// characters (Unicode scalars) from the line's start, a byte order mark not counted.
public struct TextPosition: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let line: Int
    public let column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "line \(line), column \(column)" }
}

/// Turns byte offsets of a file's bytes into ``TextPosition``s.
struct TextPositionLocator {
    let bytes: UnsafeBufferPointer<UInt8>
    let encoding: TextEncoding

    /// The position of the byte at `offset`, given that the line `line` starts at byte
    /// `lineStart` (at or before `offset`); line breaks in between are counted.
    func position(ofOffset offset: Int, line: Int, lineStart: Int) -> TextPosition {
        var line = line, lineStart = lineStart
        var index = lineStart
        while index < offset {
            if bytes[index] == UInt8(ascii: "\n") { line += 1; lineStart = index + 1 }
            index += 1
        }
        var column = 1
        switch encoding {
        case .latin1:
            column += offset - lineStart
        case .utf8:
            // Every byte that is not a continuation byte (10xxxxxx) starts a character.
            for index in lineStart..<offset where bytes[index] & 0xC0 != 0x80 { column += 1 }
        }
        return TextPosition(line: line, column: column)
    }
}
