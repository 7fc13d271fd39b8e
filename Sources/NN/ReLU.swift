import TensorCore

/// The rectifier `y = max(x, 0)`, element-wise; no parameters.
public final class ReLU: Module {
    public init() {}

    public func forward(_ input: Tensor) throws -> Tensor {
        input.relu()
    }
}
