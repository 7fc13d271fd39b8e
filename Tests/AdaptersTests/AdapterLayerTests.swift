import Adapters
import NN
import Testing
import TensorCore
import TestSupport

/// Builds a small MLP with adapters on every Linear and random (non-zero) `B` and `m`.
func adaptedModel(_ configuration: LoRAConfiguration, seed: UInt64, hasBias: Bool = true) throws -> (MLP, [(path: String, adapter: any AdapterLayer)]) {
    var generator = RandomGenerator(seed: seed)
    let layers: [any Module] = [
        Linear(inFeatures: 6, outFeatures: 5, hasBias: hasBias, using: &generator), ReLU(),
        Linear(inFeatures: 5, outFeatures: 4, hasBias: hasBias, using: &generator),
    ]
    let model = MLP(layers: Sequential(layers))
    let adapters = try AdapterInjection.inject(configuration, into: model, using: &generator)
    for (_, adapter) in adapters {
        for (name, parameter) in adapter.ownParameters() {
            let noise = Tensor.normal(parameter.shape, standardDeviation: 0.3, using: &generator)
            parameter.withUnsafeMutableBufferPointer { values in
                noise.withUnsafeBufferPointer { n in
                    for i in values.indices { values[i] = name == "lora_magnitude_vector" ? values[i] * (1 + n[i]) : n[i] }
                }
            }
        }
    }
    return (model, adapters)
}

let loraConfiguration = LoRAConfiguration(rank: 2, alpha: 4, targetModules: ["layers.0", "layers.2"])

struct DoRAVariant: Sendable, CustomTestStringConvertible {
    let axis: DoRAMagnitudeAxis
    let hasBias: Bool
    var testDescription: String { "\(axis.rawValue), bias \(hasBias)" }
}

let doraVariants = [DoRAMagnitudeAxis.outputFeatures, .inputFeatures].flatMap { axis in
    [true, false].map { DoRAVariant(axis: axis, hasBias: $0) }
}

func doraConfiguration(_ axis: DoRAMagnitudeAxis, constantNorm: Bool = true) -> LoRAConfiguration {
    LoRAConfiguration(rank: 2, alpha: 3, usesDoRA: true, doraMagnitudeAxis: axis,
                      treatsDoRANormAsConstant: constantNorm, targetModules: ["layers.0", "layers.2"])
}

func maximumDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

@Suite("LoRA and DoRA layers")
struct AdapterLayerTests {
    @Test(arguments: [loraConfiguration, doraConfiguration(.outputFeatures), doraConfiguration(.inputFeatures)])
    func atInitialisationTheAdaptedModelEqualsTheBase(_ configuration: LoRAConfiguration) throws {
        var generator = RandomGenerator(seed: 5)
        let model = MLP(layerSizes: [6, 5, 4], using: &generator)
        let input = TestTensors.random([3, 6], seed: 8)
        let before = try model(input).scalars
        try AdapterInjection.inject(configuration, into: model, using: &generator)
        let after = try model(input).scalars
        #expect(maximumDifference(before, after) <= 1e-6 * (before.map(abs).max() ?? 1))
    }

    @Test func loraUnmergedEqualsMerged() throws {
        let (model, adapters) = try adaptedModel(loraConfiguration, seed: 1)
        let input = TestTensors.random([4, 6], seed: 2)
        let unmerged = try model(input).scalars
        let first = try #require(adapters.first?.adapter)
        #expect(maximumDifference(try first.weightSpaceForward(input).scalars, try first(input).scalars) < 1e-5)
        try AdapterInjection.mergeAndUnload(model)
        #expect(AdapterInjection.adapters(in: model).isEmpty)
        #expect(maximumDifference(unmerged, try model(input).scalars) < 1e-5)
    }

    @Test(arguments: doraVariants)
    func doraUnmergedEqualsMerged(_ variant: DoRAVariant) throws {
        let (model, adapters) = try adaptedModel(doraConfiguration(variant.axis), seed: 3, hasBias: variant.hasBias)
        let input = TestTensors.random([4, 6], seed: 4)
        let unmerged = try model(input).scalars
        let firstLayerInput = TestTensors.random([3, 6], seed: 9)
        if let (_, first) = adapters.first {
            #expect(maximumDifference(try first(firstLayerInput).scalars, try first.weightSpaceForward(firstLayerInput).scalars) < 1e-5)
        }
        try AdapterInjection.mergeAndUnload(model)
        #expect(maximumDifference(unmerged, try model(input).scalars) < 1e-5)
    }

    @Test(arguments: doraVariants)
    func doraActivationAndWeightSpaceGradientsAgree(_ variant: DoRAVariant) throws {
        for constantNorm in [true, false] {
            let (_, adapters) = try adaptedModel(doraConfiguration(variant.axis, constantNorm: constantNorm), seed: 6, hasBias: variant.hasBias)
            let layer = try #require(adapters.first?.adapter)
            let input = TestTensors.random([3, 6], seed: 7)
            let weights = TestTensors.random([3, 5], seed: 8)
            try (layer(input) * weights).sum().backward()
            let activationGradients = layer.ownParameters().map { $0.parameter.gradient?.scalars ?? [] }
            for (_, parameter) in layer.ownParameters() { parameter.clearGradient() }
            try (layer.weightSpaceForward(input) * weights).sum().backward()
            let weightGradients = layer.ownParameters().map { $0.parameter.gradient?.scalars ?? [] }
            for (a, w) in zip(activationGradients, weightGradients) {
                #expect(!a.isEmpty && a.count == w.count)
                #expect(maximumDifference(a, w) < 1e-5, "\(variant.testDescription), constant norm \(constantNorm)")
            }
        }
    }

