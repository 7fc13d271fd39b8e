extension Tensor {
    /// Reads and writes this tensor's accumulated gradient in place, creating it (zeros) first
    /// when there is none yet; for code that exchanges or rescales gradients between the
    /// backward pass and the optimiser step (an all-reduce, clipping). Nil when the tensor
    /// does not require a gradient. A new gradient comes from the buffer pool.
    public func withUnsafeMutableGradient<Result>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Result) rethrows -> Result? {
        guard let pointer = zeroInitializedGradient() else { return nil }
        return try body(UnsafeMutableBufferPointer(start: pointer, count: elementCount))
    }
}
