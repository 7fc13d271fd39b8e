/// A dense, row-major, Float32 tensor that can take part in reverse-mode automatic
/// differentiation.
///
/// A tensor is a reference: optimisers update parameters in place and every holder sees
/// the change. Operations create new tensors; when gradient recording is on and an input
/// ``requiresGradient``, the result remembers its inputs and one backward rule, and
/// ``backward()`` on a scalar result walks that graph in reverse topological order.
/// Gradients accumulate into ``gradient`` until cleared with ``clearGradient()``.
public final class Tensor {
    /// The dimensions of the tensor.
    public let shape: Shape
    let storage: TensorStorage

    /// This tensor's place in the gradient graph (``GradientNode``).
    let node: GradientNode

    /// Whether gradients are computed for this tensor. Set it on parameters; results of
    /// operations inherit it from their inputs. Frozen parameters set it to false.
    public var requiresGradient: Bool {
        get { node.requiresGradient }
        set { node.requiresGradient = newValue }
    }

    /// dL/d(self) after ``backward()``, accumulated over calls; nil before the first
    /// backward pass or after ``clearGradient()``. Only kept for leaves (tensors not
    /// produced by a recorded operation), as in PyTorch.
    public internal(set) var gradient: Tensor? {
        get { node.gradient }
        set { node.gradient = newValue }
    }

    var gradientFunction: GradientFunction? {
        get { node.gradientFunction }
        set { node.gradientFunction = newValue }
    }

    /// Whether this tensor was created directly rather than by a recorded operation.
    public var isLeaf: Bool { gradientFunction == nil }

    /// The number of elements.
    public var elementCount: Int { storage.count }

    init(shape: Shape, storage: TensorStorage, requiresGradient: Bool = false) {
        precondition(shape.elementCount == storage.count)
        self.shape = shape
        self.storage = storage
        self.node = GradientNode(shape: shape, requiresGradient: requiresGradient)
    }

    /// A tensor with uninitialised contents (every element must be written before use).
    convenience init(uninitializedShape shape: Shape) {
        self.init(shape: shape, storage: TensorStorage(count: shape.elementCount))
    }

    /// A tensor holding `values` in row-major order.
    public convenience init(shape: Shape, values: [Float], requiresGradient: Bool = false) throws(ShapeError) {
        guard values.count == shape.elementCount else {
            throw ShapeError.elementCountMismatch(operation: "Tensor(shape:values:)", shape: shape, elementCount: values.count)
        }
        self.init(uninitializedShape: shape)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { storage.pointer.update(from: base, count: values.count) }
        }
        self.requiresGradient = requiresGradient
    }

    /// A tensor with every element equal to `value`.
    public convenience init(repeating value: Float, shape: Shape, requiresGradient: Bool = false) {
        self.init(uninitializedShape: shape)
        storage.pointer.update(repeating: value, count: shape.elementCount)
        self.requiresGradient = requiresGradient
    }

    /// A tensor of zeros.
    public convenience init(zeros shape: Shape, requiresGradient: Bool = false) {
        self.init(repeating: 0, shape: shape, requiresGradient: requiresGradient)
    }

    /// A rank-0 tensor holding one value.
    public convenience init(scalar value: Float) {
        self.init(repeating: value, shape: Shape([]))
    }

    /// The elements in row-major order (a copy).
    public var scalars: [Float] {
        Array(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// The single element of a one-element tensor (PyTorch's `item()`).
    public var scalarValue: Float {
        precondition(storage.count == 1, "scalarValue needs a one-element tensor, the shape is \(shape).")
        return storage.pointer[0]
    }

    /// Reads the elements without copying.
    public func withUnsafeBufferPointer<Result>(_ body: (UnsafeBufferPointer<Float>) throws -> Result) rethrows -> Result {
        try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Writes the elements in place (optimiser updates, loading weights). Tensors that
    /// share this storage (reshapes, detached copies) see the change.
    public func withUnsafeMutableBufferPointer<Result>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Result) rethrows -> Result {
        storage.version &+= 1
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Changes whenever the elements are written in place (``withUnsafeMutableBufferPointer(_:)``,
    /// ``assign(_:)``); shared by tensors that share storage. Caches of values computed from a
    /// frozen tensor compare it to know when to recompute.
    public var contentVersion: UInt64 { storage.version }

    /// Names the elements' storage: equal for tensors that share it (reshapes, detached
    /// copies), and never given to another storage in this process, even after this one is
    /// freed (unlike its address). With ``contentVersion``, a cache can tell whether a
    /// tensor is the one it computed from, without keeping that tensor alive.
    public var storageIdentity: UInt64 { storage.identity }

    /// Copies `other`'s elements into this tensor in place; the shapes must be equal.
    public func assign(_ other: Tensor) throws(ShapeError) {
        guard other.shape == shape else { throw ShapeError.mismatch(operation: "assign", lhs: shape, rhs: other.shape) }
        storage.version &+= 1
        storage.pointer.update(from: other.storage.pointer, count: storage.count)
    }

    /// Forgets the accumulated gradient (PyTorch's `zero_grad(set_to_none=True)`).
    public func clearGradient() {
        gradient = nil
    }

    /// A tensor sharing this one's elements, cut off from the gradient graph.
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage)
    }

    /// An independent copy of the elements, cut off from the gradient graph.
    public func copy() -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        result.storage.pointer.update(from: storage.pointer, count: storage.count)
        result.requiresGradient = requiresGradient
        return result
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(elementCount > 8 ? ", …" : "")])"
    }
}
