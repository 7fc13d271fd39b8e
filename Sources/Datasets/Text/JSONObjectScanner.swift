/// A JSON value found in an object, as the text reader needs it.
enum JSONFieldValue: Equatable {
    case string(String)
    /// A number, as written (`1`, `-2.5e3`).
    case number(String)
    case boolean(Bool)
    case null
    case array
    case object

    /// What the value is, for error messages.
    var kindDescription: String {
        switch self {
        case .string: return "a string"
        case .number: return "a number"
        case .boolean: return "a Boolean"
        case .null: return "null"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// Reads one line of a JSON Lines file (RFC 8259): it must hold one JSON object (white
/// space around it allowed); the values of the keys in `wanted` are returned with the byte
/// offset where each starts, every other value is checked and skipped. A key given twice
/// keeps its last value (as Python's `json` does).
///
/// Works on the file's bytes: for ``TextEncoding/utf8`` the line has been validated before;
/// for ``TextEncoding/latin1`` bytes above 0x7F inside strings are read as U+0080…U+00FF.
/// Nesting deeper than ``maximumDepth`` is an error (a bound on the recursion).
struct JSONObjectScanner {
    static let maximumDepth = 128

    let bytes: UnsafeBufferPointer<UInt8>
    let encoding: TextEncoding
    private(set) var position: Int
    let end: Int

    /// A syntax error at byte `offset`.
    struct SyntaxError: Error {
        let offset: Int
        let reason: String
    }

    init(bytes: UnsafeBufferPointer<UInt8>, encoding: TextEncoding, start: Int, end: Int) {
        self.bytes = bytes
        self.encoding = encoding
        self.position = start
        self.end = end
    }

    /// The wanted keys' values and offsets; the byte offset of the object's opening brace.
    mutating func readObject(wanted: [String]) throws(SyntaxError) -> (values: [String: (JSONFieldValue, Int)], objectStart: Int) {
        skipWhiteSpace()
        let objectStart = position
        guard peek() == UInt8(ascii: "{") else {
            throw SyntaxError(offset: position, reason: position < end ? "expected '{' to start an object, found \(describeByte())" : "expected an object, found nothing")
        }
        position += 1
        var values: [String: (JSONFieldValue, Int)] = [:]
        skipWhiteSpace()
        if peek() == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                skipWhiteSpace()
                guard peek() == UInt8(ascii: "\"") else { throw SyntaxError(offset: position, reason: "expected a key in double quotes, found \(describeByte())") }
                let key = try readString()
                try expect(":")
                skipWhiteSpace()
                let valueStart = position
                if wanted.contains(key) {
                    values[key] = (try readValue(depth: 1), valueStart)
                } else {
                    _ = try readValue(depth: 1)
                }
                skipWhiteSpace()
                if peek() == UInt8(ascii: ",") { position += 1; continue }
                if peek() == UInt8(ascii: "}") { position += 1; break }
                throw SyntaxError(offset: position, reason: "expected ',' or '}' in the object, found \(describeByte())")
            }
        }
        skipWhiteSpace()
        guard position == end else { throw SyntaxError(offset: position, reason: "expected the line to end after the object, found \(describeByte())") }
        return (values, objectStart)
    }

    private func peek() -> UInt8? { position < end ? bytes[position] : nil }

    private func describeByte() -> String {
        guard position < end else { return "the end of the line" }
        let character = CSVScanner.character(at: position, in: UnsafeBufferPointer(rebasing: bytes[..<end]), encoding: encoding)
        return "'\(character)'"
    }

    private mutating func skipWhiteSpace() {
        while position < end {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"): position += 1
            default: return
            }
        }
    }

    private mutating func expect(_ character: Unicode.Scalar) throws(SyntaxError) {
        skipWhiteSpace()
        guard peek() == UInt8(ascii: character) else {
            throw SyntaxError(offset: position, reason: "expected '\(character)', found \(describeByte())")
        }
        position += 1
    }

