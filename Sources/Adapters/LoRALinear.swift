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

    init(base: Linear, update: LowRankUpdate) {
        self.base = base
        self.update = update
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        let baseOutput = try base.forward(input)
        guard !isMerged else { return baseOutput }
        return try baseOutput + update.apply(update.droppedOut(input, isTraining: isTraining))
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
