import NN
import TensorCore

/// LoRA (Hu et al. 2021, arXiv 2106.09685) around a frozen Linear layer:
///
/// `y = x·Wᵀ + b + s·(drop(x)·Aᵀ)·Bᵀ`
///
/// with `W` `[out, in]` and `b` `[out]` frozen, `A` `[r, in]` and `B` `[out, r]` trained,
/// `s` from ``LoRAScaling``. In weight space `W' = W + s·B·A`. The activation-space
/// forward never forms an `[out, in]` matrix.
public final class LoRALinear: AdapterLayer {
    public let base: Linear
    public let update: LowRankUpdate
    public var isTraining = true
    public private(set) var isMerged = false
    /// `W'` while evaluating (see ``AdapterLayer/evaluationWeight(cache:sources:)``).
    private let evaluationWeights = DerivedValueCache<EvaluationWeight>()

    init(base: Linear, update: LowRankUpdate) {
        self.base = base
        self.update = update
    }

    /// One fused operation (``Tensor/lowRankAdaptedLinear(_:weight:bias:adapterInput:a:b:scale:)``),
    /// the same arithmetic as `base(x) + update(drop(x))`.
    public func forward(_ input: Tensor) throws -> Tensor {
        guard !isMerged else { return try base.forward(input) }
        if let merged = try evaluationWeight(cache: evaluationWeights, sources: [base.weight, update.a, update.b]) {
            return try evaluationForward(input, weight: merged)
        }
        return try adaptedForward(input, frozenBaseOutput: nil)
    }

    /// `x·Wᵀ + b`.
    public func frozenBaseOutput(_ input: Tensor) throws -> Tensor? {
        guard !isMerged else { return nil }
        return try withoutGradients {
            try Tensor.linear(input, weight: base.weight, bias: base.bias, packedWeight: base.frozenWeightPacked)
        }
    }

    /// `y = frozenBaseOutput + s·(drop(x)·Aᵀ)·Bᵀ`.
    public func forward(_ input: Tensor, frozenBaseOutput: Tensor) throws -> Tensor {
        guard !isMerged else { return try base.forward(input) }
        return try adaptedForward(input, frozenBaseOutput: frozenBaseOutput)
    }

    /// The fused op, computing `x·Wᵀ + b` (from W's kept packed panels while W is frozen) unless it is given.
    private func adaptedForward(_ input: Tensor, frozenBaseOutput: Tensor?) throws -> Tensor {
        try Tensor.lowRankAdaptedLinear(
            input, weight: base.weight, bias: base.bias, adapterInput: update.droppedOut(input, isTraining: isTraining),
            a: update.a, b: update.b, scale: update.scale,
            packedWeight: frozenBaseOutput == nil ? base.frozenWeightPacked : nil, precomputedAffine: frozenBaseOutput)
    }

    public func weightSpaceForward(_ input: Tensor) throws -> Tensor {
        guard !isMerged else { return try base.forward(input) }
        let weight = try base.weight + update.deltaWeight()
        return try Tensor.linear(input, weight: weight, bias: base.bias)
    }

    public func mergedWeight() throws -> Tensor {
        try withoutGradients {
            isMerged ? base.weight.copy() : try base.weight + update.deltaWeight()
        }
    }

    public func merge() throws {
        guard !isMerged else { return }
        try overwriteBaseWeight(with: mergedWeight())
        isMerged = true
    }

    public func unmerge() throws {
        guard isMerged else { return }
        try withoutGradients { try overwriteBaseWeight(with: base.weight - update.deltaWeight()) }
        isMerged = false
    }

    public func ownParameters() -> [(name: String, parameter: Tensor)] {
        [("lora_A.weight", update.a), ("lora_B.weight", update.b)]
    }
}
