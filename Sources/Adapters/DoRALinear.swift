import Foundation
import NN
import TensorCore

/// DoRA, weight-decomposed low-rank adaptation (Liu et al. 2024, arXiv 2402.09353),
/// around a frozen Linear layer. With `V = W + s·B·A` `[out, in]` and a trained
/// magnitude `m`:
///
/// - per output feature (default, as PEFT): `W' = (m / ‖V‖_row) ⊙_row V`, `m` `[out]`;
///   activation space, no dropout: `y = c ⊙ (x·Wᵀ + s·(x·Aᵀ)·Bᵀ) + b` with `c = m/‖V‖_row`;
///   with dropout `x'` (PEFT's training formula):
///   `y = x·Wᵀ + b + (c − 1) ⊙ (x'·Wᵀ) + c ⊙ s·(x'·Aᵀ)·Bᵀ`.
/// - per input feature (the reference notebook's variant): `W' = V ⊙_column (m / ‖V‖_col)`,
///   `m` `[in]`; activation space `y = (x ⊙ c)·Wᵀ + b + s·((x' ⊙ c)·Aᵀ)·Bᵀ`.
///
/// The bias is not rescaled. `m` starts as the norms of `V` (so the layer starts equal to
/// the base layer). The norm is treated as a constant in backpropagation by default
/// (paper section 4.3, PEFT); ``treatsNormAsConstant`` false differentiates it.
public final class DoRALinear: AdapterLayer {
    public let base: Linear
    public let update: LowRankUpdate
    /// `m`: `[out]` or `[in]` depending on ``magnitudeAxis``.
    public let magnitude: Tensor
    public let magnitudeAxis: DoRAMagnitudeAxis
    public let treatsNormAsConstant: Bool
    public var isTraining = true
    public private(set) var isMerged = false
    private var normAtMerge: Tensor?
    /// `‖W_i‖²` while W is unchanged (see ``forwardSharingThePassOverW(_:)``).
    private let squaredRowNorms = DerivedTensorCache()
    /// `W'` while evaluating (see ``AdapterLayer/evaluationWeight(cache:sources:)``).
    private let evaluationWeights = DerivedValueCache<EvaluationWeight>()

    /// A DoRA layer; `magnitude` nil starts it at the norms of `W + s·B·A`.
    init(base: Linear, update: LowRankUpdate, magnitude: Tensor?, axis: DoRAMagnitudeAxis, treatsNormAsConstant: Bool) throws {
        self.base = base
        self.update = update
        self.magnitudeAxis = axis
        self.treatsNormAsConstant = treatsNormAsConstant
        if let magnitude {
            self.magnitude = magnitude
        } else {
            let initial = try withoutGradients { try Self.norms(of: base.weight + update.deltaWeight(), axis: axis) }
            initial.requiresGradient = true
            self.magnitude = initial
        }
    }

    static func norms(of weight: Tensor, axis: DoRAMagnitudeAxis) throws -> Tensor {
        switch axis {
        case .outputFeatures: try weight.rowNorms()
        case .inputFeatures: try weight.columnNorms()
        }
    }

    /// `‖W + s·B·A‖` along the magnitude's axis: a constant computed in one pass without
    /// forming `W + s·B·A` (``TensorCore/Tensor/lowRankAdaptedNorms(weight:a:b:scale:alongRows:)``),
    /// or, when the norm is not treated as constant, a differentiable graph through
    /// `W + s·B·A`.
    func weightNorm() throws -> Tensor {
        if treatsNormAsConstant {
            return try Tensor.lowRankAdaptedNorms(weight: base.weight, a: update.a, b: update.b, scale: update.scale,
                                                  alongRows: magnitudeAxis == .outputFeatures)
        }
        return try Self.norms(of: base.weight + update.deltaWeight(), axis: magnitudeAxis)
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        guard !isMerged else { return try base.forward(input) }
        if let merged = try evaluationWeight(cache: evaluationWeights, sources: [base.weight, update.a, update.b, magnitude]) {
            return try evaluationForward(input, weight: merged)
        }
        if let output = try forwardSharingThePassOverW(input) { return output }
        let factor = try magnitude / weightNorm()
        let dropped = update.droppedOut(input, isTraining: isTraining)
        switch magnitudeAxis {
        case .outputFeatures:
            if dropped === input { return try scaledDirection(input, factor: factor, frozenBaseOutput: nil) }
            let droppedBase = try Tensor.linear(dropped, weight: base.weight, bias: nil, packedWeight: base.frozenWeightPacked)
            return try base.forward(input) + droppedBase * (factor - 1) + update.apply(dropped) * factor
        case .inputFeatures:
            let scaledInput = try input * factor
            let scaledDropped = dropped === input ? scaledInput : try dropped * factor
            return try Tensor.lowRankAdaptedLinear(scaledInput, weight: base.weight, bias: base.bias, adapterInput: scaledDropped,
                                                   a: update.a, b: update.b, scale: update.scale,
                                                   packedWeight: base.frozenWeightPacked)
        }
    }

    /// `x·Wᵀ`, per output feature only (per input feature the input is scaled before the
    /// product).
    public func frozenBaseOutput(_ input: Tensor) throws -> Tensor? {
        guard !isMerged, magnitudeAxis == .outputFeatures else { return nil }
        return try withoutGradients {
            try Tensor.linear(input, weight: base.weight, bias: nil, packedWeight: base.frozenWeightPacked)
        }
    }