    @Test(arguments: [DoRAMagnitudeAxis.outputFeatures, .inputFeatures])
    func differentiatedNormGradientsMatchFiniteDifferences(_ axis: DoRAMagnitudeAxis) throws {
        let (_, adapters) = try adaptedModel(doraConfiguration(axis, constantNorm: false), seed: 10)
        let layer = try #require(adapters.first?.adapter)
        let input = TestTensors.random([3, 6], seed: 11)
        let parameters = layer.ownParameters().map(\.parameter)
        let error = try GradientCheck.maximumError(inputs: parameters, step: 1e-2) { _ in try layer(input) }
        #expect(error < 3e-3)
    }

    @Test func loraGradientsMatchFiniteDifferences() throws {
        let (_, adapters) = try adaptedModel(loraConfiguration, seed: 12)
        let layer = try #require(adapters.first?.adapter)
        let input = TestTensors.random([3, 6], seed: 13)
        let error = try GradientCheck.maximumError(inputs: layer.ownParameters().map(\.parameter)) { _ in try layer(input) }
        #expect(error < 2e-3)
    }

    @Test(arguments: [loraConfiguration, doraConfiguration(.outputFeatures), doraConfiguration(.inputFeatures)])
    func afterInjectionOnlyAdapterParametersReceiveGradients(_ configuration: LoRAConfiguration) throws {
        let (model, _) = try adaptedModel(configuration, seed: 14)
        try Tensor.crossEntropy(logits: model(TestTensors.random([5, 6], seed: 15)), targets: [0, 1, 2, 3, 0]).backward()
        for (key, parameter) in model.namedParameters() {
            let isAdapter = key.contains("lora_")
            #expect((parameter.gradient != nil) == isAdapter, "\(key)")
            #expect(parameter.requiresGradient == isAdapter, "\(key)")
        }
    }

    @Test(arguments: [loraConfiguration, doraConfiguration(.outputFeatures), doraConfiguration(.inputFeatures)])
    func mergeThenUnmergeRestoresTheBaseWeight(_ configuration: LoRAConfiguration) throws {
        let (model, adapters) = try adaptedModel(configuration, seed: 16)
        let input = TestTensors.random([2, 6], seed: 17)
        let original = adapters.map { $0.adapter.base.weight.scalars }
        let unmerged = try model(input).scalars
        for (_, adapter) in adapters { try adapter.merge() }
        #expect(maximumDifference(unmerged, try model(input).scalars) < 1e-5)
        for (_, adapter) in adapters { try adapter.unmerge() }
        for (weights, (_, adapter)) in zip(original, adapters) {
            #expect(maximumDifference(weights, adapter.base.weight.scalars) < 1e-5)
        }
        #expect(maximumDifference(unmerged, try model(input).scalars) < 1e-5)
    }

    @Test func dropoutIsOnlyActiveInTraining() throws {
        var configuration = loraConfiguration
        configuration.dropout = 0.5
        let (model, _) = try adaptedModel(configuration, seed: 18)
        let input = TestTensors.random([4, 6], seed: 19)
        AdapterInjection.setTraining(false, in: model)
        let first = try model(input).scalars, second = try model(input).scalars
        #expect(first == second)
        AdapterInjection.setTraining(true, in: model)
        #expect(try model(input).scalars != first)
    }

    @Test func scalingModes() {
        #expect(LoRAScaling.alphaOverRank.factor(alpha: 8, rank: 4) == 2)
        #expect(LoRAScaling.alphaOverSquareRootOfRank.factor(alpha: 6, rank: 2) == 6 / Float(2).squareRoot())
        #expect(LoRAScaling.alpha.factor(alpha: 8, rank: 4) == 8)
    }
}

@Suite("DoRA memory")
struct DoRAMemoryTests {
    /// With the norm treated as a constant (the default), a DoRA training step never
    /// allocates a buffer the size of the `[out, in]` weight: the norm is computed without
    /// forming `W + s·B·A`, and the frozen weight gets no gradient.
    @Test(arguments: [DoRAMagnitudeAxis.outputFeatures, .inputFeatures])
    func aTrainingStepAllocatesNoOutByInBuffer(_ axis: DoRAMagnitudeAxis) throws {
        var generator = RandomGenerator(seed: 1)
        let layer = Linear(inFeatures: 96, outFeatures: 80, using: &generator)
        let model = Sequential([layer])
        try AdapterInjection.inject(doraConfiguration(axis).withTargets(["0"]), into: model, using: &generator)
        let input = TestTensors.random([8, 96], seed: 2)
        // The first step packs the frozen W once (Linear.frozenWeightPacked, outside the
        // buffer pool); the steps after it must not request any [out, in] buffer.
        try model(input).squared().sum().backward()
        for parameter in model.trainableParameters() { parameter.clearGradient() }
        BufferPool.current.resetLargestRequest()
        let loss = try model(input).squared().sum()
        loss.backward()
        #expect(BufferPool.current.largestRequest < 80 * 96, "largest buffer \(BufferPool.current.largestRequest) floats")
        #expect(model.trainableParameters().allSatisfy { $0.gradient != nil })
    }
}

extension LoRAConfiguration {
    func withTargets(_ targets: [String]) -> LoRAConfiguration {
        var copy = self
        copy.targetModules = targets
        return copy
    }
}
