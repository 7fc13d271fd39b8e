extension Tensor {
    /// An operation written outside the library, with its own backward rule (PyTorch's
    /// `torch.autograd.Function`): `forward` fills the output from the inputs' elements;
    /// `backward` receives `dL/d(output)` and adds each input's share `dL/d(input)` to that
    /// input's gradient.
    ///
    /// The result takes part in autograd like a built-in op's: the rule is recorded only when
    /// gradient recording is on (not inside ``withoutGradients(_:)``) and at least one input
    /// ``requiresGradient``; the backward pass calls it once per use of the result, after
    /// every use of the result has contributed to `dL/d(output)`; gradients add to whatever an
    /// input's gradient already holds (other uses of the input, earlier ``backward()`` calls).
    /// The rule runs with recording off, so ops it uses on the tensors it is given build no
    /// graph. `forward` may throw (for example a ``ShapeError`` for inputs it cannot combine);
    /// the error propagates and nothing is recorded.
    ///
    /// Softplus, `y = log(1 + eˣ)` element-wise, with `dx = dy·σ(x)` where `σ(x) = 1/(1 + e⁻ˣ)`:
    ///
    /// ```swift
    /// func softplus(_ x: Tensor) -> Tensor {
    ///     Tensor.customOperation(inputs: [x], outputShape: x.shape) { inputs, y in
    ///         for i in y.indices { y[i] = log1p(exp(inputs[0][i])) }
    ///     } backward: { context in
    ///         let x = context.inputs[0].elements, dy = context.outputGradient.elements
    ///         context.accumulateGradient(ofInput: 0) { dx in
    ///             for i in dx.indices { dx[i] += dy[i] / (1 + exp(-x[i])) }
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - inputs: the tensors the output depends on (any shapes; `forward` checks them).
    ///   - outputShape: the output's dimensions.
    ///   - forward: writes every element of the output (`output`, uninitialised at first)
    ///     from `inputs`' elements, in the order of `inputs`.
    ///   - backward: the rule, given a ``CustomOperationBackward``: `dL/d(output)`, the output,
    ///     the inputs, and a way to add to each input's gradient.
    public static func customOperation(
        inputs: [Tensor],
        outputShape: Shape,
        forward: (_ inputs: [TensorElements], _ output: MutableTensorElements) throws -> Void,
        backward: @escaping (_ context: CustomOperationBackward) -> Void
    ) rethrows -> Tensor {
        let result = Tensor(uninitializedShape: outputShape)
        try forward(inputs.map(\.elements), MutableTensorElements(result))
        guard GradientRecording.isEnabled, inputs.contains(where: \.requiresGradient) else { return result }
        // The output's values through a tensor without a graph: capturing `result` itself
        // would make it own itself through its rule.
        let outputValues = result.detached()
        // The rule belongs to the result's node, so it refers to that node without owning it
        // (the result tensor itself may be gone by the backward pass).
        result.recordGradient(inputs: inputs) { [unowned resultNode = result.node] _ in
            // backward() calls a rule only when its output has a gradient.
            guard let outputGradient = resultNode.gradient else { return }
            let context = CustomOperationBackward(
                outputGradient: outputGradient.detached(), output: outputValues,
                inputs: inputs.map { $0.detached() }, gradientTargets: inputs)
            withoutGradients { backward(context) }
        }
        return result
    }
}
