/// Recycles the float buffers behind tensors by size class, so that a training step whose
/// shapes repeat gets every buffer back from the pool instead of the system allocator once
/// it has run once, and a run whose shapes change (variable batch sizes or sequence lengths)
/// reuses buffers across nearby sizes while the memory the pool keeps stays bounded.
///
/// **Size classes.** A request for `n` floats is served from the class that holds
/// buffers of the next class size up: four classes per power of two
/// (`2ᵏ·5/4, 2ᵏ·6/4, 2ᵏ·7/4, 2ᵏ⁺¹` floats), so a buffer is at most 25 % larger than the
/// request (``BufferSizeClass``). Requests of up to 16 floats (64 bytes, one cache line, the
/// buffers' alignment) share one class.
///
/// **The bound.** The free (cached) buffers a pool keeps are capped at ``cachedByteLimit``,
/// derived from ``cacheLimit``: by default the larger of 64 MiB and the peak bytes in use at
/// once (``peakLiveBytes``), so the pool at most doubles what the computation itself needs.
/// A buffer returned while the pool is over its limit makes the pool free buffers of the
/// least recently used class (the class last taken from or returned to longest ago) until
/// it is within the limit again: sizes that a run stopped using go first, the sizes of the
/// current step stay.
///
/// There is one pool per thread (``current``): no lock on the hot path, and one thread's
/// work cannot take the buffers another thread's loop is about to reuse. A buffer goes
/// back to the pool of the thread that releases it. Buffers are 64-byte aligned (one
/// cache line, one AVX-512 vector). Taking and returning a buffer is O(1) and allocates
/// nothing: each class is an intrusive free list (a free buffer holds the address of the
/// next one of its class in its first bytes) and the classes with free buffers form a
/// doubly linked recency list, all in fixed tables made once per pool.
public final class BufferPool {
    /// How many bytes of free buffers a pool may keep.
    public struct CacheLimit: Sendable, Equatable {
        /// Kept however small the computation is.
        public var minimumBytes: Int
        /// The limit as a multiple of ``BufferPool/peakLiveBytes``, when that is larger.
        public var peakLiveBytesMultiple: Double

        /// The larger of `minimumBytes` and `peakLiveBytesMultiple` times the peak bytes in use.
        public init(minimumBytes: Int, peakLiveBytesMultiple: Double) {
            self.minimumBytes = max(0, minimumBytes)
            self.peakLiveBytesMultiple = max(0, peakLiveBytesMultiple)
        }

        /// A fixed number of bytes, whatever the computation's size.
        public static func bytes(_ count: Int) -> CacheLimit {
            CacheLimit(minimumBytes: count, peakLiveBytesMultiple: 0)
        }

        /// The default: the larger of 64 MiB and the peak bytes in use at once.
        public static let standard = CacheLimit(minimumBytes: 64 << 20, peakLiveBytesMultiple: 1)

        /// Keeps every returned buffer (the pool's behaviour before it had a bound).
        public static let unlimited = CacheLimit(minimumBytes: Int.max, peakLiveBytesMultiple: 0)

        func bytes(peakLiveBytes: Int) -> Int {
            let scaled = Double(peakLiveBytes) * peakLiveBytesMultiple
            return scaled >= Double(Int.max) ? Int.max : max(minimumBytes, Int(scaled))
        }
    }

    /// The first free buffer of each class (nil when none), indexed by class.
    private let freeListHeads: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    /// The recency list of classes that have free buffers: the neighbour towards the most
    /// recently used class (`newer`) and towards the least recently used (`older`); -1 ends.
    private let newerClass: UnsafeMutablePointer<Int32>
    private let olderClass: UnsafeMutablePointer<Int32>
    private var newestClass: Int32 = -1
    private var oldestClass: Int32 = -1

    /// How many buffers this pool has obtained from the system allocator; constant
    /// across steps once a training loop on this thread has warmed up.
    public private(set) var systemAllocationCount = 0

    /// How many free buffers this pool has given back to the system allocator because it
    /// was over ``cachedByteLimit`` (or was told to trim).
    public private(set) var systemReleaseCount = 0

    /// How many buffer requests this pool served from its cache.
    public private(set) var reuseCount = 0

    /// The bytes of the free buffers the pool holds (by class size), at most ``cachedByteLimit``.
    public private(set) var cachedBytes = 0

    /// The bytes (by class size) of the buffers this pool handed out that have not come
    /// back to it. A buffer released on another thread returns to that thread's pool, so
    /// this counts down to zero, not below.
    public private(set) var liveBytes = 0

    /// The largest ``liveBytes`` seen: the memory the computation on this thread needed at once.
    public private(set) var peakLiveBytes = 0

    /// The largest number of floats requested in one buffer since ``resetLargestRequest()``:
    /// a check that a computation never materialises a matrix of a given size.
    public private(set) var largestRequest = 0

    /// How much free memory the pool may keep; lowering it frees buffers at once.
    public var cacheLimit = CacheLimit.standard {
        didSet {
            cachedByteLimit = cacheLimit.bytes(peakLiveBytes: peakLiveBytes)
            trim(toBytes: cachedByteLimit)
        }
    }

