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
