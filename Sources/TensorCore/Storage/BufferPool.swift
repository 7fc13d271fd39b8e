#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Recycles the float buffers behind tensors, keyed by exact element count, so that a
/// training step whose shapes repeat gets every buffer back from the pool instead of
/// the system allocator once it has run once.
///
/// There is one pool per thread (``current``): no lock on the hot path, and one thread's
/// work cannot take the buffers another thread's loop is about to reuse. A buffer goes
/// back to the pool of the thread that releases it. Buffers are 64-byte aligned (one
/// cache line, one AVX-512 vector). A pool keeps what it is given until
/// ``releaseCachedBuffers()`` or until its thread ends; its size is bounded by the
/// largest set of buffers that were alive at the same time on that thread.
public final class BufferPool {
    private var freeBuffers: [Int: [UnsafeMutablePointer<Float>]] = [:]

    /// How many buffers this pool has obtained from the system allocator; constant
    /// across steps once a training loop on this thread has warmed up.
    public private(set) var systemAllocationCount = 0

    /// How many buffer requests this pool served from its cache.
    public private(set) var reuseCount = 0

    /// The largest number of floats requested in one buffer since ``resetLargestRequest()``:
    /// a check that a computation never materialises a matrix of a given size.
    public private(set) var largestRequest = 0

    /// Starts a new measurement of ``largestRequest``.
    public func resetLargestRequest() {
        largestRequest = 0
    }

    private init() {}

    deinit {
        releaseCachedBuffers()
    }

    /// The calling thread's pool.
    public static var current: BufferPool { slot.object { BufferPool() } }

    /// Each thread's pool, released when the thread ends.
    private static let slot = ThreadLocalSlot()

    /// A buffer of `count` floats, uninitialised.
    func takeBuffer(count: Int) -> UnsafeMutablePointer<Float> {
        if count > largestRequest { largestRequest = count }
        if let buffer = freeBuffers[count]?.popLast() {
            reuseCount &+= 1
            return buffer
        }
        systemAllocationCount &+= 1
        let capacity = max(count, 1)
        return UnsafeMutableRawPointer.allocate(byteCount: capacity &* MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: capacity)
    }

    /// Hands a buffer taken with ``takeBuffer(count:)`` (on any thread) back for reuse.
    func returnBuffer(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        freeBuffers[count, default: []].append(buffer)
    }

    /// Frees every buffer the pool is holding (not the ones in use).
    public func releaseCachedBuffers() {
        for buffers in freeBuffers.values {
            for buffer in buffers { UnsafeMutableRawPointer(buffer).deallocate() }
        }
        freeBuffers = [:]
    }
}
