/// Recycles the float buffers behind tensors by size class, so that a training step whose
/// shapes repeat gets every buffer back from the pool instead of the system allocator once
/// it has run once, and a run whose shapes change (variable batch sizes or sequence lengths)
/// reuses buffers across nearby sizes while the memory the pool keeps stays bounded.
///
/// **Size classes.** A request for `n` floats is served from the class that holds
/// buffers of the next class size up: four classes per power of two
/// (`2ᵏ·5/4, 2ᵏ·6/4, 2ᵏ·7/4, 2ᵏ⁺¹` floats), so a buffer it allocates is at most 25 % larger
/// than the request (``BufferSizeClass``). Requests of up to 16 floats (64 bytes, one cache
/// line, the buffers' alignment) share one class. When its own class has no free buffer, a
/// request takes one from the next four classes up (at most twice the size) before
/// allocating: a step with shorter sequences runs in the buffers of a longer one.
///
/// **The bound.** The free (cached) buffers a pool keeps are capped at ``cachedByteLimit``,
/// derived from ``cacheLimit``: by default the larger of 64 MiB and twice the peak bytes in
/// use at once (``peakLiveBytes``), so a thread's memory stays below three times what its
/// computation needs at once, plus 64 MiB. (With random batch shapes, twice the peak kept the
/// system allocations flat after warm-up where once the peak did not: ARCHITECTURE.md.)
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

        /// The default: the larger of 64 MiB and twice the peak bytes in use at once.
        public static let standard = CacheLimit(minimumBytes: 64 << 20, peakLiveBytesMultiple: 2)

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

    /// How many classes above a request's own a free buffer may come from when its own class
    /// has none: up to twice the class size (a buffer at most 2.5 times the request), so that
    /// a step with smaller shapes runs in the buffers a larger step left instead of
    /// allocating its own.
    static let largerClassesSearched = 4

    /// A buffer of at least `count` floats, uninitialised, and the class it belongs to (to
    /// hand back with it): its own class's if it has a free one, else one of the next
    /// ``largerClassesSearched`` classes', else a new one of its own class.
    func takeBuffer(count: Int) -> (buffer: UnsafeMutablePointer<Float>, sizeClass: BufferSizeClass) {
        if count > largestRequest { largestRequest = count }
        let requested = BufferSizeClass(elementCount: count)
        var index = requested.index
        let lastSearched = min(index &+ BufferPool.largerClassesSearched, BufferSizeClass.classCount &- 1)
        while freeListHeads[index] == nil, index < lastSearched { index &+= 1 }
        let sizeClass = freeListHeads[index] == nil ? requested : BufferSizeClass(index: index)
        let bytes = sizeClass.byteCount
        liveBytes &+= bytes
        if liveBytes > peakLiveBytes {
            peakLiveBytes = liveBytes
            cachedByteLimit = cacheLimit.bytes(peakLiveBytes: peakLiveBytes)
        }
        if let head = freeListHeads[sizeClass.index] {
            let next = head.load(as: UnsafeMutableRawPointer?.self)
            freeListHeads[sizeClass.index] = next
            cachedBytes &-= bytes
            if next == nil { unlinkClass(Int32(sizeClass.index)) } else { markUsed(Int32(sizeClass.index)) }
            reuseCount &+= 1
            return (head.bindMemory(to: Float.self, capacity: sizeClass.elementCapacity), sizeClass)
        }
        systemAllocationCount &+= 1
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            .bindMemory(to: Float.self, capacity: sizeClass.elementCapacity)
        return (buffer, sizeClass)
    }

    /// Hands a buffer taken with ``takeBuffer(count:)`` (on any thread) back to its class
    /// for reuse, or to the system when the pool is over its limit.
    func returnBuffer(_ buffer: UnsafeMutablePointer<Float>, sizeClass: BufferSizeClass) {
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
