/// Reusable, 64-byte aligned buffers for the packed A and B blocks of one GEMM call.
///
/// Each thread has its own workspace (``ThreadLocalSlot``, like ``BufferPool``), so steady-state
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
    private static var current: GEMMWorkspace { slot.object { GEMMWorkspace() } }

    /// Each thread's workspace, released when the thread ends.
    private static let slot = ThreadLocalSlot()
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
