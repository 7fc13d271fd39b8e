import CKernels
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
}
