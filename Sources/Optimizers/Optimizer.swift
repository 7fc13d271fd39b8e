import TensorCore

/// Updates parameters in place from their accumulated gradients.
public protocol Optimizer: AnyObject {
    /// The tensors this optimiser updates.
    var parameters: [Tensor] { get }
    /// The step size; may be changed between steps (schedules).
    var learningRate: Float { get set }
    /// Applies one update to every parameter that has a gradient.
    func step()
}

extension Optimizer {
    /// Clears every parameter's gradient (PyTorch's `zero_grad()`, which sets them to None).
    public func clearGradients() {
        for parameter in parameters { parameter.clearGradient() }
    }
}

/// An optimiser whose internal state can be saved with a checkpoint and restored, so that
/// a resumed run continues exactly as an uninterrupted one.
public protocol CheckpointableOptimizer: Optimizer {
    /// The number of steps taken.
    var stepCount: Int { get set }
    /// Every state buffer with a stable name (`<parameter index>.<buffer>`), for reading
    /// or writing in place.
    func withStateBuffers(_ body: (_ name: String, _ buffer: UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows
}
