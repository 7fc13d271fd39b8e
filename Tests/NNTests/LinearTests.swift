import Testing
import NN
import TensorCore

@Suite("Linear")
struct LinearTests {
    @Test func defaultInitialisationIsUniformInPlusMinusOneOverRootFanIn() {
        var generator = RandomGenerator(seed: 11)
        let layer = Linear(inFeatures: 784, outFeatures: 128, using: &generator)
        let bound = 1 / Float(784).squareRoot()
        let weights = layer.weight.scalars
        #expect(weights.allSatisfy { abs($0) <= bound })
        let mean = weights.reduce(0.0) { $0 + Double($1) } / Double(weights.count)
        let variance = weights.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(weights.count)
        // U(-b, b): mean 0, variance b²/3.
        let expectedVariance = Double(bound * bound) / 3
        #expect(abs(mean) < 0.02 * Double(bound))
        #expect(abs(variance - expectedVariance) / expectedVariance < 0.02)
        let biases = layer.bias?.scalars ?? []
        #expect(biases.count == 128 && biases.allSatisfy { abs($0) <= bound })
        #expect(Set(biases).count > 100)
    }

    @Test func forwardIsXTimesWTransposedPlusB() throws {
        let layer = try Linear(weight: Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]), bias: Tensor(shape: [2], values: [0.5, -1]))
        let y = try layer(Tensor(shape: [1, 3], values: [1, 1, 1]))
        #expect(y.scalars == [6.5, 14])
        #expect(layer.inFeatures == 3 && layer.outFeatures == 2)
    }

    @Test func rejectsABiasOfTheWrongSize() {
        #expect(throws: ShapeError.self) { try Linear(weight: Tensor(zeros: [2, 3]), bias: Tensor(zeros: [3])) }
    }
}

@Suite("Module trees")
struct ModuleTests {
    @Test func mlpParametersUsePyTorchKeys() {
        var generator = RandomGenerator(seed: 1)
        let model = MLP(layerSizes: [784, 128, 256, 10], using: &generator)
        #expect(model.namedParameters().map(\.key) == [
            "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias", "layers.4.weight", "layers.4.bias",
        ])
        #expect(model.parameterCount == 784 * 128 + 128 + 128 * 256 + 256 + 256 * 10 + 10)
        #expect(model.namedModules().map(\.path) == ["", "layers", "layers.0", "layers.1", "layers.2", "layers.3", "layers.4"])
    }

    @Test func freezingIsPerParameter() {
        var generator = RandomGenerator(seed: 1)
        let model = MLP(layerSizes: [4, 3, 2], using: &generator)
        model.freeze()
        #expect(model.trainableParameterCount == 0)
        (model.module(at: "layers.2") as? Linear)?.weight.requiresGradient = true
        #expect(model.trainableParameterCount == 6)
    }

    @Test func sequentialReplacesChildrenByIndex() throws {
        var generator = RandomGenerator(seed: 1)
        let model = MLP(layerSizes: [4, 3, 2], using: &generator)
        let replacement = Linear(inFeatures: 3, outFeatures: 2, using: &generator)
        try model.layers.replaceChild(named: "2", with: replacement)
        #expect(model.module(at: "layers.2") === replacement)
        #expect(throws: ModuleError.noSuchChild(parent: "Sequential", name: "7")) {
            try model.layers.replaceChild(named: "7", with: replacement)
        }
    }

    @Test func sameSeedBuildsTheSameModel() {
        var first = RandomGenerator(seed: 9), second = RandomGenerator(seed: 9)
        let a = MLP(layerSizes: [5, 4, 3], using: &first), b = MLP(layerSizes: [5, 4, 3], using: &second)
        for (left, right) in zip(a.namedParameters(), b.namedParameters()) {
            #expect(left.parameter.scalars == right.parameter.scalars)
        }
    }
}
