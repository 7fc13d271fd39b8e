/// A tensor operation was given shapes it cannot combine, or dimensions that do not form
/// a shape. Every case names the shapes involved.
public enum ShapeError: Error, Equatable, CustomStringConvertible {
    /// Two operands of `operation` have shapes that do not fit together.
    case mismatch(operation: String, lhs: Shape, rhs: Shape)
    /// `operation` needs a tensor of a given rank.
    case rankMismatch(operation: String, expectedRank: Int, actual: Shape)
    /// The number of values does not match the shape.
    case elementCountMismatch(operation: String, shape: Shape, elementCount: Int)
    /// An axis argument is outside the tensor's rank.
    case axisOutOfRange(operation: String, axis: Int, shape: Shape)
    /// A range along an axis is outside the tensor.
    case rangeOutOfBounds(operation: String, range: Range<Int>, shape: Shape)
    /// A class index given as a target is not a valid column of the logits.
    case classIndexOutOfRange(index: Int, classCount: Int)
    /// Dimensions that do not form a shape (rank above 4, negative, or too many elements).
    case invalidDimensions([Int])
    /// `axes` is not an ordering of every axis of `shape` (``Tensor/permuted(_:)``).
    case invalidPermutation(axes: [Int], shape: Shape)
    /// An integer id (a token id, a row index) at `position` (row-major) of an index tensor
    /// is outside `validRange`.
    case indexOutOfRange(operation: String, index: Int, position: Int, validRange: Range<Int>)

    public var description: String {
        switch self {
        case let .mismatch(operation, lhs, rhs):
            return "\(operation): shapes \(lhs) and \(rhs) are incompatible. Check the layer sizes and the data's feature count."
        case let .rankMismatch(operation, expectedRank, actual):
            return "\(operation): expected a tensor of rank \(expectedRank), got shape \(actual)."
        case let .elementCountMismatch(operation, shape, elementCount):
            return "\(operation): shape \(shape) holds \(shape.elementCount) elements, but \(elementCount) were given."
        case let .axisOutOfRange(operation, axis, shape):
            return "\(operation): axis \(axis) does not exist in a tensor of shape \(shape)."
        case let .rangeOutOfBounds(operation, range, shape):
            return "\(operation): range \(range.lowerBound)..<\(range.upperBound) is outside a tensor of shape \(shape)."
        case let .classIndexOutOfRange(index, classCount):
            return "Cross-entropy: target class \(index) is not in 0..<\(classCount). Does the data set have more classes than the model's output?"
        case let .invalidDimensions(dimensions):
            return "Dimensions \(dimensions) do not form a tensor shape: at most \(Shape.maximumRank) non-negative dimensions whose product fits in an Int."
        case let .invalidPermutation(axes, shape):
            return "permuted: axes \(axes) are not an ordering of 0..<\(shape.rank), the axes of a tensor of shape \(shape)."
        case let .indexOutOfRange(operation, index, position, validRange):
            return "\(operation): id \(index) at position \(position) is not in \(validRange.lowerBound)..<\(validRange.upperBound). "
                + "Does the tokenizer's vocabulary match the model's embedding table?"
        }
    }
}
