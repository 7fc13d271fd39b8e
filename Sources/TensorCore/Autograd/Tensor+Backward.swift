extension Tensor {
    /// Whether an operation on `input` should record a backward rule. (One and two inputs
    /// have their own overloads: a variadic call allocates its array.)
    static func shouldRecord(_ input: Tensor) -> Bool {
        GradientRecording.isEnabled && input.requiresGradient
    }

    /// Whether an operation on `first` and `second` should record a backward rule.
    static func shouldRecord(_ first: Tensor, _ second: Tensor) -> Bool {
        GradientRecording.isEnabled && (first.requiresGradient || second.requiresGradient)
    }

    /// Whether an operation on `inputs` should record a backward rule.
    static func shouldRecord(_ inputs: Tensor...) -> Bool {
        guard GradientRecording.isEnabled else { return false }
        for input in inputs where input.requiresGradient { return true }
        return false
    }

    /// Makes this result differentiable: marks it as requiring a gradient and stores the
    /// rule that sends its gradient to `inputs`. The graph keeps the inputs' nodes only: a
    /// rule that reads an input's elements must capture them (the tensor or its storage).
    func recordGradient(inputs: [Tensor], backward: @escaping (_ outputGradient: UnsafePointer<Float>) -> Void) {
        node.requiresGradient = true
        node.gradientFunction = GradientFunction(inputs: inputs.map(\.node), backward: backward)
    }

    /// Runs `body` on this tensor's gradient buffer when it requires a gradient. The
    /// second argument is false when the buffer is new and uninitialised, so `body` must
    /// overwrite it (`=`), and true when it holds earlier gradients to add to (`+=`).
    func updateGradient(_ body: (_ gradient: UnsafeMutablePointer<Float>, _ accumulate: Bool) -> Void) {
        node.updateGradient(body)
    }

    /// This tensor's gradient buffer, zeroed first if it is new; for rules that scatter
    /// (broadcast reductions, slices) and so can only add.
    func zeroInitializedGradient() -> UnsafeMutablePointer<Float>? {
        node.zeroInitializedGradient()
    }

    /// Back-propagates from this one-element tensor (a loss): seeds dL/dL = 1, then calls
    /// each recorded rule once, outputs before inputs, in an order found by an iterative
    /// depth-first search. Leaves that require a gradient end with it added to their
    /// ``gradient``; the graph and the intermediate gradients are released afterwards.
    public func backward() {
        precondition(elementCount == 1, "backward() needs a one-element loss; the shape is \(shape).")
        guard requiresGradient else { return }
        var order = node.topologicalOrder()
        updateGradient { gradient, accumulate in
            gradient[0] = accumulate ? gradient[0] + 1 : 1
        }
        // Outputs first; each node leaves `order` once its rule has run, so the rule (and the
        // elements it holds) is freed then, not at the end of the pass.
        while let node = order.popLast() {
            guard let function = node.gradientFunction else { continue }
            if let outputGradient = node.gradient {
                function.backward(outputGradient.storage.pointer)
            }
            node.gradient = nil
            node.gradientFunction = nil
        }
    }
}

extension GradientNode {
    /// The nodes that this one depends on through recorded operations, each after all of
    /// its own inputs (post-order), ending with `self`.
    fileprivate func topologicalOrder() -> [GradientNode] {
        // Room for a typical step's graph up front: growing by doubling cost a dozen
        // allocations a step.
        var order: [GradientNode] = []
        order.reserveCapacity(64)
        var visited = Set<ObjectIdentifier>(minimumCapacity: 64)
        var stack: [(node: GradientNode, inputsDone: Bool)] = []
        stack.reserveCapacity(64)
        stack.append((self, false))
        while let (node, inputsDone) = stack.popLast() {
            if inputsDone {
                order.append(node)
                continue
            }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for input in node.gradientFunction?.inputs ?? [] where input.requiresGradient {
                if !visited.contains(ObjectIdentifier(input)) { stack.append((input, false)) }
            }
        }
        return order
    }
}
