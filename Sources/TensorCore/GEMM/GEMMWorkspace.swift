#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reusable, 64-byte aligned buffers for the packed A and B blocks of one GEMM call.
///
/// Each thread has its own workspace (a pthread key, like ``BufferPool``), so steady-state
/// calls allocate nothing and the two halves of a split product never wait on a shared
/// lock: a locked pool made them contend at the same instant on every product, and a
/// contended pthread mutex sleeps in the kernel for microseconds.
final class GEMMWorkspace: @unchecked Sendable {
    // @unchecked: an instance is only reachable from the thread that owns it.

    private var packedA = AlignedFloatBuffer()
    private var packedB = AlignedFloatBuffer()
    /// Whether a call on the owning thread is using the buffers.
    private var isInUse = false

    /// Storage for at least `count` floats of packed A; contents are unspecified.
    func packedABuffer(count: Int) -> UnsafeMutablePointer<Float> { packedA.reserve(count) }

    /// Storage for at least `count` floats of packed B; contents are unspecified.
    func packedBBuffer(count: Int) -> UnsafeMutablePointer<Float> { packedB.reserve(count) }

    /// Runs `body` with the calling thread's workspace, or with a temporary one if that is
    /// already in use further up the same thread's stack.
    static func withWorkspace<Result>(_ body: (GEMMWorkspace) -> Result) -> Result {
        let workspace = current
        guard !workspace.isInUse else { return body(GEMMWorkspace()) }
        workspace.isInUse = true
        defer { workspace.isInUse = false }
        return body(workspace)
    }

    /// The calling thread's workspace, made on first use.
    private static var current: GEMMWorkspace {
        if let existing = pthread_getspecific(threadKey) {
            return Unmanaged<GEMMWorkspace>.fromOpaque(existing).takeUnretainedValue()
        }
        let workspace = GEMMWorkspace()
        pthread_setspecific(threadKey, Unmanaged.passRetained(workspace).toOpaque())
        return workspace
    }

    /// The thread-specific slot; its destructor releases the workspace when the thread ends.
    private static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { workspace in
            #if canImport(Darwin)
            Unmanaged<GEMMWorkspace>.fromOpaque(workspace).release()
            #else
            if let workspace { Unmanaged<GEMMWorkspace>.fromOpaque(workspace).release() }
            #endif
        }
        return key
    }()
}

/// A growable, 64-byte aligned float buffer that never shrinks.
private struct AlignedFloatBuffer: ~Copyable {
    private var storage: UnsafeMutableRawPointer?
    private var capacity = 0

    private static let alignment = 64

    /// Ensures room for `count` floats and returns the start of the buffer.
    mutating func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if let storage, capacity >= count {
            return storage.assumingMemoryBound(to: Float.self)
        }
        storage?.deallocate()
        let newCapacity = max(count, capacity &* 2)
        let newStorage = UnsafeMutableRawPointer.allocate(
            byteCount: max(newCapacity, 1) &* MemoryLayout<Float>.stride,
            alignment: Self.alignment)
        storage = newStorage
        capacity = newCapacity
        return newStorage.bindMemory(to: Float.self, capacity: newCapacity)
    }

    deinit { storage?.deallocate() }
}
