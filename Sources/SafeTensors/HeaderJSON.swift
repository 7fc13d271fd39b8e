/// A JSON value parsed from a safetensors header.
///
/// Objects keep their members in file order *including duplicates* (`JSONSerialization`
/// and most JSON libraries silently keep only one of them). Numbers keep their literal text
/// so that integers of any size are judged exactly, never through a lossy `Double`. The
/// header decoder builds only small values (scalars); see ``HeaderReader``.
enum JSONValue: Sendable {
    case object([JSONMember])
    case array([JSONValue])
    case string(String)
    /// The number's literal as written, already checked against the JSON grammar.
    case number(String)
    case bool(Bool)
    case null

    /// A short English description of the value for error messages ("the number -1",
    /// "an array of 3 elements", ...). Long literals are shortened.
    var summary: String {
        switch self {
        case .object(let members):
            return members.isEmpty ? "an empty object" : "an object"
        case .array(let elements):
            let scalars = elements.compactMap(\.scalarText)
            if scalars.count == elements.count, elements.count <= 4 {
                return "[" + scalars.joined(separator: ", ") + "]"
            }
            return "an array of \(elements.count) element\(elements.count == 1 ? "" : "s")"
        case .string(let text):
            return "the string \"\(JSONValue.shorten(text))\""
        case .number(let literal):
            return "the number \(JSONValue.shorten(literal))"
        case .bool(let flag):
            return "the boolean \(flag)"
        case .null:
            return "null"
        }
    }

    /// The literal of a scalar (number, string, boolean, null), shortened; `nil` otherwise.
    var scalarText: String? {
        switch self {
        case .number(let literal): return JSONValue.shorten(literal)
        case .string(let text): return "\"" + JSONValue.shorten(text) + "\""
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .object, .array: return nil
        }
    }

    /// The value as a non-negative integer literal that fits in `UInt64`, else `nil`.
    /// Fractions, exponents and minus signs are rejected even when the value is integral.
    var nonNegativeInteger: UInt64? {
        guard case .number(let literal) = self else { return nil }
        guard !literal.isEmpty,
              literal.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return UInt64(literal)
    }

    private static func shorten(_ text: String) -> String {
        text.count <= 40 ? text : String(text.prefix(37)) + "..."
    }
}

/// One `"key": value` pair of a JSON object.
struct JSONMember: Sendable {
    let key: String
    let value: JSONValue
}

/// Why and where a header failed to parse as JSON.
struct JSONSyntaxError: Error, Sendable {
    /// Byte offset from the start of the parsed text.
    let offset: Int
    let message: String
}

/// A small, strict RFC 8259 JSON parser for safetensors headers.
///
/// ``validate(_:)`` checks a whole text without building anything; ``HeaderReader`` then
/// reads the validated text piece by piece with the same primitives. The input must already
/// be valid UTF-8. Nesting is limited to ``maximumDepth`` levels so that hostile input
/// cannot exhaust the stack; a safetensors header needs three. All indexing is
/// bounds-checked and no number is ever converted lossily.
struct JSONParser {
    /// Deepest nesting of arrays and objects accepted.
    static let maximumDepth = 64

    private let bytes: [UInt8]
    /// Offset of the next byte to read. Setting it back to an earlier value re-reads text.
    var position = 0
    /// When `false`, values are checked but not built (strings, arrays and objects come back
    /// empty), so arbitrarily large input is checked in constant memory.
    private var building = true

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Checks that `bytes` is exactly one JSON value surrounded by optional whitespace,
    /// without building it.
    static func validate(_ bytes: [UInt8]) throws(JSONSyntaxError) {
        var parser = JSONParser(bytes: bytes)
        parser.building = false
        _ = try parser.parseValue(depth: 0)
        try parser.expectEnd()
    }

    /// Skips trailing whitespace and fails unless the input ends there.
    mutating func expectEnd() throws(JSONSyntaxError) {
        skipWhitespace()
        guard position == bytes.count else {
            throw failure("unexpected \(describeCurrent()) after the end of the JSON value")
        }
    }

    /// Consumes the next value without building it.
    mutating func skipValue(depth: Int) throws(JSONSyntaxError) {
        let wasBuilding = building
        building = false
        defer { building = wasBuilding }
        _ = try parseValue(depth: depth)
    }

    /// Skips whitespace, then consumes `byte` or fails with `message`.
    mutating func expect(_ byte: UInt8, _ message: @autoclosure () -> String) throws(JSONSyntaxError) {
        skipWhitespace()
        guard peek() == byte else {
            throw failure("\(message()) but found \(describeCurrent())")
        }
        position += 1
    }

    // MARK: Values

    mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        skipWhitespace()
        guard let byte = peek() else {
            throw failure("unexpected end of input where a value was expected")
        }
        switch byte {
        case UInt8(ascii: "{"):
            return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["):
            return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        default:
            throw failure("unexpected \(describeCurrent()) where a value was expected")
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= JSONParser.maximumDepth else {
            throw failure("nesting deeper than \(JSONParser.maximumDepth) levels")
        }
        position += 1  // "{"
        var members: [JSONMember] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else {
                throw failure("expected a string key but found \(describeCurrent())")
            }
            let key = try parseString()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else {
                throw failure("expected ':' after the key \"\(key)\" but found \(describeCurrent())")
            }
            position += 1
            let value = try parseValue(depth: depth)
            if building {
                members.append(JSONMember(key: key, value: value))
            }
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                position += 1
            case UInt8(ascii: "}"):
                position += 1
                return .object(members)
            default:
                throw failure("expected ',' or '}' in an object but found \(describeCurrent())")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= JSONParser.maximumDepth else {
            throw failure("nesting deeper than \(JSONParser.maximumDepth) levels")
        }
        position += 1  // "["
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            let element = try parseValue(depth: depth)
            if building {
                elements.append(element)
            }
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                position += 1
            case UInt8(ascii: "]"):
                position += 1
                return .array(elements)
            default:
                throw failure("expected ',' or ']' in an array but found \(describeCurrent())")
            }
        }
    }

    // MARK: Strings

    /// Parses the string starting at the current byte, which must be its opening quote.
    mutating func parseString() throws(JSONSyntaxError) -> String {
        position += 1  // opening quote
        var utf8: [UInt8] = []
        while true {
            guard let byte = peek() else {
                throw failure("unterminated string")
            }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                // The input is valid UTF-8 and escapes are encoded as valid UTF-8 below,
                // so decoding is lossless.
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                try parseEscape(into: &utf8)
                if !building {
                    utf8.removeAll(keepingCapacity: true)
                }
            case 0x00..<0x20:
                throw failure("unescaped control character \(describeCurrent()) in a string")
            default:
                if building {
                    utf8.append(byte)
                }
                position += 1
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(JSONSyntaxError) {
        guard let byte = peek() else {
            throw failure("unterminated escape sequence")
        }
        position += 1
        switch byte {
        case UInt8(ascii: "\""): utf8.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): utf8.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): utf8.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try parseHex4()
            var scalarValue = UInt32(unit)
            if (0xD800...0xDBFF).contains(unit) {
                guard peek() == UInt8(ascii: "\\"), peek(offset: 1) == UInt8(ascii: "u") else {
                    throw failure("high surrogate \\u\(hex(unit)) is not followed by a low surrogate")
                }
                position += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw failure("high surrogate \\u\(hex(unit)) is followed by \\u\(hex(low)), not a low surrogate")
                }
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw failure("lone low surrogate \\u\(hex(unit))")
            }
            guard let scalar = Unicode.Scalar(scalarValue) else {
                throw failure("invalid Unicode scalar in a \\u escape")
            }
            if building {
                utf8.append(contentsOf: String(Character(scalar)).utf8)
            }
        default:
            position -= 1
            throw failure("invalid escape sequence '\\' followed by \(describeCurrent())")
        }
    }

    private mutating func parseHex4() throws(JSONSyntaxError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = peek() else {
                throw failure("unterminated \\u escape")
            }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("expected a hexadecimal digit in a \\u escape but found \(describeCurrent())")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    private func hex(_ unit: UInt16) -> String {
        let digits = String(unit, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    // MARK: Numbers and literals

    private mutating func parseNumber() throws(JSONSyntaxError) -> String {
        let start = position
        if peek() == UInt8(ascii: "-") {
            position += 1
        }
        guard let first = peek(), isDigit(first) else {
            throw failure("expected a digit in a number but found \(describeCurrent())")
        }
        position += 1
        if first != UInt8(ascii: "0") {
            skipDigits()
        }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard let byte = peek(), isDigit(byte) else {
                throw failure("expected a digit after the decimal point but found \(describeCurrent())")
            }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") {
                position += 1
            }
            guard let byte = peek(), isDigit(byte) else {
                throw failure("expected a digit in an exponent but found \(describeCurrent())")
            }
            skipDigits()
        }
        return building ? String(decoding: bytes[start..<position], as: UTF8.self) : ""
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let start = position
        var matched = true
        literal.withUTF8Buffer { expected in
            for (index, byte) in expected.enumerated() where peek(offset: index) != byte {
                matched = false
                break
            }
        }
        guard matched else {
            throw failure("unexpected \(describeCurrent()) where a value was expected")
        }
        position = start + literal.utf8CodeUnitCount
    }

    // MARK: Helpers

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while let byte = peek(), isDigit(byte) {
            position += 1
        }
    }

    mutating func skipWhitespace() {
        while let byte = peek(),
              byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            position += 1
        }
    }

    func peek(offset: Int = 0) -> UInt8? {
        let index = position + offset
        return index >= 0 && index < bytes.count ? bytes[index] : nil
    }

    func describeCurrent() -> String {
        guard let byte = peek() else { return "end of input" }
        if byte >= 0x21 && byte < 0x7F {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        let digits = String(byte, radix: 16, uppercase: true)
        return "byte 0x" + (digits.count < 2 ? "0" : "") + digits
    }

    func failure(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: position, message: message)
    }
}
