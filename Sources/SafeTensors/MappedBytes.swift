import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Read-only bytes of a whole file: a private, read-only memory mapping of it, or an owned
/// copy of in-memory data. Immutable after initialization, hence safe to share across
/// threads.
///
/// A memory mapping reflects the file on disk: if another process truncates the file while
/// it is mapped, touching the lost pages raises SIGBUS. Files written by
/// ``SafeTensorsWriter`` are replaced by rename, which never truncates a mapped file.
final class MappedBytes: @unchecked Sendable {
    private let base: UnsafeRawPointer?
    let count: Int
    private let isMapped: Bool

    /// All the bytes.
    var buffer: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: count)
    }

    /// Maps the file at `path` read-only. An empty file maps to an empty buffer.
    init(mappingFileAt path: String) throws(SafeTensorsError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .cannotOpen(path: path, reason: MappedBytes.errorText(errno))
        }
        defer { _ = close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw .cannotOpen(path: path, reason: "fstat failed: " + MappedBytes.errorText(errno))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            let kind = (status.st_mode & S_IFMT) == S_IFDIR ? "a directory" : "not a regular file"
            throw .cannotOpen(path: path, reason: "it is \(kind)")
        }
        guard let size = Int(exactly: status.st_size), size >= 0 else {
            throw .cannotOpen(path: path, reason: "its size \(status.st_size) is not usable")
        }
        if size == 0 {
            base = nil
            count = 0
            isMapped = false
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw .cannotOpen(path: path, reason: "mmap failed: " + MappedBytes.errorText(errno))
        }
        base = UnsafeRawPointer(address)
        count = size
        isMapped = true
    }

    /// Copies `data` into memory owned by this object.
    init(copying data: Data) {
        let size = data.count
        count = size
        isMapped = false
        if size == 0 {
            base = nil
            return
        }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        data.withUnsafeBytes { source in
            if let sourceBase = source.baseAddress {
                storage.copyMemory(from: sourceBase, byteCount: min(source.count, size))
            }
        }
        base = UnsafeRawPointer(storage)
    }

    deinit {
        guard let base else { return }
        if isMapped {
            _ = munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code)) + " (errno \(code))"
    }
}