    /// `y = c ⊙ (frozenBaseOutput + s·(x·Aᵀ)·Bᵀ) + b`, the no-dropout formula of ``forward(_:)``;
    /// with active dropout (or per input feature) ``forward(_:)`` itself.
    public func forward(_ input: Tensor, frozenBaseOutput: Tensor) throws -> Tensor {
        guard !isMerged, magnitudeAxis == .outputFeatures, !isTraining || update.dropoutProbability == 0 else {
            return try forward(input)
        }
        return try scaledDirection(input, factor: magnitude / weightNorm(), frozenBaseOutput: frozenBaseOutput)
    }

    /// `c ⊙ (x·Wᵀ + s·(x·Aᵀ)·Bᵀ) + b` per output feature, without dropout, with `x·Wᵀ` given
    /// or computed (from W's kept packed panels while W is frozen).
    private func scaledDirection(_ input: Tensor, factor: Tensor, frozenBaseOutput: Tensor?) throws -> Tensor {
        let direction = try Tensor.lowRankAdaptedLinear(
            input, weight: base.weight, bias: nil, adapterInput: input, a: update.a, b: update.b, scale: update.scale,
            packedWeight: frozenBaseOutput == nil ? base.frozenWeightPacked : nil, precomputedAffine: frozenBaseOutput)
        return try Tensor.scaledColumns(direction, scale: factor, bias: base.bias)
    }

    /// The forward for a large frozen weight (``Tensor/usesTransposedProduct(batch:inFeatures:outFeatures:)``),
    /// constant norm per output feature, no dropout: `P = W·Aᵀ` is computed in the same pass
    /// over W as `x·Wᵀ`, and the norm from `P`, `‖W‖²` (cached while W is unchanged) and
    /// `A·Aᵀ` (``Tensor/lowRankAdaptedRowNorms(weightSquaredRowNorms:weightProducts:a:b:scale:)``),
    /// so W is read once per step instead of twice. nil when another path applies.
    private func forwardSharingThePassOverW(_ input: Tensor) throws -> Tensor? {
        guard treatsNormAsConstant, magnitudeAxis == .outputFeatures, input.shape.rank >= 1,
              !isTraining || update.dropoutProbability == 0,
              Tensor.usesTransposedProduct(batch: input.shape.rowCount, inFeatures: base.inFeatures, outFeatures: base.outFeatures)
        else { return nil }
        let (direction, products) = try Tensor.lowRankAdaptedLinearWithWeightProducts(
            input, weight: base.weight, bias: nil, adapterInput: input, a: update.a, b: update.b, scale: update.scale)
        let weight = base.weight
        let weightSquares = try squaredRowNorms.value(from: [weight]) { try weight.squaredRowNorms() }
        let norm = try Tensor.lowRankAdaptedRowNorms(weightSquaredRowNorms: weightSquares, weightProducts: products,
                                                     a: update.a, b: update.b, scale: update.scale)
        return try Tensor.scaledColumns(direction, scale: magnitude / norm, bias: base.bias)
    }

    /// `W'` from `W`, `A`, `B`, `m` and a norm computed by `norm`.
    private func adaptedWeight(norm: (Tensor) throws -> Tensor) throws -> Tensor {
        let direction = try base.weight + update.deltaWeight()
        let factor = try magnitude / norm(direction)
        switch magnitudeAxis {
        case .outputFeatures: return try direction * factor.reshaped(to: [factor.elementCount, 1])
        case .inputFeatures: return try direction * factor
        }
    }

    public func weightSpaceForward(_ input: Tensor) throws -> Tensor {
        guard !isMerged else { return try base.forward(input) }
        let axis = magnitudeAxis
        let weight = try adaptedWeight { direction in
            treatsNormAsConstant ? try Self.norms(of: direction.detached(), axis: axis) : try Self.norms(of: direction, axis: axis)
        }
        return try Tensor.linear(input, weight: weight, bias: base.bias)
    }

    public func mergedWeight() throws -> Tensor {
        guard !isMerged else { return base.weight.copy() }
        let axis = magnitudeAxis
        return try withoutGradients { try adaptedWeight { try Self.norms(of: $0, axis: axis) } }
    }

    public func merge() throws {
        guard !isMerged else { return }
        let norm = try withoutGradients { try weightNorm() }
        try overwriteBaseWeight(with: mergedWeight())
        normAtMerge = norm
        isMerged = true
    }

    /// `W = W' / (m / n) − s·B·A`, with `n` the norm cached by ``merge()`` (as PEFT).
    public func unmerge() throws {
        guard isMerged, let norm = normAtMerge else { return }
        try withoutGradients {
            let factor = try magnitude / norm
            let shapedFactor = magnitudeAxis == .outputFeatures ? try factor.reshaped(to: [factor.elementCount, 1]) : factor
            try overwriteBaseWeight(with: base.weight / shapedFactor - update.deltaWeight())
        }
        normAtMerge = nil
        isMerged = false
    }

    public func ownParameters() -> [(name: String, parameter: Tensor)] {
        [("lora_A.weight", update.a), ("lora_B.weight", update.b), ("lora_magnitude_vector", magnitude)]
    }
}
