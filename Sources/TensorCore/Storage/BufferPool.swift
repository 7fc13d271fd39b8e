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
    /// The first free buffer of each element count; each free buffer holds the address of
    /// the next one of its count in its first bytes (an intrusive list), so taking and
    /// returning a buffer allocate nothing. (An array of buffers per count made the
    /// dictionary copy that array on every `popLast`: 57 allocations a training step.)
    private var freeLists: [Int: UnsafeMutableRawPointer] = [:]

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
        if let head = freeLists[count] {
            if let next = head.load(as: UnsafeMutableRawPointer?.self) {
                freeLists[count] = next
            } else {
                freeLists.removeValue(forKey: count)
            }
            reuseCount &+= 1
            return head.bindMemory(to: Float.self, capacity: count)
        }
        systemAllocationCount &+= 1
        // Room for the list's link while the buffer is free.
        let byteCount = max(count &* MemoryLayout<Float>.stride, MemoryLayout<UnsafeMutableRawPointer?>.stride)
        return UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Hands a buffer taken with ``takeBuffer(count:)`` (on any thread) back for reuse.
    func returnBuffer(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        let raw = UnsafeMutableRawPointer(buffer)
        raw.storeBytes(of: freeLists[count], as: UnsafeMutableRawPointer?.self)
        freeLists[count] = raw
    }

    /// Frees every buffer the pool is holding (not the ones in use).
    public func releaseCachedBuffers() {
        for head in freeLists.values {
            var next: UnsafeMutableRawPointer? = head
            while let buffer = next {
                next = buffer.load(as: UnsafeMutableRawPointer?.self)
                buffer.deallocate()
            }
        }
        freeLists = [:]
    }
}
