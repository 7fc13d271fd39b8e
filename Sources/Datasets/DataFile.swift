#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a data file that may or may not be gzip-compressed.
///
/// Compression is detected from the content, not the name: a file that starts with the gzip
/// magic `1f 8b` is decompressed (all members, see `Gzip`); anything else is returned as is.
/// An IDX file always starts with `00 00`, so the two cannot be confused.
public enum DataFile {
    /// Returns the file's bytes, decompressed if they are gzip.
    ///
    /// - Throws: `IDXError.fileNotFound`, `.unreadable` or `.gzipCorrupt`.
    public static func read(
        atPath path: String, maxDecompressedBytes: Int = Gzip.defaultMaxOutputBytes
    ) throws(IDXError) -> [UInt8] {
        try decode(readRaw(atPath: path), source: path, maxDecompressedBytes: maxDecompressedBytes)
    }

    /// Decompresses `fileBytes` if they start with the gzip magic; otherwise returns them.
    /// `source` names the data in errors.
    ///
    /// - Throws: `IDXError.gzipCorrupt` for a gzip stream that does not decompress.
    public static func decode(
        _ fileBytes: [UInt8], source: String, maxDecompressedBytes: Int = Gzip.defaultMaxOutputBytes
    ) throws(IDXError) -> [UInt8] {
        guard Gzip.isCompressed(fileBytes) else { return fileBytes }
        do {
            return try Gzip.decompress(fileBytes, maxOutputBytes: maxDecompressedBytes)
        } catch {
            throw .gzipCorrupt(path: source, error)
        }
    }

    /// The file's bytes exactly as stored, read with POSIX `open`/`fstat`/`read` straight into
    /// the array (no intermediate `Data` copy).
    static func readRaw(atPath path: String) throws(IDXError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .fileNotFound(path: path) }
            throw .unreadable(path: path, reason: systemMessage(code))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, reason: systemMessage(errno)) }
        let kind = info.st_mode & mode_t(S_IFMT)
        guard kind != mode_t(S_IFDIR) else { throw .unreadable(path: path, reason: "it is a directory") }
        guard kind == mode_t(S_IFREG) else { throw .unreadable(path: path, reason: "it is not a regular file") }

        // Read the size fstat reported straight into the array, then on to end of file in
        // case the file grew meanwhile.
        let expected = max(Int(exactly: info.st_size) ?? 0, 0)
        var failure: Int32 = 0
        var bytes = [UInt8](unsafeUninitializedCapacity: expected) { buffer, initialized in
            initialized = fill(buffer, from: fd, failure: &failure)
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while failure == 0 {
            let n = chunk.withUnsafeMutableBufferPointer { fill($0, from: fd, failure: &failure) }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[..<n])
        }
        if failure != 0 { throw .unreadable(path: path, reason: systemMessage(failure)) }
        return bytes
    }

    /// Whether a regular file (or a link to one) exists at `path`.
    static func exists(atPath path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG)
    }

    private static func systemMessage(_ code: Int32) -> String {
        guard let message = strerror(code) else { return "error \(code)" }
        return String(cString: message)
    }
}

/// Reads from `fd` until `buffer` is full, end of file, or an error (stored in `failure`).
/// Returns the number of bytes read.
private func fill(_ buffer: UnsafeMutableBufferPointer<UInt8>, from fd: Int32, failure: inout Int32) -> Int {
    guard let base = buffer.baseAddress else { return 0 }
    var position = 0
    while position < buffer.count {
        let n = read(fd, base + position, buffer.count - position)
        if n > 0 { position += n; continue }
        if n == 0 { break }
        if errno == EINTR { continue }
        failure = errno
        break
    }
    return position
}
