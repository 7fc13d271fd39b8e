import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The POSIX file operations the downloader needs, each failure reported as
/// `DatasetDownloadError.fileSystem` naming the path.
///
/// Durability: a finished download is `fsync`ed, renamed over its final name (`rename(2)`
/// replaces atomically, so a reader sees either no file or the whole file), and then the
/// directory is `fsync`ed so the rename itself survives a crash.
enum CacheFiles {
    /// The size of the regular file at `path`, or nil if there is none.
    static func size(atPath path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else { return nil }
        return Int64(info.st_size)
    }

    /// Whether a directory (or a link to one) exists at `path`.
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & mode_t(S_IFMT) == mode_t(S_IFDIR)
    }

    /// Creates `path` and its missing parents.
    static func createDirectory(_ path: String) throws(DatasetDownloadError) {
        if isDirectory(path) { return }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .fileSystem(path: path, reason: "the directory could not be created (\(error.localizedDescription))")
        }
    }

    /// Deletes the file at `path` if there is one.
    static func remove(_ path: String) throws(DatasetDownloadError) {
        if unlink(path) != 0 && errno != ENOENT {
            throw .fileSystem(path: path, reason: "it could not be deleted (\(systemMessage(errno)))")
        }
    }

    /// The lower-case hexadecimal SHA-256 of the file at `path`, read in 1 MiB chunks.
    static func sha256(ofFileAtPath path: String) throws(DatasetDownloadError) -> String {
        do {
            return try SHA256.hexDigest(ofFileAtPath: path)
        } catch {
            throw .fileSystem(path: path, reason: error.description)
        }
    }

    /// Flushes the file at `path` to stable storage.
    static func sync(_ path: String) throws(DatasetDownloadError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .fileSystem(path: path, reason: "it could not be opened to sync (\(systemMessage(errno)))") }
        defer { close(fd) }
        if fsync(fd) != 0 && errno != EINVAL && errno != EROFS {
            throw .fileSystem(path: path, reason: "fsync failed (\(systemMessage(errno)))")
        }
    }

    /// Renames `source` to `destination` (replacing it atomically), then syncs the directory.
    static func moveIntoPlace(_ source: String, _ destination: String) throws(DatasetDownloadError) {
        try sync(source)
        guard rename(source, destination) == 0 else {
            throw .fileSystem(path: destination, reason: "renaming '\(source)' to it failed (\(systemMessage(errno)))")
        }
        let directory = (destination as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            // Some file systems do not support syncing a directory; the rename has happened anyway.
            _ = fsync(fd)
            close(fd)
        }
    }

    static func systemMessage(_ code: Int32) -> String {
        guard let message = strerror(code) else { return "error \(code)" }
        return String(cString: message)
    }
}

extension SHA256 {
    /// The lower-case hexadecimal SHA-256 of the file at `path`, streamed in 1 MiB chunks (the
    /// file is never held in memory whole).
    ///
    /// - Throws: `IDXError.fileNotFound` or `IDXError.unreadable`.
    public static func hexDigest(ofFileAtPath path: String) throws(IDXError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .fileNotFound(path: path) }
            throw .unreadable(path: path, reason: CacheFiles.systemMessage(code))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, reason: CacheFiles.systemMessage(errno)) }
        guard info.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else {
            throw .unreadable(path: path, reason: "it is not a regular file")
        }
        var hasher = SHA256()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return read(fd, base, buffer.count)
            }
            if n > 0 {
                chunk.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            } else if n == 0 {
                break
            } else if errno != EINTR {
                throw .unreadable(path: path, reason: CacheFiles.systemMessage(errno))
            }
        }
        return hasher.hexDigest()
    }
}
