import CKernels
import Foundation
import TensorCore

/// Adam (Kingma and Ba, 2015) and AdamW (Loshchilov and Hutter, 2019) with PyTorch's
/// exact update, per element, at step `t` (from 1), gradient `g`, parameter `θ`:
///
/// ```
/// AdamW only:  θ ← θ·(1 − lr·λ)                      (decoupled weight decay)
/// Adam only:   g ← g + λ·θ                           (L2 penalty, when λ ≠ 0)
/// m ← m + (1 − β₁)·(g − m)                           (torch.lerp)
/// v ← β₂·v + (1 − β₂)·g²
/// θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// ```
///
/// ε is added after the bias correction of `√v`, as in PyTorch. The bias corrections
/// are computed in Double and rounded to Float once per step. The element loop is a C
/// kernel (`ck_adam_update`, AVX-512 where available) without fused multiply-adds, so
/// every CPU gives the same bits. Moment buffers are allocated once and reused.
public final class Adam: CheckpointableOptimizer {
    public let parameters: [Tensor]
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    /// λ: an L2 penalty added to the gradient (Adam) or a decoupled decay (AdamW).
    public let weightDecay: Float
    /// True for AdamW's decoupled weight decay.
    public let decouplesWeightDecay: Bool
    /// The number of steps taken.
    public var stepCount = 0

    private var firstMoments: [UnsafeMutableBufferPointer<Float>]
    private var secondMoments: [UnsafeMutableBufferPointer<Float>]

    /// Adam with PyTorch's defaults (`lr = 0.001`, `β = (0.9, 0.999)`, `ε = 1e-8`, no decay).
    public convenience init(parameters: [Tensor], learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999,
                            epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.init(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2,
                  epsilon: epsilon, weightDecay: weightDecay, decouplesWeightDecay: false)
    }

    /// AdamW with PyTorch's defaults (`lr = 0.001`, `β = (0.9, 0.999)`, `ε = 1e-8`, `λ = 0.01`).
    public static func adamW(parameters: [Tensor], learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999,
                             epsilon: Float = 1e-8, weightDecay: Float = 0.01) -> Adam {
        Adam(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2,
             epsilon: epsilon, weightDecay: weightDecay, decouplesWeightDecay: true)
    }

    private init(parameters: [Tensor], learningRate: Float, beta1: Float, beta2: Float,
                 epsilon: Float, weightDecay: Float, decouplesWeightDecay: Bool) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decouplesWeightDecay = decouplesWeightDecay
        firstMoments = parameters.map { Adam.zeroedBuffer(count: $0.elementCount) }
        secondMoments = parameters.map { Adam.zeroedBuffer(count: $0.elementCount) }
    }

    /// PyTorch's names for Adam's buffers: `exp_avg` (m) and `exp_avg_sq` (v).
    public func withStateBuffers(_ body: (_ name: String, _ buffer: UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        for index in parameters.indices {
            try body("\(index).exp_avg", firstMoments[index])
            try body("\(index).exp_avg_sq", secondMoments[index])
        }
    }

    deinit {
        for buffer in firstMoments { buffer.deallocate() }
        for buffer in secondMoments { buffer.deallocate() }
    }

    private static func zeroedBuffer(count: Int) -> UnsafeMutableBufferPointer<Float> {
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
        buffer.initialize(repeating: 0)
        return buffer
    }

    /// Parameters with at least this many elements are updated on the ``WorkerPool``'s
    /// threads, in parts of at least half of it.
    static let parallelMinimumCount = 16_384

    public func step() {
        stepCount += 1
        let t = Double(stepCount)
        let constants = ck_adam_constants(
            one_minus_beta1: 1 - beta1, beta2: beta2, one_minus_beta2: 1 - beta2,
            bias_correction2_root: Float((1 - Foundation.pow(Double(beta2), t)).squareRoot()),
            epsilon: epsilon,
            step_size: Float(Double(learningRate) / (1 - Foundation.pow(Double(beta1), t))),
            l2_decay: decouplesWeightDecay ? 0 : weightDecay,
            decoupled_factor: decouplesWeightDecay ? 1 - learningRate * weightDecay : 1)
        for (index, parameter) in parameters.enumerated() {
            guard let gradientTensor = parameter.gradient else { continue }
            guard let m = firstMoments[index].baseAddress, let v = secondMoments[index].baseAddress else { continue }
            gradientTensor.withUnsafeBufferPointer { gradientBuffer in
                parameter.withUnsafeMutableBufferPointer { theta in
                    guard let g = gradientBuffer.baseAddress, let p = theta.baseAddress else { return }
                    // Elements are independent: any split gives the same bits.
                    WorkerPool.splitting(theta.count, minimumCount: Adam.parallelMinimumCount) { range in
                        withUnsafePointer(to: constants) { constants in
                            let start = range.lowerBound
                            ck_adam_update(p + start, g + start, m + start, v + start, range.count, constants)
                        }
                    }
                }
            }
        }
    }
}
