import Synchronization

/// Recycles the float buffers behind tensors, keyed by exact element count, so that a
/// training step whose shapes repeat gets every buffer back from the pool instead of
/// the system allocator once it has run once.
///
/// Buffers are 64-byte aligned (one cache line, one AVX-512 vector). The pool keeps what
/// it is given until ``releaseCachedBuffers()``; its size is bounded by the largest set
/// of buffers that were alive at the same time.
public final class BufferPool: Sendable {
    /// The process-wide pool used by every tensor.
    public static let shared = BufferPool()

    private struct State {
        /// Addresses of free buffers by element count (stored as integers: the state is `Sendable`).
        var freeBuffers: [Int: [UInt]] = [:]
        var systemAllocations = 0
        var reuses = 0
    }

    private let state = Mutex(State())

    /// A buffer of `count` floats, uninitialised.
    func takeBuffer(count: Int) -> UnsafeMutablePointer<Float> {
        let recycled: UInt? = state.withLock { state in
            if let address = state.freeBuffers[count]?.popLast() {
                state.reuses &+= 1
                return address
            }
            state.systemAllocations &+= 1
            return nil
        }
        if let recycled, let buffer = UnsafeMutablePointer<Float>(bitPattern: recycled) { return buffer }
        let bytes = max(count, 1) &* MemoryLayout<Float>.stride
        return UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Hands a buffer taken with ``takeBuffer(count:)`` back for reuse.
    func returnBuffer(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        let address = UInt(bitPattern: buffer)
        state.withLock { state in
            state.freeBuffers[count, default: []].append(address)
        }
    }

    /// How many buffers have been obtained from the system allocator since the process
    /// started; constant across steps once a training loop has warmed up.
    public var systemAllocationCount: Int { state.withLock { $0.systemAllocations } }

    /// How many buffer requests were served from the pool.
    public var reuseCount: Int { state.withLock { $0.reuses } }

    /// Frees every buffer the pool is holding (not the ones in use).
    public func releaseCachedBuffers() {
        let addresses: [UInt] = state.withLock { state in
            let all = state.freeBuffers.values.flatMap { $0 }
            state.freeBuffers = [:]
            return all
        }
        for address in addresses { UnsafeMutableRawPointer(bitPattern: address)?.deallocate() }
    }
}
