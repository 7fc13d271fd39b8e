import TensorCore

/// A lookup table, PyTorch's `nn.Embedding`: `y[…, :] = weight[ids[…], :]`. Input integer
/// ids `[batch, tokens]` (an ``IndexTensor``), ``weight`` `[vocabulary, features]`, output
/// `[batch, tokens, features]`. An id outside the table throws
/// ``TensorCore/ShapeError/indexOutOfRange(operation:index:position:validRange:)``.
public final class Embedding: MultiInputModule {
    /// `[vocabulary, features]`.
    public let weight: Tensor

    public var vocabularySize: Int { weight.shape[0] }
    public var features: Int { weight.shape[1] }

    /// A table from an existing `[vocabulary, features]` tensor.
    public init(weight: Tensor) throws(ShapeError) {
        guard weight.shape.rank == 2 else { throw ShapeError.rankMismatch(operation: "Embedding", expectedRank: 2, actual: weight.shape) }
        self.weight = weight
    }

    public func forward(_ ids: IndexTensor) throws -> Tensor {
        try Tensor.embedding(ids, weight: weight)
    }

    public func ownParameters() -> [(name: String, parameter: Tensor)] {
        [("weight", weight)]
    }
}
