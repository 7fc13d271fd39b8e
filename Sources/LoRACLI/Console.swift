import Foundation

/// Where the command line writes: results and logs to standard output, errors to
/// standard error.
enum Console {
    /// Writes `message` to standard error as `error: message`.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
    }

    /// Writes `message` to standard error as `note: message`.
    static func note(_ message: String) {
        FileHandle.standardError.write(Data(("note: " + message + "\n").utf8))
    }

    /// Writes a line to standard output unless `quiet`.
    static func line(_ text: String, quiet: Bool = false) {
        guard !quiet else { return }
        print(text)
        fflush(nil)
    }

    /// Formats `value` with `digits` decimals.
    static func fixed(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }
}
