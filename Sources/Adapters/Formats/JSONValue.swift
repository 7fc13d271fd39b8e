import Foundation

/// A JSON value, written the way Python's `json.dumps(value, indent=2, sort_keys=True)`
/// writes it (which is how PEFT writes `adapter_config.json`): two-space indentation,
/// `": "` between key and value, keys sorted, empty containers as `{}` and `[]`,
/// non-ASCII characters escaped as `\uXXXX`, floats in their shortest round-trip form
/// with a `.0` when integral.
enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The Python-formatted text.
    var pythonFormatted: String {
        var output = ""
        write(into: &output, indentation: 0)
        return output
    }

    private func write(into output: inout String, indentation: Int) {
        switch self {
        case .null: output += "null"
        case let .bool(value): output += value ? "true" : "false"
        case let .integer(value): output += String(value)
        case let .number(value): output += JSONValue.pythonRepresentation(of: value)
        case let .string(value): output += JSONValue.quoted(value)
        case let .array(values):
            guard !values.isEmpty else { output += "[]"; return }
            output += "[\n"
            for (index, value) in values.enumerated() {
                output += String(repeating: " ", count: indentation + 2)
                value.write(into: &output, indentation: indentation + 2)
                output += index == values.count - 1 ? "\n" : ",\n"
            }
            output += String(repeating: " ", count: indentation) + "]"
        case let .object(members):
            guard !members.isEmpty else { output += "{}"; return }
            output += "{\n"
            let keys = members.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
            for (index, key) in keys.enumerated() {
                output += String(repeating: " ", count: indentation + 2) + JSONValue.quoted(key) + ": "
                members[key]?.write(into: &output, indentation: indentation + 2)
                output += index == keys.count - 1 ? "\n" : ",\n"
            }
            output += String(repeating: " ", count: indentation) + "}"
        }
    }

    private static func pythonRepresentation(of value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "Infinity" : "-Infinity") }
        let text = "\(value)"
        return text.contains(".") || text.contains("e") ? text : text + ".0"
    }

    private static func quoted(_ text: String) -> String {
        var result = "\""
        for unit in text.utf16 {
            switch unit {
            case 0x22: result += "\\\""
            case 0x5C: result += "\\\\"
            case 0x0A: result += "\\n"
            case 0x0D: result += "\\r"
            case 0x09: result += "\\t"
            case 0x08: result += "\\b"
            case 0x0C: result += "\\f"
            case 0x20..<0x7F: result.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default: result += String(format: "\\u%04x", unit)
            }
        }
        return result + "\""
    }
}
