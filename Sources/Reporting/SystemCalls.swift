#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over the C library, named apart from this module's own `write` and `open`
/// methods and shared by the file writers.
enum SystemCalls {
    /// The system's message for an `errno` value, for example "No such file or directory".
    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// Writes all of `bytes` to `descriptor`, retrying partial writes and interrupted calls.
    /// Returns `nil` on success, or the failure's description.
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> String? {
        guard let base = bytes.baseAddress else { return nil }
        var offset = 0
        while offset < bytes.count {
            let chunk = min(bytes.count - offset, 1 << 30)
            #if canImport(Glibc)
            let written = Glibc.write(descriptor, base + offset, chunk)
            #elseif canImport(Musl)
            let written = Musl.write(descriptor, base + offset, chunk)
            #else
            let written = Darwin.write(descriptor, base + offset, chunk)
            #endif
            if written < 0 {
                let code = errno
                if code == EINTR { continue }
                return errorText(code)
            }
            if written == 0 { return "the system wrote 0 bytes" }
            offset += written
        }
        return nil
    }

    /// Writes all of `bytes` to `descriptor`, as the buffer-pointer variant does.
    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { writeAll(descriptor, $0) }
    }

    /// Makes everything written to `descriptor` durable. File systems and descriptors that
    /// cannot be synced (pipes, some virtual file systems) are tolerated.
    /// Returns `nil` on success, or the failure's description.
    static func sync(_ descriptor: Int32) -> String? {
        if fsync(descriptor) == 0 { return nil }
        let code = errno
        if code == EINVAL || code == ENOTSUP || code == EBADF || code == EROFS { return nil }
        return errorText(code)
    }

    /// Closes `descriptor`, ignoring errors (the data was already synced or is being
    /// abandoned).
    static func close(_ descriptor: Int32) {
        #if canImport(Glibc)
        _ = Glibc.close(descriptor)
        #elseif canImport(Musl)
        _ = Musl.close(descriptor)
        #else
        _ = Darwin.close(descriptor)
        #endif
    }
}
