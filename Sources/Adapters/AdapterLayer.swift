import NN
import TensorCore

/// A frozen ``Linear`` wrapped with a trainable low-rank update: ``LoRALinear`` or
/// ``DoRALinear``. Its children and parameters are named as in PEFT (`base_layer`,
/// `lora_A.weight`, `lora_B.weight`, `lora_magnitude_vector`). Dropout is active in
/// training mode (``NN/Module/isTraining``, set by the model's `train()` / `eval()`); its
/// generator is the update's (``NN/StochasticModule``).
public protocol AdapterLayer: StochasticModule {
    /// The wrapped layer (frozen by injection).
    var base: Linear { get }
    /// `A`, `B` and the scale.
    var update: LowRankUpdate { get }
    /// Whether the update is currently folded into ``base``'s weight.
    var isMerged: Bool { get }

    /// The adapted weight `W'` `[out, in]` as a value (no gradient).
    func mergedWeight() throws -> Tensor
    /// The forward pass computed in weight space: `y = x·W'ᵀ + b` with `W'` built from
    /// `W`, `A`, `B` (and `m`) by differentiable operations. Equals ``Module/forward(_:)``.
    func weightSpaceForward(_ input: Tensor) throws -> Tensor
    /// The part of the forward that reads the input only through the frozen base layer
    /// (`x·Wᵀ + b` for LoRA, `x·Wᵀ` for DoRA per output feature), as
    /// ``forward(_:frozenBaseOutput:)`` takes it; nil when this layer's forward has no such
    /// part (merged, or DoRA per input feature). Computed without recording gradients.
    func frozenBaseOutput(_ input: Tensor) throws -> Tensor?
    /// ``Module/forward(_:)`` given `frozenBaseOutput(input)`, computed earlier (for example
    /// once per sample of a fixed data set while the base layer is frozen), so the base
    /// layer's product is not computed again. The same result, bit for bit. Falls back to
    /// ``Module/forward(_:)`` when the current mode cannot use it (DoRA with active dropout).
    func forward(_ input: Tensor, frozenBaseOutput: Tensor) throws -> Tensor
    /// Folds the update into ``base``'s weight in place (PEFT's `merge`); the forward pass
    /// then uses the base layer alone.
    func merge() throws
    /// Undoes ``merge()`` (up to rounding).
    func unmerge() throws
}

extension AdapterLayer {
    public func children() -> [(name: String, module: any Module)] {
        [("base_layer", base)]
    }

    /// The update's dropout generator.
    public var generator: RandomGenerator {
        get { update.generator }
        set { update.generator = newValue }
    }

    /// The merged weight `W'` when the layer is evaluated (no dropout, no gradients recorded),
    /// kept in `cache` while `sources` (`W`, `A`, `B`, and `m`) are unchanged, so that
    /// evaluating a fine-tuned model costs one plain product per layer, as PEFT's merged
    /// inference does, instead of the adapter's extra products and scalings on every batch
    /// (accuracy pass over 60,000 images: LoRA 90 → 81 ms, DoRA 94 → 81 ms). nil while
    /// training, while gradients are recorded, and for weights of
    /// ``TensorCore/Tensor/transposedProductMinimumWeight`` elements or more (never held twice).
    /// With its packed panels (``TensorCore/PackedLinearWeight``) when the layer has more than
    /// ``TensorCore/GEMM/thinDimension`` outputs, so that each batch's product skips packing.
    func evaluationWeight(cache: DerivedValueCache<EvaluationWeight>, sources: [Tensor]) throws -> EvaluationWeight? {
        guard !isTraining, !GradientRecording.isEnabled,
              base.weight.elementCount < Tensor.transposedProductMinimumWeight else { return nil }
        return try cache.value(from: sources) {
            let merged = try mergedWeight()
            return EvaluationWeight(weight: merged, packed: merged.shape[0] > GEMM.thinDimension ? PackedLinearWeight(merged) : nil)
        }
    }

    /// `x·W'ᵀ + b` with an evaluation weight.
    func evaluationForward(_ input: Tensor, weight: EvaluationWeight) throws -> Tensor {
        try Tensor.linear(input, weight: weight.weight, bias: base.bias, packedWeight: weight.packed)
    }

    /// Overwrites `base`'s weight with `values` (a `[out, in]` tensor).
    func overwriteBaseWeight(with values: Tensor) throws {
        try base.weight.assign(values)
    }
}

/// An adapter layer's merged weight `W'` kept for evaluation, and its packed panels.
struct EvaluationWeight {
    let weight: Tensor
    let packed: PackedLinearWeight?
}