    /// Any value; containers are checked and skipped.
    private mutating func readValue(depth: Int) throws(SyntaxError) -> JSONFieldValue {
        guard let byte = peek() else { throw SyntaxError(offset: position, reason: "expected a value, found the end of the line") }
        switch byte {
        case UInt8(ascii: "\""):
            return .string(try readString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try readNumber())
        case UInt8(ascii: "t"):
            try readLiteral("true"); return .boolean(true)
        case UInt8(ascii: "f"):
            try readLiteral("false"); return .boolean(false)
        case UInt8(ascii: "n"):
            try readLiteral("null"); return .null
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            guard depth < Self.maximumDepth else { throw SyntaxError(offset: position, reason: "values nested deeper than \(Self.maximumDepth) levels") }
            let isArray = byte == UInt8(ascii: "[")
            let closer = isArray ? UInt8(ascii: "]") : UInt8(ascii: "}")
            position += 1
            skipWhiteSpace()
            if peek() == closer { position += 1; return isArray ? .array : .object }
            while true {
                skipWhiteSpace()
                if !isArray {
                    guard peek() == UInt8(ascii: "\"") else { throw SyntaxError(offset: position, reason: "expected a key in double quotes, found \(describeByte())") }
                    _ = try readString()
                    try expect(":")
                    skipWhiteSpace()
                }
                _ = try readValue(depth: depth + 1)
                skipWhiteSpace()
                if peek() == UInt8(ascii: ",") { position += 1; continue }
                if peek() == closer { position += 1; return isArray ? .array : .object }
                throw SyntaxError(offset: position, reason: "expected ',' or '\(Unicode.Scalar(closer))', found \(describeByte())")
            }
        default:
            throw SyntaxError(offset: position, reason: "expected a value, found \(describeByte())")
        }
    }

    private mutating func readLiteral(_ literal: StaticString) throws(SyntaxError) {
        let start = position
        for expected in UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount) {
            guard peek() == expected else { throw SyntaxError(offset: start, reason: "expected a value, found \(describeByte())") }
            position += 1
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, returned as written.
    private mutating func readNumber() throws(SyntaxError) -> String {
        let start = position
        func digits() -> Int {
            let first = position
            while let byte = peek(), byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { position += 1 }
            return position - first
        }
        if peek() == UInt8(ascii: "-") { position += 1 }
        if peek() == UInt8(ascii: "0") {
            position += 1
        } else if digits() == 0 {
            throw SyntaxError(offset: position, reason: "expected a digit in the number, found \(describeByte())")
        }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { throw SyntaxError(offset: position, reason: "expected a digit after the decimal point, found \(describeByte())") }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw SyntaxError(offset: position, reason: "expected a digit in the exponent, found \(describeByte())") }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    /// A string at `position` (its opening quote), escapes resolved; an unclosed string is
    /// reported where it opens.
    private mutating func readString() throws(SyntaxError) -> String {
        let start = position
        position += 1
        var utf8: [UInt8] = []
        while true {
            guard let byte = peek() else { throw SyntaxError(offset: start, reason: "the string is not closed before the end of the line") }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                guard let escaped = peek() else { throw SyntaxError(offset: start, reason: "the string is not closed before the end of the line") }
                position += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    let escapeStart = position - 2
                    var value = try readHexQuad()
                    if (0xD800..<0xDC00).contains(value) {
                        guard peek() == UInt8(ascii: "\\"), position + 1 < end, bytes[position + 1] == UInt8(ascii: "u") else {
                            throw SyntaxError(offset: escapeStart, reason: "a high surrogate \\u escape without its low surrogate")
                        }
                        position += 2
                        let low = try readHexQuad()
                        guard (0xDC00..<0xE000).contains(low) else {
                            throw SyntaxError(offset: escapeStart, reason: "a high surrogate \\u escape without its low surrogate")
                        }
                        value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(value) {
                        throw SyntaxError(offset: escapeStart, reason: "a low surrogate \\u escape without a high surrogate before it")
                    }
                    // Valid by construction: not a surrogate, at most 0x10FFFF.
                    utf8.append(contentsOf: Unicode.UTF8.encode(Unicode.Scalar(value)!)!)
                default:
                    throw SyntaxError(offset: position - 2, reason: "an unknown escape '\\\(Unicode.Scalar(escaped))' in a string")
                }
            default:
                guard byte >= 0x20 else { throw SyntaxError(offset: position, reason: "a control character (0x\(String(byte, radix: 16, uppercase: true))) inside a string; write it as an escape") }
                if byte >= 0x80 && encoding == .latin1 {
                    utf8.append(0xC0 | (byte >> 6))
                    utf8.append(0x80 | (byte & 0x3F))
                } else {
                    utf8.append(byte)
                }
                position += 1
            }
        }
    }

    private mutating func readHexQuad() throws(SyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek() else { throw SyntaxError(offset: position, reason: "a \\u escape needs four hexadecimal digits") }
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw SyntaxError(offset: position, reason: "a \\u escape needs four hexadecimal digits")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }
}
