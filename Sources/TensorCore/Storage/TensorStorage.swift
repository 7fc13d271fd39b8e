import Synchronization

/// The contiguous float buffer behind one or more tensors (a reshaped or detached tensor
/// shares its source's storage). Taken from and returned to ``BufferPool.current``.
final class TensorStorage {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    /// The pool class of the buffer (at least `count` floats), to return it to.
    private let sizeClass: BufferSizeClass
    /// Incremented by every in-place write through the public API, so that values derived
    /// from the contents (a frozen weight's cached norms) can tell when they are stale.
    var version: UInt64 = 0
    /// A number no other storage of this process has or will have (a freed storage's
    /// address can be reused by a new one; its identity cannot), so that caches can name
    /// their sources without keeping them alive.
    let identity: UInt64

    /// The next identity; 2⁶⁴ storages are beyond any run.
    private static let nextIdentity = Atomic<UInt64>(1)

    /// Uninitialised storage for `count` floats.
    init(count: Int) {
        self.count = count
        (pointer, sizeClass) = BufferPool.current.takeBuffer(count: count)
        identity = TensorStorage.nextIdentity.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    deinit {
        BufferPool.current.returnBuffer(pointer, sizeClass: sizeClass)
    }
}
