import Testing
import Optimizers
import TensorCore

/// Three steps on fixed numbers. The expected values were computed in float64 from the
/// algorithms as PyTorch documents them (torch.optim.Adam / AdamW / SGD pages): Adam's
/// textbook form `m̂ = m/(1−β₁ᵗ)`, `v̂ = v/(1−β₂ᵗ)`, `θ −= lr·m̂/(√v̂ + ε)`, which the
/// implementation computes in PyTorch's rearranged form.
@Suite("Optimizers against PyTorch's documented algorithms")
struct OptimizerTests {
    static let initial: [Float] = [0.5, -1.5, 2.0]
    static let gradients: [[Float]] = [[0.1, -0.2, 0.3], [-0.4, 0.5, 0.05], [1.0, 1.0, -2.0]]

    /// Runs three steps where step t's gradient is `gradients[t]` (the loss `Σ gₜ ⊙ θ`).
    func run(_ makeOptimizer: ([Tensor]) -> any Optimizer) throws -> [Float] {
        let theta = try Tensor(shape: [3], values: Self.initial, requiresGradient: true)
        let optimizer = makeOptimizer([theta])
        for gradient in Self.gradients {
            optimizer.clearGradients()
            try (theta * Tensor(shape: [3], values: gradient)).sum().backward()
            optimizer.step()
        }
        return theta.scalars
    }

    func expectClose(_ actual: [Float], _ expected: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        for (a, e) in zip(actual, expected) {
            #expect(abs(Double(a) - e) < 2e-6, "\(actual) vs \(expected)", sourceLocation: sourceLocation)
        }
    }

    @Test func adam() throws {
        expectClose(try run { Adam(parameters: $0, learningRate: 0.1) }, [0.41336602, -1.51667358, 1.87572941])
    }

    @Test func adamWithL2WeightDecay() throws {
        expectClose(try run { Adam(parameters: $0, learningRate: 0.1, weightDecay: 0.1) }, [0.39469096, -1.46443783, 1.84763419])
    }

    @Test func adamWDecouplesWeightDecay() throws {
        expectClose(try run { Adam.adamW(parameters: $0, learningRate: 0.1, weightDecay: 0.1) }, [0.39994602, -1.47366987, 1.81910074])
    }

    @Test func sgdWithMomentum() throws {
        expectClose(try run { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9) }, [0.4489, -1.6408, 2.1092])
    }

    @Test func sgdWithNesterovAndWeightDecay() throws {
        expectClose(try run { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, usesNesterov: true) },
                    [0.37995096, -1.74469267, 2.24753659])
    }

    @Test func parametersWithoutGradientsAreLeftAlone() throws {
        let frozen = try Tensor(shape: [2], values: [1, 2])
        let optimizer = Adam(parameters: [frozen], learningRate: 0.1)
        optimizer.step()
        #expect(frozen.scalars == [1, 2])
    }
}
