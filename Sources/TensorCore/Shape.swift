/// The dimensions of a row-major tensor, rank 0 to 4, stored inline so that creating a
/// shape never allocates.
///
/// Rank 4 covers everything the library needs (`[batch, heads, tokens, headDimension]`
/// for attention); the last dimension is the contiguous one.
public struct Shape: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// The largest rank a tensor may have.
    public static let maximumRank = 4

    private var storage: (Int, Int, Int, Int)
    /// The number of dimensions.
    public let rank: Int

    /// A shape from its dimensions; each must be non-negative and there may be at most
    /// ``maximumRank`` of them (a programmer error otherwise: use ``validated(_:)`` for
    /// dimensions read from a file or a flag).
    public init(_ dimensions: [Int]) {
        precondition(dimensions.count <= Shape.maximumRank,
                     "Shape \(dimensions) has rank \(dimensions.count); at most \(Shape.maximumRank) is supported.")
        precondition(dimensions.allSatisfy { $0 >= 0 }, "Shape \(dimensions) has a negative dimension.")
        var values = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &values) { raw in
            let slots = raw.bindMemory(to: Int.self)
            for (index, dimension) in dimensions.enumerated() { slots[index] = dimension }
        }
        storage = values
        rank = dimensions.count
    }

    public init(arrayLiteral elements: Int...) {
        self.init(elements)
    }

    /// A shape from dimensions supplied by a user or a file, or a ``ShapeError`` saying
    /// why they do not form one (rank above 4, a negative dimension, or an element count
    /// that overflows).
    public static func validated(_ dimensions: [Int]) throws(ShapeError) -> Shape {
        guard dimensions.count <= maximumRank, dimensions.allSatisfy({ $0 >= 0 }) else {
            throw ShapeError.invalidDimensions(dimensions)
        }
        var count = 1
        for dimension in dimensions {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw ShapeError.invalidDimensions(dimensions) }
            count = product
        }
        return Shape(dimensions)
    }

    /// The size of dimension `axis` (0-based).
    public subscript(axis: Int) -> Int {
        precondition(axis >= 0 && axis < rank, "Axis \(axis) is out of range for a shape of rank \(rank).")
        return withUnsafeBytes(of: storage) { $0.load(fromByteOffset: axis &* MemoryLayout<Int>.stride, as: Int.self) }
    }

    /// The dimensions as an array (allocates; for descriptions and file formats).
    public var dimensions: [Int] {
        (0..<rank).map { self[$0] }
    }

    /// The number of elements: the product of the dimensions (1 for a scalar).
    public var elementCount: Int {
        var count = 1
        for axis in 0..<rank { count &*= self[axis] }
        return count
    }

    /// The last dimension (1 for a scalar): the length of a contiguous row.
    public var lastDimension: Int { rank == 0 ? 1 : self[rank &- 1] }

    /// The number of rows when the tensor is seen as `[elementCount / lastDimension, lastDimension]`.
    public var rowCount: Int {
        var count = 1
        for axis in 0..<max(rank &- 1, 0) { count &*= self[axis] }
        return count
    }

    /// This shape with dimension `axis` replaced by `size`.
    public func replacing(axis: Int, with size: Int) -> Shape {
        var copy = self
        precondition(axis >= 0 && axis < rank && size >= 0)
        withUnsafeMutableBytes(of: &copy.storage) { raw in
            raw.storeBytes(of: size, toByteOffset: axis &* MemoryLayout<Int>.stride, as: Int.self)
        }
        return copy
    }

    public static func == (lhs: Shape, rhs: Shape) -> Bool {
        guard lhs.rank == rhs.rank else { return false }
        for axis in 0..<lhs.rank where lhs[axis] != rhs[axis] { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(rank)
        for axis in 0..<rank { hasher.combine(self[axis]) }
    }

    public var description: String {
        "[" + dimensions.map(String.init).joined(separator: ", ") + "]"
    }
}
