/// A tensor's place in the gradient graph, apart from its elements: whether it requires a
/// gradient, the gradient accumulated so far, and the rule that produced it.
///
/// The graph links nodes, not tensors (PyTorch's `grad_fn` graph): a rule keeps the node of
/// each input, so that it can add to that input's gradient, but an input's elements stay
/// alive only when the rule itself holds them (its backward reads them). An intermediate
/// result that no rule reads (a frozen layer's input, the input of an addition) is freed as
/// soon as the forward code lets go of it, instead of living until ``Tensor/backward()``.
final class GradientNode {
    let shape: Shape
    var requiresGradient: Bool
    /// dL/d(tensor), accumulated; nil before the first contribution.
    var gradient: Tensor?
    /// The rule that sends this node's gradient to its inputs' nodes; nil for leaves.
    var gradientFunction: GradientFunction?

    init(shape: Shape, requiresGradient: Bool) {
        self.shape = shape
        self.requiresGradient = requiresGradient
    }

    /// Runs `body` on the gradient buffer when the node requires a gradient. The second
    /// argument is false when the buffer is new and uninitialised, so `body` must overwrite
    /// it (`=`), and true when it holds earlier gradients to add to (`+=`).
    func updateGradient(_ body: (_ gradient: UnsafeMutablePointer<Float>, _ accumulate: Bool) -> Void) {
        guard requiresGradient else { return }
        if let existing = gradient {
            body(existing.storage.pointer, true)
        } else {
            let fresh = Tensor(uninitializedShape: shape)
            body(fresh.storage.pointer, false)
            gradient = fresh
        }
    }

    /// The gradient buffer, zeroed first if it is new; nil when no gradient is required.
    func zeroInitializedGradient() -> UnsafeMutablePointer<Float>? {
        guard requiresGradient else { return nil }
        if let existing = gradient { return existing.storage.pointer }
        let fresh = Tensor(zeros: shape)
        gradient = fresh
        return fresh.storage.pointer
    }
}
