import NN
import TensorCore

/// The stack of encoder layers, transformers' `BertEncoder` (module path `encoder`): its one
/// child `layer` holds the layers as children `0`, `1`, …, so their paths are
/// `encoder.layer.N`. ``forward(_:)`` applies them in order.
public final class BERTLayerStack: MultiInputModule {
    public typealias Input = (hidden: Tensor, additiveMask: Tensor)

    /// The layers, in order (`encoder.layer.0` first).
    public var layers: [BERTLayer] { layerList.layers }
    private let layerList: BERTLayerList

    init(layers: [BERTLayer]) {
        layerList = BERTLayerList(layers: layers)
    }

    public func children() -> [(name: String, module: any Module)] {
        [("layer", layerList)]
    }

    /// Every layer's output in order, `[batch, tokens, hidden]` each.
    public func layerOutputs(_ input: Input) throws -> [Tensor] {
        var hidden = input.hidden, outputs: [Tensor] = []
        for layer in layers {
            hidden = try layer((hidden: hidden, additiveMask: input.additiveMask))
            outputs.append(hidden)
        }
        return outputs
    }

    public func forward(_ input: Input) throws -> Tensor {
        try layerOutputs(input).last ?? input.hidden
    }

    /// Every layer's output in order on packed real tokens, `[realTokens, hidden]` each.
    public func layerOutputs(packed hidden: Tensor, sequenceLengths: [Int]) throws -> [Tensor] {
        var hidden = hidden, outputs: [Tensor] = []
        for layer in layers {
            hidden = try layer.forward(packed: hidden, sequenceLengths: sequenceLengths)
            outputs.append(hidden)
        }
        return outputs
    }
}

/// The numbered list of layers (`encoder.layer`), PyTorch's `nn.ModuleList`: children `0`,
/// `1`, …; no forward of its own.
final class BERTLayerList: Module {
    let layers: [BERTLayer]

    init(layers: [BERTLayer]) {
        self.layers = layers
    }

    func children() -> [(name: String, module: any Module)] {
        layers.enumerated().map { (String($0.offset), $0.element) }
    }

    func forward(_ input: Tensor) throws -> Tensor {
        throw ModuleError.needsStructuredInput(module: "BERTLayerList", input: "the layers one by one, through BERTLayerStack")
    }
}
