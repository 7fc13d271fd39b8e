import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file atomically: readers see either the complete old file or the complete new
/// one, never a partial file, even across a crash or power loss.
///
/// Protocol: create a uniquely named temporary file (`.<name>.tmp-<pid>-<random>`) in the
/// destination's directory, write everything, `fsync` it, close it, `rename` it over the
/// destination, then `fsync` the directory so the rename itself is durable. If anything
/// fails before the rename (including an error thrown by the caller's body), the temporary
/// file is removed and an existing file at the destination is left untouched.
///
/// The new file gets the default permissions (0666 minus the umask); the rename replaces a
/// symbolic link at the destination rather than its target.
public enum AtomicFileWriter {

    /// Destination for the bytes of an atomic write. Valid only inside the body closure.
    public final class Sink {
        private let descriptor: Int32
        private let path: String
        /// Number of bytes written so far.
        public private(set) var bytesWritten = 0

        fileprivate init(descriptor: Int32, path: String) {
            self.descriptor = descriptor
            self.path = path
        }

        /// Appends `bytes` to the file, retrying partial writes and interrupted calls.
        public func write(_ bytes: UnsafeRawBufferPointer) throws(SafeTensorsError) {
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                let chunk = min(bytes.count - offset, 1 << 30)
                let written = systemWrite(descriptor, base + offset, chunk)
                if written < 0 {
                    let code = errno
                    if code == EINTR { continue }
                    throw .writeFailed(path: path, operation: "write to the temporary file", reason: MappedBytes.errorText(code))
                }
                if written == 0 {
                    throw .writeFailed(path: path, operation: "write to the temporary file", reason: "the system wrote 0 bytes")
                }
                offset += written
                bytesWritten += written
            }
        }

        /// Appends `bytes` to the file.
        public func write(_ bytes: [UInt8]) throws(SafeTensorsError) {
            var failure: SafeTensorsError?
            bytes.withUnsafeBytes { buffer in
                do throws(SafeTensorsError) { try write(buffer) } catch { failure = error }
            }
            if let failure { throw failure }
        }

        /// Appends `data` to the file.
        public func write(_ data: Data) throws(SafeTensorsError) {
            var failure: SafeTensorsError?
            data.withUnsafeBytes { buffer in
                do throws(SafeTensorsError) { try write(buffer) } catch { failure = error }
            }
            if let failure { throw failure }
        }
    }

    /// Atomically replaces (or creates) the file at `path` with the bytes that `body`
    /// writes to the sink.
    ///
    /// - Throws: ``SafeTensorsError/writeFailed(path:operation:reason:)`` naming `path` and
    ///   the failed step, or whatever `body` throws. Unless the failure is in the final
    ///   directory sync (reported as such), the destination is unchanged when this throws.
    public static func write(toPath path: String, _ body: (Sink) throws -> Void) throws {
        let (directory, fileName) = try split(path)
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let temporaryPath = (directory == "/" ? "" : directory) + "/." + fileName + ".tmp-\(getpid())-" + suffix

        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw SafeTensorsError.writeFailed(
                path: path, operation: "create a temporary file in '\(directory)'", reason: MappedBytes.errorText(errno))
        }
        var isOpen = true
        var isCommitted = false
        defer {
            if isOpen { _ = close(descriptor) }
            if !isCommitted { _ = unlink(temporaryPath) }
        }

        try body(Sink(descriptor: descriptor, path: path))

        guard fsync(descriptor) == 0 else {
            throw SafeTensorsError.writeFailed(path: path, operation: "flush the temporary file to disk (fsync)", reason: MappedBytes.errorText(errno))
        }
        isOpen = false
        guard close(descriptor) == 0 else {
            throw SafeTensorsError.writeFailed(path: path, operation: "close the temporary file", reason: MappedBytes.errorText(errno))
        }
        guard rename(temporaryPath, path) == 0 else {
            throw SafeTensorsError.writeFailed(path: path, operation: "rename the temporary file over the destination", reason: MappedBytes.errorText(errno))
        }
        isCommitted = true
        try syncDirectory(directory, destination: path)
    }

    /// Makes the rename durable. File systems that cannot sync directories are tolerated.
    private static func syncDirectory(_ directory: String, destination: String) throws(SafeTensorsError) {
        let descriptor = open(directory, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .writeFailed(path: destination, operation: "open the directory to sync the rename (the new file is already in place)", reason: MappedBytes.errorText(errno))
        }
        defer { _ = close(descriptor) }
        if fsync(descriptor) != 0 {
            let code = errno
            guard code == EINVAL || code == ENOTSUP || code == EBADF else {
                throw .writeFailed(path: destination, operation: "sync the directory after the rename (the new file is already in place)", reason: MappedBytes.errorText(code))
            }
        }
    }

    /// Splits `path` into its directory ("." when relative without a slash) and file name.
    /// Deletes temporary files that an interrupted ``write(toPath:_:)`` of `path` left
    /// behind (a process killed between creating and renaming its temporary file), except
    /// those of live processes. Returns how many were removed.
    @discardableResult
    public static func removeStaleTemporaryFiles(forPath path: String) -> Int {
        guard let (directory, fileName) = try? split(path),
              let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return 0 }
        let prefix = "." + fileName + ".tmp-"
        var removed = 0
        for entry in entries where entry.hasPrefix(prefix) {
            let owner = entry.dropFirst(prefix.count).split(separator: "-").first.flatMap { Int32($0) }
            if let owner, owner != getpid(), kill(owner, 0) == 0 { continue }
            if owner == getpid() { continue }
            if unlink((directory == "/" ? "" : directory) + "/" + entry) == 0 { removed += 1 }
        }
        return removed
    }

    private static func split(_ path: String) throws(SafeTensorsError) -> (directory: String, fileName: String) {
        guard !path.isEmpty else {
            throw .writeFailed(path: path, operation: "resolve the destination", reason: "the path is empty")
        }
        guard let slash = path.lastIndex(of: "/") else {
            return (".", path)
        }
        let fileName = String(path[path.index(after: slash)...])
        guard !fileName.isEmpty, fileName != ".", fileName != ".." else {
            throw .writeFailed(path: path, operation: "resolve the destination", reason: "the path names a directory, not a file")
        }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, fileName)
    }
}

/// `write(2)`, named apart from the `Sink.write` methods.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(descriptor, buffer, count)
    #elseif canImport(Musl)
    return Musl.write(descriptor, buffer, count)
    #else
    return Darwin.write(descriptor, buffer, count)
    #endif
}
