import NN
import TensorCore
import TestSupport
import Testing

/// Two tensors for one forward pass: values `[batch, features]` and a 0/1 mask of the same
/// shape.
struct MaskedBatch {
    var values: Tensor
    var mask: Tensor
}

/// `y = out(relu(inp(values ⊙ mask)))`: a model taking two inputs.
final class MaskedClassifier: MultiInputModule {
    @Child var inp: any Module
    @Child var out: any Module

    init(using generator: inout RandomGenerator) {
        inp = Linear(inFeatures: 4, outFeatures: 6, using: &generator)
        out = Linear(inFeatures: 6, outFeatures: 3, using: &generator)
    }

    func forward(_ input: MaskedBatch) throws -> Tensor {
        try out(inp(input.values * input.mask).relu())
    }
}

@Suite struct MultiInputModuleTests {
    /// A batch of 8 rows whose mask hides feature 1 everywhere and a few other elements.
    func batch(using generator: inout RandomGenerator) throws -> (MaskedBatch, [Int]) {
        let values = Tensor.uniform([8, 4], low: -2, high: 2, using: &generator)
        var mask = [Float](repeating: 1, count: 32)
        for row in 0..<8 { mask[row * 4 + 1] = 0 }
        mask[2] = 0; mask[13] = 0
        return (MaskedBatch(values: values, mask: try Tensor(shape: [8, 4], values: mask)), (0..<8).map { $0 % 3 })
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        var generator = RandomGenerator(seed: 11)
        let model = MaskedClassifier(using: &generator)
        let (input, _) = try batch(using: &generator)
        let parameters = model.namedParameters().map(\.parameter)
        let error = try GradientCheck.maximumError(inputs: parameters, step: 1e-2) { _ in try model(input) }
        #expect(error < 1e-2)
    }

    /// A feature masked out in every row contributes nothing: its column of the first
    /// weight gets an exactly zero gradient, and changing its values changes nothing.
    @Test func aMaskedFeatureGetsNoGradient() throws {
        var generator = RandomGenerator(seed: 12)
        let model = MaskedClassifier(using: &generator)
        let (input, targets) = try batch(using: &generator)
        try Tensor.crossEntropy(logits: model(input), targets: targets).backward()
        let weightGradient = try #require(model.namedParameters().first { $0.key == "inp.weight" }?.parameter.gradient).scalars
        #expect((0..<6).allSatisfy { weightGradient[$0 * 4 + 1] == 0 })
        #expect((0..<6).contains { weightGradient[$0 * 4] != 0 })

        var changed = input.values.scalars
        for row in 0..<8 { changed[row * 4 + 1] = 100 }
        let other = MaskedBatch(values: try Tensor(shape: [8, 4], values: changed), mask: input.mask)
        #expect(try withoutGradients { try model(other).scalars } == withoutGradients { try model(input).scalars })
    }

    @Test func gradientDescentThroughBothInputsLowersTheLoss() throws {
        var generator = RandomGenerator(seed: 13)
        let model = MaskedClassifier(using: &generator)
        let (input, targets) = try batch(using: &generator)
        func loss() throws -> Tensor { try Tensor.crossEntropy(logits: model(input), targets: targets) }
        let initial = try withoutGradients { try loss().scalars[0] }
        for _ in 0..<50 {
            model.clearGradients()
            try loss().backward()
            try withoutGradients {
                for (_, parameter) in model.namedParameters() {
                    if let gradient = parameter.gradient { try parameter.assign(parameter - gradient * 0.2) }
                }
            }
        }
        let final = try withoutGradients { try loss().scalars[0] }
        #expect(final < initial * 0.5)
    }

    @Test func theSingleTensorForwardSaysWhatItTakes() throws {
        var generator = RandomGenerator(seed: 14)
        let model = MaskedClassifier(using: &generator)
        let module: any Module = model
        let error = ModuleError.needsStructuredInput(module: "MaskedClassifier", input: "MaskedBatch")
        #expect(throws: error) { try module.forward(Tensor(zeros: [1, 4])) }
        #expect(error.description == "MaskedClassifier takes a MaskedBatch, not a single tensor: call forward(_:) with a MaskedBatch.")
    }
}
