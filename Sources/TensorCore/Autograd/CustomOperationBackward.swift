/// What a custom operation's backward rule is given (see
/// ``Tensor/customOperation(inputs:outputShape:forward:backward:)``): `dL/d(output)`, the
/// forward's output and inputs, and `accumulateGradient(ofInput:_:)`
/// to add `dL/d(input)` to each input's gradient. The tensors are detached (values only,
/// no graph); read them with ``Tensor/elements`` or combine them with ops.
public struct CustomOperationBackward {
    /// `dL/d(output)`, shaped like the output.
    public let outputGradient: Tensor
    /// The output the forward computed.
    public let output: Tensor
    /// The forward's inputs, in order.
    public let inputs: [Tensor]
    /// The inputs themselves, whose gradients the rule adds to.
    private let gradientTargets: [Tensor]

    init(outputGradient: Tensor, output: Tensor, inputs: [Tensor], gradientTargets: [Tensor]) {
        self.outputGradient = outputGradient
        self.output = output
        self.inputs = inputs
        self.gradientTargets = gradientTargets
    }

    /// Whether input `index` wants a gradient; a rule may skip the work for one that does not
    /// (`accumulateGradient(ofInput:_:)` skips it anyway).
    public func requiresGradient(ofInput index: Int) -> Bool {
        gradientTargets[index].requiresGradient
    }

    /// Lets `body` add `dL/d(input)` into input `index`'s gradient, element by element
    /// (`gradient[i] += …`): the view holds the earlier gradients, or zeros if there are none.
    /// Not called when the input does not require a gradient.
    public func accumulateGradient(ofInput index: Int, _ body: (_ gradient: MutableTensorElements) throws -> Void) rethrows {
        let input = gradientTargets[index]
        guard input.zeroInitializedGradient() != nil, let gradient = input.gradient else { return }
        try body(MutableTensorElements(gradient))
    }

    /// Adds `gradient` (`dL/d(input)`, shaped like input `index`, e.g. computed with ops) to
    /// input `index`'s gradient. A different shape is a programmer error (a precondition).
    public func accumulateGradient(ofInput index: Int, _ gradient: Tensor) {
        let input = gradientTargets[index]
        precondition(gradient.shape == input.shape,
                     "The gradient of input \(index) has shape \(gradient.shape); the input has shape \(input.shape).")
        let source = gradient.storage.pointer, count = input.elementCount
        withExtendedLifetime(gradient) {
            input.updateGradient { target, accumulate in
                if accumulate {
                    for element in 0..<count { target[element] += source[element] }
                } else {
                    target.update(from: source, count: count)
                }
            }
        }
    }
}
