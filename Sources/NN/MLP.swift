import TensorCore

/// A multilayer perceptron: `Linear → ReLU → … → Linear`, held in a ``Sequential`` named
/// `layers`, so its parameters are `layers.0.weight`, `layers.0.bias`, `layers.2.weight`, …
/// exactly as the reference PyTorch model's state dict.
///
/// The reference experiment's model is `MLP(layerSizes: [784, 128, 256, 10])`.
public final class MLP: LayerSequence {
    @Child public private(set) var layers: Sequential

    /// Linear layers between consecutive sizes (at least two sizes), ReLU between them,
    /// initialised in order from `generator`.
    public init(layerSizes: [Int], using generator: inout RandomGenerator) {
        precondition(layerSizes.count >= 2, "An MLP needs at least an input and an output size, got \(layerSizes).")
        var modules: [any Module] = []
        for index in 0..<(layerSizes.count - 1) {
            if index > 0 { modules.append(ReLU()) }
            modules.append(Linear(inFeatures: layerSizes[index], outFeatures: layerSizes[index + 1], using: &generator))
        }
        layers = Sequential(modules)
    }

    /// An MLP around existing layers (for example loaded from a checkpoint).
    public init(layers: Sequential) {
        self.layers = layers
    }

    public var orderedLayers: [any Module] { layers.layers }

    public func forward(_ input: Tensor) throws -> Tensor {
        try layers.forward(input)
    }
}
