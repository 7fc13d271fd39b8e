#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces a file atomically: readers see the complete old file or the complete new one,
/// never a partial file, even across a crash or power loss.
///
/// The bytes go to a uniquely named temporary file (`.<name>.tmp-<pid>-<random>`) in the
/// destination's directory, which is synced, closed and renamed over the destination; the
/// directory is then synced so the rename itself is durable. On any failure before the
/// rename, the temporary file is removed and the destination is left as it was.
enum AtomicFile {
    /// Writes `bytes` to the file `fileName` in `directory` (which must exist).
    ///
    /// - Throws: ``ReportingError/reportWriteFailed(path:operation:reason:)`` naming the
    ///   destination and the failed step.
    static func write(_ bytes: [UInt8], toFile fileName: String, in directory: String) throws(ReportingError) {
        let destination = (directory.hasSuffix("/") ? directory : directory + "/") + fileName
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let temporaryPath = (directory.hasSuffix("/") ? directory : directory + "/") + "." + fileName + ".tmp-\(getpid())-" + suffix

        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw .reportWriteFailed(path: destination, operation: "create a temporary file in '\(directory)'",
                                     reason: SystemCalls.errorText(errno))
        }
        var isOpen = true
        var isRenamed = false
        defer {
            if isOpen { SystemCalls.close(descriptor) }
            if !isRenamed { _ = unlink(temporaryPath) }
        }

        if let failure = SystemCalls.writeAll(descriptor, bytes) {
            throw .reportWriteFailed(path: destination, operation: "write the temporary file", reason: failure)
        }
        if let failure = SystemCalls.sync(descriptor) {
            throw .reportWriteFailed(path: destination, operation: "sync the temporary file to disk (fsync)", reason: failure)
        }
        isOpen = false
        SystemCalls.close(descriptor)
        guard rename(temporaryPath, destination) == 0 else {
            throw .reportWriteFailed(path: destination, operation: "rename the temporary file over the destination",
                                     reason: SystemCalls.errorText(errno))
        }
        isRenamed = true

        let directoryDescriptor = open(directory, O_RDONLY | O_CLOEXEC)
        guard directoryDescriptor >= 0 else {
            throw .reportWriteFailed(path: destination, operation: "open the directory to sync the rename (the new file is in place)",
                                     reason: SystemCalls.errorText(errno))
        }
        defer { SystemCalls.close(directoryDescriptor) }
        if let failure = SystemCalls.sync(directoryDescriptor) {
            throw .reportWriteFailed(path: destination, operation: "sync the directory after the rename (the new file is in place)",
                                     reason: failure)
        }
    }
}
