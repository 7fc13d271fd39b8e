/// A bounds-checked, read-only view of a tensor's elements in row-major order, for code
/// outside the library that reads values element by element (a custom operation's forward
/// and backward, see ``Tensor/customOperation(inputs:outputShape:forward:backward:)``).
///
/// The view keeps the tensor's storage alive, so it stays valid however long it is kept;
/// it sees later in-place writes to that storage. `view[i]` is element `i` of the flattened
/// tensor: for shape `[rows, columns]`, element `(r, c)` is `view[r * columns + c]`.
public struct TensorElements: RandomAccessCollection {
    private let storage: TensorStorage
    /// The dimensions of the viewed tensor.
    public let shape: Shape

    init(_ tensor: Tensor) {
        storage = tensor.storage
        shape = tensor.shape
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.count }

    /// Element `index` in row-major order; a precondition checks `0 ≤ index < count`.
    public subscript(index: Int) -> Float {
        precondition(index >= 0 && index < storage.count,
                     "Index \(index) is out of range for a tensor of shape \(shape).")
        return storage.pointer[index]
    }

    /// Reads the elements through an unchecked buffer, for loops where the bounds checks cost.
    public func withUnsafeBufferPointer<Result>(_ body: (UnsafeBufferPointer<Float>) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(storage) { try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count)) }
    }
}

/// A bounds-checked, writable view of a tensor's elements in row-major order: the output a
/// custom operation's forward fills, and the gradient its backward adds to (see
/// ``Tensor/customOperation(inputs:outputShape:forward:backward:)``). A reference to the
/// elements: writing through a copy of the view writes the same tensor.
public struct MutableTensorElements: RandomAccessCollection, MutableCollection {
    private let storage: TensorStorage
    /// The dimensions of the viewed tensor.
    public let shape: Shape

    init(_ tensor: Tensor) {
        storage = tensor.storage
        shape = tensor.shape
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.count }

    /// Element `index` in row-major order; a precondition checks `0 ≤ index < count`.
    public subscript(index: Int) -> Float {
        get {
            precondition(index >= 0 && index < storage.count,
                         "Index \(index) is out of range for a tensor of shape \(shape).")
            return storage.pointer[index]
        }
        nonmutating set {
            precondition(index >= 0 && index < storage.count,
                         "Index \(index) is out of range for a tensor of shape \(shape).")
            storage.pointer[index] = newValue
        }
    }

    /// Writes the elements through an unchecked buffer, for loops where the bounds checks cost.
    public func withUnsafeMutableBufferPointer<Result>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(storage) { try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count)) }
    }
}

extension Tensor {
    /// A bounds-checked, read-only view of the elements in row-major order (no copy).
    public var elements: TensorElements { TensorElements(self) }
}
