import Foundation

/// The step and epoch records of a metrics file written by ``MetricsWriter``, in file
/// order, for example to render an ``HTMLReport`` after the run.
public struct MetricsLog: Sendable, Equatable {
    /// The step records, in file order.
    public var steps: [StepRecord]
    /// The epoch records, in file order.
    public var epochs: [EpochRecord]

    public init(steps: [StepRecord] = [], epochs: [EpochRecord] = []) {
        self.steps = steps
        self.epochs = epochs
    }

    /// Reads every record of the metrics file at `path`. Blank lines are skipped, and so is
    /// an unparsable last line without a line break (the trace of a crash mid-write).
    ///
    /// - Throws: ``ReportingError/cannotReadMetricsFile(path:reason:)`` when the file cannot
    ///   be read, or ``ReportingError/malformedMetricsLine(path:line:reason:)`` naming the
    ///   first line that is not a step or epoch record.
    public init(contentsOfFile path: String) throws(ReportingError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .cannotReadMetricsFile(path: path, reason: Self.reason(for: error))
        }
        self.init()
        let decoder = JSONDecoder()
        let newline = UInt8(ascii: "\n")
        let lines = data.split(separator: newline, omittingEmptySubsequences: false)
        let endsWithNewline = data.last == newline
        for (index, line) in lines.enumerated() {
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) { continue }
            let isUnterminatedLastLine = index == lines.count - 1 && !endsWithNewline
            do {
                let kind = try decoder.decode(RecordKind.self, from: line).kind
                switch kind {
                case "step": steps.append(try decoder.decode(StepRecord.self, from: line))
                case "epoch": epochs.append(try decoder.decode(EpochRecord.self, from: line))
                default:
                    throw ReportingError.malformedMetricsLine(
                        path: path, line: index + 1, reason: "its \"kind\" is \"\(kind)\", not \"step\" or \"epoch\"")
                }
            } catch let error as ReportingError {
                throw error
            } catch {
                if isUnterminatedLastLine { break }
                throw .malformedMetricsLine(path: path, line: index + 1, reason: Self.reason(for: error))
            }
        }
    }

    /// The `"kind"` member every metrics line has.
    private struct RecordKind: Decodable {
        let kind: String
    }

    /// A short, readable account of a Foundation reading or decoding error.
    private static func reason(for error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _):
            return "the key \"\(key.stringValue)\" is missing"
        case DecodingError.typeMismatch(let type, let context), DecodingError.valueNotFound(let type, let context):
            let key = context.codingPath.last?.stringValue ?? "value"
            return "\"\(key)\" is not a valid \(type)"
        case DecodingError.dataCorrupted:
            return "it is not valid JSON"
        default:
            let nsError = error as NSError
            if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
                return SystemCalls.errorText(Int32(underlying.code))
            }
            return nsError.localizedDescription
        }
    }
}
