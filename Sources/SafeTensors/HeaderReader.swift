/// A pull reader over a header whose JSON syntax ``JSONParser/validate(_:)`` has already
/// accepted. It walks objects and arrays one member or element at a time, so the header
/// decoder never materializes a large JSON tree: a hostile 100 MB header costs little more
/// than the tensors it describes.
///
/// Because the syntax was validated, the syntax errors its methods can throw are
/// unreachable in practice; they are still reported (as `headerNotJSON`), never trapped.
struct HeaderReader {
    /// What the next value is, judged from its first byte.
    enum Kind {
        case object, array, string, number, literal, end
    }

    private var parser: JSONParser
    /// Number of objects and arrays currently open, so that values are parsed at their true
    /// depth and the parser's nesting limit means the same as during validation.
    private var depth = 0
    private let path: String

    init(bytes: [UInt8], path: String) {
        parser = JSONParser(bytes: bytes)
        self.path = path
    }

    /// The current read position, to come back to with ``rewind(to:)``.
    var mark: Int { parser.position }

    /// Re-reads from a position obtained from ``mark`` at the same nesting depth.
    mutating func rewind(to mark: Int) {
        parser.position = mark
    }

    /// The kind of the next value (skipping whitespace).
    mutating func kind() -> Kind {
        parser.skipWhitespace()
        guard let byte = parser.peek() else { return .end }
        switch byte {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: return .literal
        }
    }

    /// Reads and builds the next value. Meant for scalars; containers are built whole.
    mutating func value() throws(SafeTensorsError) -> JSONValue {
        do {
            return try parser.parseValue(depth: depth)
        } catch {
            throw syntaxError(error)
        }
    }

    /// Consumes the next value without building it.
    mutating func skip() throws(SafeTensorsError) {
        do {
            try parser.skipValue(depth: depth)
        } catch {
            throw syntaxError(error)
        }
    }

    /// Fails unless only whitespace is left.
    mutating func expectEnd() throws(SafeTensorsError) {
        do {
            try parser.expectEnd()
        } catch {
            throw syntaxError(error)
        }
    }

    /// Consumes the next value and describes it for an error message, the way
    /// ``JSONValue/summary`` does, without building large containers.
    mutating func summary() throws(SafeTensorsError) -> String {
        switch kind() {
        case .object:
            var count = 0
            try members { reader, _ throws(SafeTensorsError) in
                count += 1
                try reader.skip()
            }
            return count == 0 ? "an empty object" : "an object"
        case .array:
            var count = 0
            var texts: [String] = []
            var allScalars = true
            try elements { reader, _ throws(SafeTensorsError) in
                count += 1
                switch reader.kind() {
                case .object, .array:
                    allScalars = false
                    try reader.skip()
                default:
                    let element = try reader.value()
                    if texts.count < 5 {
                        texts.append(element.scalarText ?? "")
                    }
                }
            }
            if allScalars && count <= 4 {
                return "[" + texts.joined(separator: ", ") + "]"
            }
            return "an array of \(count) element\(count == 1 ? "" : "s")"
        default:
            return try value().summary
        }
    }

    /// Walks the object that comes next, calling `body` with each key; `body` must consume
    /// exactly the member's value.
    mutating func members(
        _ body: (inout HeaderReader, String) throws(SafeTensorsError) -> Void
    ) throws(SafeTensorsError) {
        depth += 1
        defer { depth -= 1 }
        do {
            try parser.expect(UInt8(ascii: "{"), "expected '{'")
            parser.skipWhitespace()
            if parser.peek() == UInt8(ascii: "}") {
                parser.position += 1
                return
            }
            while true {
                parser.skipWhitespace()
                guard parser.peek() == UInt8(ascii: "\"") else {
                    throw parser.failure("expected a string key but found \(parser.describeCurrent())")
                }
                let key = try parser.parseString()
                try parser.expect(UInt8(ascii: ":"), "expected ':' after a key")
                try body(&self, key)
                parser.skipWhitespace()
                switch parser.peek() {
                case UInt8(ascii: ","):
                    parser.position += 1
                case UInt8(ascii: "}"):
                    parser.position += 1
                    return
                default:
                    throw parser.failure("expected ',' or '}' in an object but found \(parser.describeCurrent())")
                }
            }
        } catch {
            throw headerError(error)
        }
    }

    /// Walks the array that comes next, calling `body` with each element's index; `body`
    /// must consume exactly the element.
    mutating func elements(
        _ body: (inout HeaderReader, Int) throws(SafeTensorsError) -> Void
    ) throws(SafeTensorsError) {
        depth += 1
        defer { depth -= 1 }
        do {
            try parser.expect(UInt8(ascii: "["), "expected '['")
            parser.skipWhitespace()
            if parser.peek() == UInt8(ascii: "]") {
                parser.position += 1
                return
            }
            var index = 0
            while true {
                try body(&self, index)
                index += 1
                parser.skipWhitespace()
                switch parser.peek() {
                case UInt8(ascii: ","):
                    parser.position += 1
                case UInt8(ascii: "]"):
                    parser.position += 1
                    return
                default:
                    throw parser.failure("expected ',' or ']' in an array but found \(parser.describeCurrent())")
                }
            }
        } catch {
            throw headerError(error)
        }
    }

    private func syntaxError(_ error: JSONSyntaxError) -> SafeTensorsError {
        .headerNotJSON(path: path, byteOffset: error.offset, reason: error.message)
    }

    /// Any error from walking the header as a ``SafeTensorsError``: JSON syntax errors at
    /// their offset, ours unchanged, anything else at the current position.
    private func headerError(_ error: any Error) -> SafeTensorsError {
        switch error {
        case let error as JSONSyntaxError: syntaxError(error)
        case let error as SafeTensorsError: error
        default: .headerNotJSON(path: path, byteOffset: parser.position, reason: String(describing: error))
        }
    }
}
