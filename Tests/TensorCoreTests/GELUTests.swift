import Foundation
import Testing
import TensorCore
import TestSupport

/// Exact GELU against `0.5·x·(1 + erf(x/√2))` in Double and PyTorch's values, and its
/// gradient against central finite differences.
struct GELUTests {
    @Test func forwardMatchesTheErfFormulaInDouble() throws {
        let x = TestTensors.random([3, 41], low: -6, high: 6, seed: 31)
        let y = x.gelu().scalars
        for (input, output) in zip(x.scalars, y) {
            let value = Double(input)
            let expected = 0.5 * value * (1 + erf(value / 2.0.squareRoot()))
            #expect(abs(Double(output) - expected) < 1e-6 * max(1, abs(expected)), "x = \(input)")
        }
    }

    /// `torch.nn.functional.gelu(torch.tensor([-3., -1., 0., 0.5, 2.]))`, the exact form.
    @Test func forwardMatchesPyTorchsPublishedValues() throws {
        let x = try Tensor(shape: [5], values: [-3, -1, 0, 0.5, 2])
        let expected: [Float] = [-0.0040496, -0.1586553, 0, 0.3457312, 1.9544997]
        for (output, reference) in zip(x.gelu().scalars, expected) {
            #expect(abs(output - reference) < 1e-6)
        }
    }

    @Test func gradientMatchesFiniteDifferences() throws {
        let inputs = [TestTensors.random([4, 9], low: -4, high: 4, seed: 32)]
        let error = try GradientCheck.maximumError(inputs: inputs, step: 1e-2) { $0[0].gelu() }
        #expect(error < 1e-3)
    }
}
