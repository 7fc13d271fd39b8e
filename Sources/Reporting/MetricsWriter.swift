#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a training run's step and epoch records to a JSON Lines file: one compact JSON
/// object per line, each with `"kind"` set to `"step"` or `"epoch"` (see ``StepRecord``
/// and ``EpochRecord`` for the other keys).
///
/// Appending a step only encodes it into an in-memory buffer, which goes to the file in
/// chunks of about ``chunkSize`` bytes. Appending an epoch record writes everything
/// buffered and syncs the file to disk, so a crash loses at most the step lines of the
/// epoch in progress. ``close()`` (or, failing that, deinitialisation) writes the rest.
///
/// A writer is meant to be used from one thread at a time.
public final class MetricsWriter {
    /// The file the records go to.
    public let path: String
    /// How many buffered bytes trigger a write to the file.
    public let chunkSize: Int
    /// Whether ``close()`` was called.
    public private(set) var isClosed = false

    private var descriptor: Int32
    private var buffer: [UInt8] = []

    /// Opens `path` for writing, creating the file if needed.
    ///
    /// - Parameters:
    ///   - path: The metrics file; its directory must exist.
    ///   - appending: Whether to keep the file's current lines and add after them, rather
    ///     than starting the file empty.
    ///   - chunkSize: How many buffered bytes trigger a write (at least 1).
    /// - Throws: ``ReportingError/cannotOpenMetricsFile(path:reason:)`` naming `path` when
    ///   the directory is missing, the location is not writable, or `path` is a directory.
    public init(path: String, appending: Bool = false, chunkSize: Int = 64 * 1024) throws(ReportingError) {
        guard !path.isEmpty else {
            throw .cannotOpenMetricsFile(path: path, reason: "the path is empty")
        }
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (appending ? O_APPEND : O_TRUNC)
        let descriptor = open(path, flags, 0o666)
        guard descriptor >= 0 else {
            throw .cannotOpenMetricsFile(path: path, reason: SystemCalls.errorText(errno))
        }
        self.path = path
        self.descriptor = descriptor
        self.chunkSize = max(chunkSize, 1)
        buffer.reserveCapacity(self.chunkSize + 512)
    }

    deinit {
        if !isClosed {
            if !buffer.isEmpty { _ = SystemCalls.writeAll(descriptor, buffer) }
            SystemCalls.close(descriptor)
        }
    }

    /// Adds one step's line; the line reaches the file with the next chunk, epoch or close.
    ///
    /// - Throws: ``ReportingError/metricsWriterClosed(path:)`` after ``close()``, or
    ///   ``ReportingError/metricsWriteFailed(path:operation:reason:)`` when a chunk write
    ///   fails (the chunk's lines are then dropped).
    public func append(_ record: StepRecord) throws(ReportingError) {
        guard !isClosed else { throw .metricsWriterClosed(path: path) }
        JSONLineEncoding.append(record, to: &buffer)
        if buffer.count >= chunkSize { try writeBuffer() }
    }

    /// Adds one epoch's line, then writes every buffered line and syncs the file to disk.
    ///
    /// - Throws: ``ReportingError/metricsWriterClosed(path:)`` after ``close()``, or
    ///   ``ReportingError/metricsWriteFailed(path:operation:reason:)`` when writing or
    ///   syncing fails.
    public func append(_ record: EpochRecord) throws(ReportingError) {
        guard !isClosed else { throw .metricsWriterClosed(path: path) }
        JSONLineEncoding.append(record, to: &buffer)
        try flush()
    }

    /// Writes every buffered line and syncs the file to disk.
    ///
    /// - Throws: ``ReportingError/metricsWriteFailed(path:operation:reason:)`` when writing
    ///   or syncing fails; nothing after ``close()``.
    public func flush() throws(ReportingError) {
        guard !isClosed else { return }
        try writeBuffer()
        if let failure = SystemCalls.sync(descriptor) {
            throw .metricsWriteFailed(path: path, operation: "sync the file to disk (fsync)", reason: failure)
        }
    }

    /// Writes and syncs every buffered line, then closes the file. Calling it again does
    /// nothing.
    ///
    /// - Throws: ``ReportingError/metricsWriteFailed(path:operation:reason:)``; the file is
    ///   closed even then.
    public func close() throws(ReportingError) {
        guard !isClosed else { return }
        defer {
            isClosed = true
            SystemCalls.close(descriptor)
        }
        try flush()
    }

    /// Hands the buffer to the kernel and empties it, whether or not the write succeeds.
    private func writeBuffer() throws(ReportingError) {
        guard !buffer.isEmpty else { return }
        let failure = SystemCalls.writeAll(descriptor, buffer)
        buffer.removeAll(keepingCapacity: true)
        if let failure {
            throw .metricsWriteFailed(path: path, operation: "write buffered lines", reason: failure)
        }
    }
}