    /// The bytes of free buffers the pool keeps at most now (``cacheLimit`` applied to
    /// ``peakLiveBytes``).
    public private(set) var cachedByteLimit = CacheLimit.standard.bytes(peakLiveBytes: 0)

    /// Starts a new measurement of ``peakLiveBytes`` from the bytes in use now (between
    /// phases of a program whose first phase needed more memory than the rest), and
    /// applies ``cacheLimit`` to it.
    public func resetPeakLiveBytes() {
        peakLiveBytes = liveBytes
        cachedByteLimit = cacheLimit.bytes(peakLiveBytes: peakLiveBytes)
        trim(toBytes: cachedByteLimit)
    }

    /// Starts a new measurement of ``largestRequest``.
    public func resetLargestRequest() {
        largestRequest = 0
    }

    private init() {
        let count = BufferSizeClass.classCount
        freeListHeads = .allocate(capacity: count)
        freeListHeads.initialize(repeating: nil, count: count)
        newerClass = .allocate(capacity: count)
        newerClass.initialize(repeating: -1, count: count)
        olderClass = .allocate(capacity: count)
        olderClass.initialize(repeating: -1, count: count)
    }

    deinit {
        releaseCachedBuffers()
        freeListHeads.deallocate()
        newerClass.deallocate()
        olderClass.deallocate()
    }

    /// The calling thread's pool.
    public static var current: BufferPool { slot.object { BufferPool() } }

    /// Each thread's pool, released when the thread ends.
    private static let slot = ThreadLocalSlot()

    /// A buffer of at least `count` floats, uninitialised.
    func takeBuffer(count: Int) -> UnsafeMutablePointer<Float> {
        if count > largestRequest { largestRequest = count }
        let sizeClass = BufferSizeClass(elementCount: count)
        let bytes = sizeClass.byteCount
        liveBytes &+= bytes
        if liveBytes > peakLiveBytes {
            peakLiveBytes = liveBytes
            cachedByteLimit = cacheLimit.bytes(peakLiveBytes: peakLiveBytes)
        }
        let index = sizeClass.index
        if let head = freeListHeads[index] {
            let next = head.load(as: UnsafeMutableRawPointer?.self)
            freeListHeads[index] = next
            cachedBytes &-= bytes
            if next == nil { unlinkClass(Int32(index)) } else { markUsed(Int32(index)) }
            reuseCount &+= 1
            return head.bindMemory(to: Float.self, capacity: sizeClass.elementCapacity)
        }
        systemAllocationCount &+= 1
        return UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            .bindMemory(to: Float.self, capacity: sizeClass.elementCapacity)
    }

    /// Hands a buffer taken with ``takeBuffer(count:)`` (on any thread, with the same
    /// `count`) back for reuse, or to the system when the pool is over its limit.
    func returnBuffer(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        let sizeClass = BufferSizeClass(elementCount: count)
        let bytes = sizeClass.byteCount
        liveBytes = max(0, liveBytes &- bytes)
        let index = sizeClass.index
        let raw = UnsafeMutableRawPointer(buffer)
        raw.storeBytes(of: freeListHeads[index], as: UnsafeMutableRawPointer?.self)
        freeListHeads[index] = raw
        cachedBytes &+= bytes
        markUsed(Int32(index))
        if cachedBytes > cachedByteLimit { trim(toBytes: cachedByteLimit) }
    }

    /// Frees free buffers, least recently used class first, until the pool holds at most
    /// `bytes` of them.
    public func trim(toBytes bytes: Int) {
        while cachedBytes > max(0, bytes), oldestClass >= 0 {
            let index = Int(oldestClass)
            guard let head = freeListHeads[index] else { break }  // unreachable: listed classes have buffers
            let next = head.load(as: UnsafeMutableRawPointer?.self)
            freeListHeads[index] = next
            if next == nil { unlinkClass(oldestClass) }
            cachedBytes &-= BufferSizeClass(index: index).byteCount
            head.deallocate()
            systemReleaseCount &+= 1
        }
    }

    /// Frees every buffer the pool is holding (not the ones in use).
    public func releaseCachedBuffers() {
        trim(toBytes: 0)
    }

    /// Moves `index` to the newest end of the recency list, adding it if absent.
    @inline(__always)
    private func markUsed(_ index: Int32) {
        guard newestClass != index else { return }
        let isListed = olderClass[Int(index)] >= 0 || newerClass[Int(index)] >= 0 || oldestClass == index
        if isListed { unlinkClass(index) }
        olderClass[Int(index)] = newestClass
        newerClass[Int(index)] = -1
        if newestClass >= 0 { newerClass[Int(newestClass)] = index } else { oldestClass = index }
        newestClass = index
    }

    /// Removes `index` (which is listed) from the recency list.
    @inline(__always)
    private func unlinkClass(_ index: Int32) {
        let older = olderClass[Int(index)], newer = newerClass[Int(index)]
        if older >= 0 { newerClass[Int(older)] = newer } else { oldestClass = newer }
        if newer >= 0 { olderClass[Int(newer)] = older } else { newestClass = older }
        olderClass[Int(index)] = -1
        newerClass[Int(index)] = -1
    }
}
