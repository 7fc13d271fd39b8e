/// Integer ids with a shape: token ids `[batch, tokens]`, class labels `[batch]`, rows to
/// gather. Every id is non-negative and fits in 32 bits (checked when built); whether an id
/// is below a table's size is checked by the op that uses it
/// (``Tensor/embedding(_:weight:)``), which throws ``ShapeError/indexOutOfRange(operation:index:position:validRange:)``
/// naming the id, its position and the range.
public struct IndexTensor: Equatable, Sendable, CustomStringConvertible {
    /// The dimensions (rank 0 to 4).
    public let shape: Shape
    /// The ids in row-major order.
    public let values: [Int32]

    /// The largest id an index tensor can hold, plus one.
    public static let idLimit = Int(Int32.max) + 1

    /// Ids `values` (row-major) of shape `shape`; their count must be `shape.elementCount`
    /// and each must be in `0..<idLimit`.
    public init(shape: Shape, values: [Int32]) throws(ShapeError) {
        guard values.count == shape.elementCount else {
            throw ShapeError.elementCountMismatch(operation: "IndexTensor", shape: shape, elementCount: values.count)
        }
        for (position, value) in values.enumerated() where value < 0 {
            throw ShapeError.indexOutOfRange(operation: "IndexTensor", index: Int(value), position: position, validRange: 0..<Self.idLimit)
        }
        self.shape = shape
        self.values = values
    }

    /// Ids `values` (row-major) of shape `shape`; their count must be `shape.elementCount`
    /// and each must be in `0..<idLimit`.
    public init(shape: Shape, values: [Int]) throws(ShapeError) {
        guard values.count == shape.elementCount else {
            throw ShapeError.elementCountMismatch(operation: "IndexTensor", shape: shape, elementCount: values.count)
        }
        var narrowed = [Int32]()
        narrowed.reserveCapacity(values.count)
        for (position, value) in values.enumerated() {
            guard value >= 0 && value < Self.idLimit else {
                throw ShapeError.indexOutOfRange(operation: "IndexTensor", index: value, position: position, validRange: 0..<Self.idLimit)
            }
            narrowed.append(Int32(value))
        }
        self.shape = shape
        self.values = narrowed
    }

    /// A `[rows.count, length]` tensor from rows of equal length (a batch of token ids).
    public init(rows: [[Int]]) throws(ShapeError) {
        let length = rows.first?.count ?? 0
        let shape = try Shape.validated([rows.count, length])
        guard rows.allSatisfy({ $0.count == length }) else {
            throw ShapeError.elementCountMismatch(operation: "IndexTensor(rows:) (rows of unequal length)",
                                                  shape: shape, elementCount: rows.reduce(0) { $0 + $1.count })
        }
        try self.init(shape: shape, values: rows.flatMap { $0 })
    }

    /// The number of ids.
    public var elementCount: Int { values.count }

    /// Throws ``ShapeError/indexOutOfRange(operation:index:position:validRange:)`` for the
    /// first id (in row-major order) that is not below `upperBound`.
    public func validate(below upperBound: Int, operation: String) throws(ShapeError) {
        for (position, value) in values.enumerated() where Int(value) >= upperBound {
            throw ShapeError.indexOutOfRange(operation: operation, index: Int(value), position: position, validRange: 0..<max(upperBound, 0))
        }
    }

    public var description: String {
        let shown = values.prefix(8).map { String($0) }.joined(separator: ", ")
        return "IndexTensor(shape: \(shape), [\(shown)\(elementCount > 8 ? ", …" : "")])"
    }
}
