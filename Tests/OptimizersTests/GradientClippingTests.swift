import Foundation
import Optimizers
import Testing
import TensorCore

/// `torch.nn.utils.clip_grad_norm_`: total = √(Σ‖g‖²), coefficient = min(max/(total + 1e-6), 1).
@Suite("Gradient clipping by global norm")
struct GradientClippingTests {
    static let first: [Float] = [3, -4, 1.5]
    static let second: [Float] = [0.25, 12, -2, 0.5]

    func parameters() throws -> [Tensor] {
        let a = try Tensor(shape: [3], values: [1, 2, 3], requiresGradient: true)
        let b = try Tensor(shape: [2, 2], values: [1, 2, 3, 4], requiresGradient: true)
        a.withUnsafeMutableGradient { values in for index in values.indices { values[index] = Self.first[index] } }
        b.withUnsafeMutableGradient { values in for index in values.indices { values[index] = Self.second[index] } }
        let frozen = Tensor(zeros: [2])
        return [a, b, frozen]
    }

    @Test func gradientsAboveTheNormAreScaledToIt() throws {
        let parameters = try parameters()
        let all = (Self.first + Self.second).map(Double.init)
        let total = all.map { $0 * $0 }.reduce(0, +).squareRoot()
        let coefficient = 2.0 / (total + 1e-6)
        let returned = GradientClipping.clipByGlobalNorm(parameters, maxNorm: 2)
        #expect(abs(returned - total) < 1e-9)
        let clipped = parameters[0].gradient!.scalars + parameters[1].gradient!.scalars
        for (value, original) in zip(clipped, all) {
            #expect(abs(Double(value) - original * coefficient) < 1e-6)
        }
        #expect(abs(GradientClipping.globalNorm(parameters) - 2) < 1e-5)
        #expect(parameters[2].gradient == nil)
    }

    @Test func gradientsWithinTheNormAreLeftAlone() throws {
        let parameters = try parameters()
        GradientClipping.clipByGlobalNorm(parameters, maxNorm: 100)
        #expect(parameters[0].gradient!.scalars == Self.first)
        #expect(parameters[1].gradient!.scalars == Self.second)
    }

    @Test func aNonFiniteNormLeavesTheGradientsForTheCheckToName() throws {
        let parameters = try parameters()
        parameters[1].withUnsafeMutableGradient { $0[2] = .nan }
        #expect(GradientClipping.clipByGlobalNorm(parameters, maxNorm: 1).isNaN)
        #expect(parameters[0].gradient!.scalars == Self.first)
    }
}
