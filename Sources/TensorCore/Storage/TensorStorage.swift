/// The contiguous float buffer behind one or more tensors (a reshaped or detached tensor
/// shares its source's storage). Taken from and returned to ``BufferPool.current``.
final class TensorStorage {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    /// Uninitialised storage for `count` floats.
    init(count: Int) {
        self.count = count
        pointer = BufferPool.current.takeBuffer(count: count)
    }

    deinit {
        BufferPool.current.returnBuffer(pointer, count: count)
    }
}
