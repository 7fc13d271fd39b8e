/// Everything that can go wrong while writing or reading metrics files and writing reports.
///
/// Each case names the file or directory involved, and its ``description`` is a full
/// sentence followed by a hint.
public enum ReportingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The metrics file could not be opened (or created) for writing.
    case cannotOpenMetricsFile(path: String, reason: String)
    /// A system call failed while writing the metrics file; `operation` names the step.
    case metricsWriteFailed(path: String, operation: String, reason: String)
    /// A record was given to a ``MetricsWriter`` after it was closed.
    case metricsWriterClosed(path: String)
    /// The metrics file could not be read.
    case cannotReadMetricsFile(path: String, reason: String)
    /// A line of the metrics file is not a step or epoch record; `line` counts from 1.
    case malformedMetricsLine(path: String, line: Int, reason: String)
    /// The report's directory could not be created.
    case cannotCreateDirectory(path: String, reason: String)
    /// A system call failed while writing the report file; `operation` names the step.
    case reportWriteFailed(path: String, operation: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpenMetricsFile(path, reason):
            return "Cannot open the metrics file '\(path)' for writing: \(reason). Hint: check that its directory exists and is writable."
        case let .metricsWriteFailed(path, operation, reason):
            return "Writing the metrics file '\(path)' failed while trying to \(operation): \(reason). Hint: check that the disk has free space and the file is still writable."
        case let .metricsWriterClosed(path):
            return "The metrics writer for '\(path)' was already closed, so the record was not written. Hint: close the writer only after the last record."
        case let .cannotReadMetricsFile(path, reason):
            return "Cannot read the metrics file '\(path)': \(reason). Hint: check that the path exists and is a readable file."
        case let .malformedMetricsLine(path, line, reason):
            return "Line \(line) of the metrics file '\(path)' is not a metrics record: \(reason). Hint: each line must be a JSON object with \"kind\" set to \"step\" or \"epoch\"; the file may be truncated or was written by another tool."
        case let .cannotCreateDirectory(path, reason):
            return "Cannot create the report directory '\(path)': \(reason). Hint: check that the parent directory is writable and that no file has that name."
        case let .reportWriteFailed(path, operation, reason):
            return "Writing the report '\(path)' failed while trying to \(operation): \(reason). Hint: check that the directory is writable and that the disk has free space."
        }
    }
}
