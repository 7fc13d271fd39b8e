import TensorCore

/// A module whose forward pass applies ``orderedLayers`` one after another,
/// `y = fₙ(…f₁(f₀(x)))`, and nothing else. Lets a caller run the first layer its own way
/// (for example from a precomputed product) and the rest as usual.
public protocol LayerSequence: Module {
    /// The layers in the order the forward pass applies them.
    var orderedLayers: [any Module] { get }
}

extension LayerSequence {
    /// Applies `orderedLayers[start...]` to `input`.
    public func forward(_ input: Tensor, fromLayer start: Int) throws -> Tensor {
        var value = input
        for layer in orderedLayers[start...] { value = try layer.forward(value) }
        return value
    }
}
