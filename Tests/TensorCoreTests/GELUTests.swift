import CKernels
import Foundation
import Testing
import TensorCore
import TestSupport

/// Exact GELU against `0.5·x·(1 + erf(x/√2))` in Double and PyTorch's values, its derivative
/// against the formula and against central finite differences, and accumulation.
struct GELUTests {
    /// Every x in [-14, 14] by steps of 1/256 (odd count, so the vector loops' tails run).
    static let grid: [Float] = (-3584...3584).map { Float($0) / 256 }

    static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    @Test func forwardMatchesTheErfFormulaInDouble() throws {
        let x = try Tensor(shape: [Self.grid.count], values: Self.grid)
        for (input, output) in zip(Self.grid, x.gelu().scalars) {
            let value = Double(input)
            let expected = value * Self.normalCDF(value)
            #expect(abs(Double(output) - expected) <= 4e-7 * max(1, abs(expected)), "x = \(input)")
            // In the lower tail the result is tiny and must be right relative to itself, as far as
            // the input allows: Φ's relative sensitivity to x grows like x², so a change of x by
            // one rounding (6e-8) moves it by 6e-8·x². Below x ≈ −13, Φ(x) is not a normal float.
            if value < -1 && value >= -13 {
                #expect(abs(Double(output) - expected) <= (1.5e-7 * value * value + 5e-7) * abs(expected), "x = \(input)")
            }
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

    @Test func backwardMatchesTheDerivativeInDoubleAndAccumulates() throws {
        let x = try Tensor(shape: [Self.grid.count], values: Self.grid, requiresGradient: true)
        let loss = try ((x.gelu() * 0.5).sum() + (x.gelu() * 1.5).sum())
        loss.backward()
        let gradient = try #require(x.gradient).scalars
        for (input, value) in zip(Self.grid, gradient) {
            let v = Double(input)
            let expected = 2 * (Self.normalCDF(v) + v * exp(-0.5 * v * v) / (2 * Double.pi).squareRoot())
            #expect(abs(Double(value) - expected) <= 1e-6 * max(1, abs(expected)), "x = \(input)")
        }
    }

    @Test func gradientMatchesFiniteDifferences() throws {
        let inputs = [TestTensors.random([4, 9], low: -4, high: 4, seed: 32)]
        let error = try GradientCheck.maximumError(inputs: inputs, step: 1e-2) { $0[0].gelu() }
        #expect(error < 1e-3)
    }

    @Test func largeMagnitudesSaturate() throws {
        let x = try Tensor(shape: [4], values: [-100, -30, 30, 100])
        #expect(x.gelu().scalars == [-0, -0, 30, 100])
    }
}

/// The GELU kernel chosen for this CPU (AVX-512, AVX2 or baseline) gives the same bits as the
/// baseline build of the same loops, forward and backward, with a count that leaves a tail.
struct GELUKernelTests {
    @Test func theDispatchedKernelsMatchTheBaselineBitForBit() {
        let count = 1037
        let x = (0..<count).map { Float($0 - 518) / 37 }
        let dy = (0..<count).map { Float($0 % 13) - 6.5 }
        var dispatched = [Float](repeating: 0, count: count), baseline = [Float](repeating: 0, count: count)
        ck_gelu_forward(x, &dispatched, count)
        ck_gelu_forward_baseline(x, &baseline, count)
        #expect(dispatched == baseline)
        var dispatchedGradient = [Float](repeating: 1, count: count), baselineGradient = [Float](repeating: 1, count: count)
        ck_gelu_backward(x, dy, &dispatchedGradient, count, true)
        ck_gelu_backward_baseline(x, dy, &baselineGradient, count, true)
        #expect(dispatchedGradient == baselineGradient)
    }
}
