import Foundation
/// Prints benchmark results, either as aligned text or, with `json`, as one JSON object
/// per line: `{"name": ..., "seconds": ..., "gflops": ...}`.
struct BenchmarkReporter {
    let json: Bool

    /// Reports `name` taking `seconds` per run; `gflops` is omitted when nil.
    func report(name: String, seconds: Double, gflops: Double?) {
        if json {
            var fields = ["\"name\": \(jsonString(name))", "\"seconds\": \(jsonNumber(seconds))"]
            if let gflops { fields.append("\"gflops\": \(jsonNumber(gflops))") }
            print("{" + fields.joined(separator: ", ") + "}")
        } else {
            let time = rightAligned(seconds * 1e6) + " us"
            let rate = gflops.map { "  " + rightAligned($0) + " GFLOP/s" } ?? ""
            let padding = String(repeating: " ", count: max(1, 44 - name.count))
            print(name + padding + time + rate)
        }
    }

    /// Reports a plain number (`{"name": ..., "value": ...}` in JSON), such as a ratio.
    func report(name: String, value: Double) {
        if json {
            print("{\"name\": \(jsonString(name)), \"value\": \(jsonNumber(value))}")
        } else {
            let padding = String(repeating: " ", count: max(1, 44 - name.count))
            print(name + padding + String(format: "%9.3f", value))
        }
    }

    /// Reports a fact that is not a number (`{"name": ..., "text": ...}` in JSON).
    func report(name: String, text: String) {
        if json {
            print("{\"name\": \(jsonString(name)), \"text\": \(jsonString(text))}")
        } else {
            let padding = String(repeating: " ", count: max(1, 44 - name.count))
            print(name + padding + text)
        }
    }

    /// Reports a size in bytes (`{"name": ..., "bytes": ...}` in JSON).
    func report(name: String, bytes: Int) {
        if json {
            print("{\"name\": \(jsonString(name)), \"bytes\": \(bytes)}")
        } else {
            let padding = String(repeating: " ", count: max(1, 44 - name.count))
            print(name + padding + rightAligned(Double(bytes) / 1_048_576) + " MiB")
        }
    }

    /// `value` with one decimal, right-aligned in 9 columns.
    private func rightAligned(_ value: Double) -> String {
        let text = String((value * 10).rounded() / 10)
        return String(repeating: " ", count: max(0, 9 - text.count)) + text
    }

    private func jsonString(_ text: String) -> String {
        var escaped = ""
        for character in text.unicodeScalars {
            switch character {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return "\"" + escaped + "\""
    }

    /// JSON has no NaN or infinity; those become `null`.
    private func jsonNumber(_ value: Double) -> String {
        value.isFinite ? "\(value)" : "null"
    }
}
