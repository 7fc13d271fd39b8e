import TensorCore

/// Modules applied one after the other: `y = fₙ(…f₁(f₀(x)))`. Children are named by
/// position (`0`, `1`, …) as in PyTorch's `nn.Sequential`.
public final class Sequential: LayerSequence {
    public private(set) var layers: [any Module]

    public init(_ layers: [any Module]) {
        self.layers = layers
    }

    public var orderedLayers: [any Module] { layers }

    public func forward(_ input: Tensor) throws -> Tensor {
        var value = input
        for layer in layers { value = try layer.forward(value) }
        return value
    }

    public func children() -> [(name: String, module: any Module)] {
        layers.enumerated().map { (String($0.offset), $0.element) }
    }

    public func replaceChild(named name: String, with module: any Module) throws(ModuleError) {
        guard let index = Int(name), layers.indices.contains(index) else {
            throw ModuleError.noSuchChild(parent: "Sequential", name: name)
        }
        layers[index] = module
    }
}
