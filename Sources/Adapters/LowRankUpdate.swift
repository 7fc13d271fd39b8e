import TensorCore

/// The trainable low-rank pair of an adapter and how it is applied:
/// `ΔW = s·B·A`, `Δy = s·(drop(x)·Aᵀ)·Bᵀ`, with `A` `[r, in]` (PEFT's `lora_A.weight`),
/// `B` `[out, r]` (`lora_B.weight`) and scale `s`.
public final class LowRankUpdate {
    /// `A` `[rank, inFeatures]`.
    public let a: Tensor
    /// `B` `[outFeatures, rank]`.
    public let b: Tensor
    /// The scale `s` of `B·A` (see ``LoRAScaling``).
    public let scale: Float
    /// The probability of zeroing an input element in training.
    public let dropoutProbability: Float
    /// The source of dropout masks.
    public var generator: RandomGenerator

    public var rank: Int { a.shape[0] }

    /// A fresh pair for a `[outFeatures, inFeatures]` layer, initialised as
    /// `configuration.initialization` says (`B` is zero), `A` drawn from `generator`.
    init(inFeatures: Int, outFeatures: Int, configuration: LoRAConfiguration, generator: inout RandomGenerator) {
        let rank = configuration.rank
        switch configuration.initialization {
        case .peft:
            let bound = 1 / Float(inFeatures).squareRoot()
            a = Tensor.uniform([rank, inFeatures], low: -bound, high: bound, using: &generator, requiresGradient: true)
        case .gaussian:
            a = Tensor.normal([rank, inFeatures], standardDeviation: 1 / Float(rank), using: &generator, requiresGradient: true)
        case .notebook:
            a = Tensor.normal([rank, inFeatures], standardDeviation: 1 / Float(rank).squareRoot(), using: &generator, requiresGradient: true)
        }
        b = Tensor(zeros: [outFeatures, rank], requiresGradient: true)
        scale = configuration.scale
        dropoutProbability = configuration.dropout
        self.generator = RandomGenerator(seed: generator.next())
    }

    /// A pair from existing tensors (loaded from a file).
    init(a: Tensor, b: Tensor, scale: Float, dropoutProbability: Float, generator: RandomGenerator) {
        self.a = a
        self.b = b
        self.scale = scale
        self.dropoutProbability = dropoutProbability
        self.generator = generator
    }

    /// The input after dropout (training only).
    func droppedOut(_ x: Tensor, isTraining: Bool) -> Tensor {
        guard isTraining, dropoutProbability > 0 else { return x }
        return x.dropout(probability: dropoutProbability, using: &generator)
    }

    /// `s·(x·Aᵀ)·Bᵀ` `[batch, out]` for `x` `[batch, in]` (already dropped out): two thin
    /// products through rank `r`, never the `[out, in]` matrix. `x` `[..., in]` of another
    /// rank is multiplied as its rows (a reshaped view) and the result is `[..., out]`.
    func apply(_ x: Tensor) throws -> Tensor {
        if x.shape.rank != 2 {
            let rows = try x.reshaped(to: [x.shape.rowCount, x.shape.lastDimension])
            let output = try apply(rows)
            return try output.reshaped(to: x.shape.replacing(axis: x.shape.rank - 1, with: b.shape[0]))
        }
        let low = try x.matmul(a, transposeOther: true)
        return try low.matmul(b, transposeOther: true) * scale
    }

    /// `s·B·A` `[out, in]`, differentiable with respect to `A` and `B`.
    func deltaWeight() throws -> Tensor {
        try b.matmul(a) * scale
    }
}
