import Adapters
import NN
import Testing
import TensorCore
import TestSupport

/// DoRA on a weight large enough (1 M elements, small batch) for the forward that computes
/// `W·Aᵀ` in the same pass over W as `x·Wᵀ` and the norm from `‖W‖²`, `W·Aᵀ` and `A·Aᵀ`.
@Suite("DoRA on a large weight")
struct LargeWeightDoRATests {
    static func layer(bias: Bool) throws -> (Sequential, DoRALinear) {
        var generator = RandomGenerator(seed: 21)
        let model = Sequential([Linear(inFeatures: 1_024, outFeatures: 1_100, hasBias: bias, using: &generator)])
        let configuration = LoRAConfiguration(rank: 5, alpha: 7, usesDoRA: true, targetModules: ["0"])
        let adapters = try AdapterInjection.inject(configuration, into: model, using: &generator)
        let dora = try #require(adapters.first?.adapter as? DoRALinear)
        // B away from zero and a magnitude away from the norm, so every term matters.
        let noise = Tensor.normal(dora.update.b.shape, standardDeviation: 0.2, using: &generator)
        dora.update.b.withUnsafeMutableBufferPointer { values in
            noise.withUnsafeBufferPointer { n in for i in values.indices { values[i] = n[i] } }
        }
        dora.magnitude.withUnsafeMutableBufferPointer { values in
            for i in values.indices { values[i] *= 1 + Float(i % 5) * 0.1 }
        }
        return (model, dora)
    }

    @Test func thePathApplies() throws {
        #expect(Tensor.usesTransposedProduct(batch: 8, inFeatures: 1_024, outFeatures: 1_100))
        #expect(!Tensor.usesTransposedProduct(batch: 64, inFeatures: 784, outFeatures: 128))
        // No packed copy of a large frozen weight is kept (its product never reads Wᵀ).
        let (_, dora) = try Self.layer(bias: true)
        #expect(!dora.base.weight.requiresGradient)
        #expect(dora.base.frozenWeightPacked == nil)
    }

    /// The activation-space forward (norm from the side products) against the weight-space
    /// forward (`W'` formed, norms of the formed matrix), output and gradients.
    @Test(arguments: [true, false])
    func activationAndWeightSpaceAgree(bias: Bool) throws {
        let (_, dora) = try Self.layer(bias: bias)
        let input = TestTensors.random([8, 1_024], seed: 22)
        let weights = TestTensors.random([8, 1_100], seed: 23)
        let output = try dora(input)
        let reference = try dora.weightSpaceForward(input)
        let scale = reference.scalars.map(abs).max() ?? 1
        #expect(maximumDifference(output.scalars, reference.scalars) <= 2e-5 * scale)
        try (output * weights).sum().backward()
        let activationGradients = dora.ownParameters().map { $0.parameter.gradient?.scalars ?? [] }
        for (_, parameter) in dora.ownParameters() { parameter.clearGradient() }
        try (dora.weightSpaceForward(input) * weights).sum().backward()
        for (name, parameter) in dora.ownParameters() {
            let index = dora.ownParameters().firstIndex { $0.name == name } ?? 0
            let expected = parameter.gradient?.scalars ?? []
            let gradientScale = expected.map(abs).max() ?? 1
            #expect(!expected.isEmpty)
            #expect(maximumDifference(activationGradients[index], expected) <= 1e-4 * gradientScale, "\(name)")
        }
    }

    /// The cached `‖W‖²` follows in-place changes of the frozen weight.
    @Test func aChangedBaseWeightIsSeen() throws {
        let (_, dora) = try Self.layer(bias: true)
        let input = TestTensors.random([4, 1_024], seed: 24)
        _ = try dora(input)  // fills the cache
        let version = dora.base.weight.contentVersion
        dora.base.weight.withUnsafeMutableBufferPointer { values in
            for i in stride(from: 0, to: values.count, by: 3) { values[i] *= 1.5 }
        }
        #expect(dora.base.weight.contentVersion != version)
        let output = try dora(input).scalars
        let reference = try dora.weightSpaceForward(input).scalars
        #expect(maximumDifference(output, reference) <= 2e-5 * (reference.map(abs).max() ?? 1))
    }

    /// The fused op's side product is `W·Aᵀ`, and its output the same as without it.
    @Test(arguments: [(8, 1_024, 1_100), (4, 30, 20)])
    func sideProductsAreTheWeightTimesATransposed(_ sizes: (Int, Int, Int)) throws {
        let (batch, inFeatures, outFeatures) = sizes
        let x = TestTensors.random([batch, inFeatures], seed: 30), w = TestTensors.random([outFeatures, inFeatures], seed: 31)
        let a = TestTensors.random([3, inFeatures], seed: 32), b = TestTensors.random([outFeatures, 3], seed: 33)
        let bias = TestTensors.random([outFeatures], seed: 34)
        let (output, products) = try Tensor.lowRankAdaptedLinearWithWeightProducts(x, weight: w, bias: bias, adapterInput: x,
                                                                                   a: a, b: b, scale: 0.5)
        let plain = try Tensor.lowRankAdaptedLinear(x, weight: w, bias: bias, adapterInput: x, a: a, b: b, scale: 0.5)
        let expectedProducts = try w.matmul(a, transposeOther: true)
        #expect(maximumDifference(output.scalars, plain.scalars) <= 1e-5 * max(1, plain.scalars.map(abs).max() ?? 1))
        #expect(maximumDifference(products.scalars, expectedProducts.scalars) <= 1e-5 * max(1, expectedProducts.scalars.map(abs).max() ?? 1))
    }

    /// Norms from `‖W‖²`, `W·Aᵀ` and `A·Aᵀ` against the norms of the formed matrix.
    @Test func rowNormsFromProductsEqualTheFormedMatrix() throws {
        let w = TestTensors.random([37, 300], seed: 40), a = TestTensors.random([6, 300], seed: 41)
        let b = TestTensors.random([37, 6], seed: 42)
        let expected = try (w + b.matmul(a) * 1.3).rowNorms().scalars
        let norms = try Tensor.lowRankAdaptedRowNorms(weightSquaredRowNorms: w.squaredRowNorms(),
                                                      weightProducts: w.matmul(a, transposeOther: true), a: a, b: b, scale: 1.3).scalars
        for (value, reference) in zip(norms, expected) { #expect(abs(value - reference) <= 1e-5 * max(1, reference)) }
    }
}
