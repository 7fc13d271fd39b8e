/// The contiguous float buffer behind one or more tensors (a reshaped or detached tensor
/// shares its source's storage). Taken from and returned to ``BufferPool.current``.
final class TensorStorage {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    /// Incremented by every in-place write through the public API, so that values derived
    /// from the contents (a frozen weight's cached norms) can tell when they are stale.
    var version: UInt64 = 0

    /// Uninitialised storage for `count` floats.
    init(count: Int) {
        self.count = count
        pointer = BufferPool.current.takeBuffer(count: count)
    }

    deinit {
        BufferPool.current.returnBuffer(pointer, count: count)
    }
}
