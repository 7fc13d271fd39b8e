import Testing
import TestSupport
@testable import TensorCore

/// A Linear product through a frozen weight's panels (``PackedLinearWeight``) against the same
/// product that packs W on every call: the output and the input gradient are the same bits,
/// and the panels for the gradient are made by the first backward only.
struct PackedLinearWeightTests {
    @Test(arguments: [(33, 100, 65), (600, 40, 24), (17, 384, 1_536)])
    func outputAndInputGradientAreTheBitsOfTheUnpackedProducts(_ sizes: (Int, Int, Int)) throws {
        let (batch, inFeatures, outFeatures) = sizes
        let w = TestTensors.random([outFeatures, inFeatures], seed: 2), bias = TestTensors.random([outFeatures], seed: 3)
        let weights = TestTensors.random([batch, outFeatures], seed: 4)
        let packed = PackedLinearWeight(w)
        var outputs: [[Float]] = [], gradients: [[Float]] = []
        for panels in [nil, packed] {
            let x = TestTensors.random([batch, inFeatures], seed: 1)
            x.requiresGradient = true
            let y = try Tensor.linear(x, weight: w, bias: bias, packedWeight: panels)
            outputs.append(y.scalars)
            if panels != nil { #expect(!packed.hasInputGradientPanels) }
            try (y * weights).sum().backward()
            gradients.append(try #require(x.gradient).scalars)
        }
        #expect(outputs[0] == outputs[1])
        #expect(gradients[0] == gradients[1])
        #expect(packed.hasInputGradientPanels)
    }

    /// Panels of another shape are not used (the plain product runs).
    @Test func panelsOfAnotherShapeAreIgnored() throws {
        let w = TestTensors.random([20, 30], seed: 5), other = PackedLinearWeight(TestTensors.random([30, 20], seed: 6))
        let x = TestTensors.random([40, 30], seed: 7)
        #expect(try Tensor.linear(x, weight: w, bias: nil, packedWeight: other).scalars == Tensor.linear(x, weight: w, bias: nil).scalars)
    }
}
