import CKernels
import Foundation
import Optimizers
import Testing
import TensorCore

@Suite("Adam element kernel")
struct AdamKernelTests {
    /// The vector path (AVX-512 where the CPU has it) and the portable path must give the
    /// same bits, so that a run is reproducible across machines' instruction sets.
    @Test(arguments: [1, 15, 16, 17, 1000])
    func vectorAndPortablePathsAgreeBitForBit(_ count: Int) {
        var generator = RandomGenerator(seed: UInt64(count))
        func values(_ scale: Float) -> [Float] { (0..<count).map { _ in generator.nextFloat(in: -scale, scale) } }
        let gradient = values(1)
        var parameterA = values(2), firstA = values(0.1), secondA = values(0.1).map(abs)
        var parameterB = parameterA, firstB = firstA, secondB = secondA
        for decoupled in [false, true] {
            var constants = ck_adam_constants(one_minus_beta1: 0.1, beta2: 0.999, one_minus_beta2: 0.001, bias_correction2_root: 0.0447,
                                              epsilon: 1e-8, step_size: 0.05, l2_decay: decoupled ? 0 : 0.01,
                                              decoupled_factor: decoupled ? 0.999 : 1)
            ck_adam_update(&parameterA, gradient, &firstA, &secondA, count, &constants)
            ck_adam_update_portable(&parameterB, gradient, &firstB, &secondB, count, &constants)
            #expect(parameterA == parameterB)
            #expect(firstA == firstB && secondA == secondB)
        }
    }

    /// A parameter large enough to be updated on two threads ends with the same bits as the
    /// single-threaded kernel run over the whole array, step after step.
    @Test func aLargeParameterSplitAcrossThreadsMatchesOneSweep() throws {
        let count = 40_003
        var generator = RandomGenerator(seed: 9)
        let initial = (0..<count).map { _ in generator.nextFloat(in: -1, 1) }
        let gradients = (0..<3).map { _ in (0..<count).map { _ in generator.nextFloat(in: -1, 1) } }
        let parameter = try Tensor(shape: [count], values: initial, requiresGradient: true)
        let optimizer = Adam(parameters: [parameter], learningRate: 0.01)
        var expected = initial, first = [Float](repeating: 0, count: count), second = first
        for (step, gradient) in gradients.enumerated() {
            optimizer.clearGradients()
            // d/dθ Σ θ·g = g exactly.
            try (parameter * Tensor(shape: [count], values: gradient)).sum().backward()
            optimizer.step()
            let t = Double(step + 1)
            var constants = ck_adam_constants(
                one_minus_beta1: 1 - 0.9, beta2: 0.999, one_minus_beta2: 1 - 0.999,
                bias_correction2_root: Float((1 - Foundation.pow(Double(Float(0.999)), t)).squareRoot()), epsilon: 1e-8,
                step_size: Float(Double(Float(0.01)) / (1 - Foundation.pow(Double(Float(0.9)), t))), l2_decay: 0, decoupled_factor: 1)
            ck_adam_update_portable(&expected, gradient, &first, &second, count, &constants)
            #expect(parameter.scalars == expected, "step \(step + 1)")
        }
    }
}
