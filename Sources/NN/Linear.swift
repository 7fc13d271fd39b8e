import Foundation
import TensorCore

/// A fully connected layer: `y = x·Wᵀ + b`.
///
/// Shapes: input `[batch, inFeatures]`, ``weight`` `[outFeatures, inFeatures]` (PyTorch's
/// layout, so state dicts map without transposes), ``bias`` `[outFeatures]`, output
/// `[batch, outFeatures]`.
///
/// Initialisation (PyTorch's default for `nn.Linear`): `W` by Kaiming-uniform with
/// `a = √5`, which is uniform in `±1/√inFeatures`, and `b` uniform in `±1/√inFeatures`.
public final class Linear: Module {
    /// `[outFeatures, inFeatures]`.
    public let weight: Tensor
    /// `[outFeatures]`, or nil for a layer without bias.
    public let bias: Tensor?

    /// Packed `Wᵀ` while the weight is frozen (see ``frozenWeightPacked``).
    private let packingCache = DerivedValueCache<PackedLinearWeight>()

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    /// A layer with PyTorch's default initialisation, drawn from `generator` (weight
    /// first, row-major, then bias).
    public init(inFeatures: Int, outFeatures: Int, hasBias: Bool = true, using generator: inout RandomGenerator) {
        precondition(inFeatures > 0 && outFeatures > 0, "Linear needs positive feature counts, got \(inFeatures) -> \(outFeatures).")
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = Tensor.uniform([outFeatures, inFeatures], low: -bound, high: bound, using: &generator, requiresGradient: true)
        bias = hasBias ? Tensor.uniform([outFeatures], low: -bound, high: bound, using: &generator, requiresGradient: true) : nil
    }

    /// A layer from existing tensors: `weight` `[out, in]` and `bias` `[out]`.
    public init(weight: Tensor, bias: Tensor?) throws(ShapeError) {
        guard weight.shape.rank == 2 else { throw ShapeError.rankMismatch(operation: "Linear", expectedRank: 2, actual: weight.shape) }
        if let bias, bias.shape != Shape([weight.shape[0]]) {
            throw ShapeError.mismatch(operation: "Linear bias", lhs: weight.shape, rhs: bias.shape)
        }
        self.weight = weight
        self.bias = bias
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        try Tensor.linear(input, weight: weight, bias: bias, packedWeight: frozenWeightPacked)
    }

    /// W packed once into the GEMM micro-kernel's panels (``TensorCore/PackedLinearWeight``: `Wᵀ`
    /// for the forward, W for the input gradient on the first backward) while the weight is frozen (needs no gradient), is small enough to be multiplied as
    /// `x·Wᵀ` (under ``TensorCore/Tensor/transposedProductMinimumWeight`` elements) and has more
    /// than ``TensorCore/GEMM/thinDimension`` outputs (fewer go to dot products of rows, which
    /// read W as it is); nil otherwise. The products read the panels instead of packing W again on
    /// every call (packing was 3 % of an embedding pass of all-MiniLM-L6-v2). Remade
    /// when the weight's contents change.
    public var frozenWeightPacked: PackedLinearWeight? {
        guard !weight.requiresGradient, weight.elementCount < Tensor.transposedProductMinimumWeight,
              outFeatures > GEMM.thinDimension else { return nil }
        return packingCache.value(from: [weight]) { PackedLinearWeight(weight) }
    }

    public func ownParameters() -> [(name: String, parameter: Tensor)] {
        if let bias { return [("weight", weight), ("bias", bias)] }
        return [("weight", weight)]
    }
}
