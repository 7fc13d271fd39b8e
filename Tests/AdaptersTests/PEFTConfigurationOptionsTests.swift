import Adapters
import Foundation
import NN
import SafeTensors
import Testing
import TensorCore

/// An adapter directory written by hand: the fixture's LoRA configuration with `changes`
/// applied, and `tensors` (key → shape, values) as its weights.
private func writeAdapter(to directory: String, changes: [String: Any], tensors: [(String, [Int], [Float])]) throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: fixturesDirectory + "/lora/adapter_config.json"))
    var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    for (key, value) in changes { object[key] = value }
    try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: directory + "/adapter_config.json"))
    var writer = SafeTensorsWriter(metadata: ["format": "pt"])
    for (key, shape, values) in tensors { try writer.addTensor(named: key, shape: shape, floats: values) }
    try writer.write(toPath: directory + "/adapter_model.safetensors")
}

/// Deterministic values in [-0.5, 0.5).
private func values(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { _ in
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Float(state % 1_000_000) / 1_000_000 - 0.5
    }
}

/// The fixture base model's weights `[out, in]` and biases by layer index, in Double.
private func baseLayers() throws -> [(weight: [[Double]], bias: [Double])] {
    let file = try SafeTensorsFile(path: fixturesDirectory + "/base.safetensors")
    return try [0, 2, 4].map { index in
        let shape = try file.info(named: "layers.\(index).weight").shape
        let flat = try file.floats(named: "layers.\(index).weight").map(Double.init)
        let weight = (0..<shape[0]).map { row in Array(flat[row * shape[1]..<(row + 1) * shape[1]]) }
        return (weight, try file.floats(named: "layers.\(index).bias").map(Double.init))
    }
}

/// `W + s·B·A` in Double, `B` `[out, r]` and `A` `[r, in]` flat.
private func adapted(_ weight: [[Double]], a: [Float], b: [Float], rank: Int, scale: Double) -> [[Double]] {
    let inFeatures = weight[0].count
    return weight.enumerated().map { row, values in
        values.enumerated().map { column, value in
            value + scale * (0..<rank).reduce(0.0) { $0 + Double(b[row * rank + $1]) * Double(a[$1 * inFeatures + column]) }
        }
    }
}

/// The MLP's logits for one input row `x`, ReLU between layers, computed in Double.
private func logits(_ x: [Double], layers: [(weight: [[Double]], bias: [Double])]) -> [Double] {
    var activation = x
    for (index, layer) in layers.enumerated() {
        activation = layer.weight.enumerated().map { row, weights in
            zip(weights, activation).reduce(layer.bias[row]) { $0 + $1.0 * $1.1 }
        }
        if index < layers.count - 1 { activation = activation.map { max($0, 0) } }
    }
    return activation
}

private func fixtureInput() throws -> (tensor: Tensor, rows: [[Double]]) {
    let file = try SafeTensorsFile(path: fixturesDirectory + "/input.safetensors")
    let flat = try file.floats(named: "x")
    let rows = (0..<7).map { row in flat[row * 12..<(row + 1) * 12].map(Double.init) }
    return (try Tensor(shape: Shape([7, 12]), values: flat), rows)
}

/// Runs the model on the fixture input and compares with the Double reference.
private func expectOutputs(of model: MLP, match layers: [(weight: [[Double]], bias: [Double])],
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
    let input = try fixtureInput()
    let output = try model(input.tensor).scalars
    let expected = input.rows.flatMap { logits($0, layers: layers) }.map { Float($0) }
    expectAllClose(output, expected, "logits", sourceLocation: sourceLocation)
}

@Suite("PEFT configurations: rank above the layer size, exclude_modules, rank/alpha patterns, biases, non-finite values")
struct PEFTConfigurationOptionsTests {
    /// Fixture layers: 12 → 16, 16 → 8, 8 → 5.
    static let sizes = [(key: "layers.0", inFeatures: 12, outFeatures: 16), (key: "layers.2", inFeatures: 16, outFeatures: 8),
                        (key: "layers.4", inFeatures: 8, outFeatures: 5)]

    /// Tensors for `layers` with per-layer ranks, seeded per key.
    static func loraTensors(_ layers: [(key: String, inFeatures: Int, outFeatures: Int)], ranks: [String: Int])
        -> [(String, [Int], [Float])] {
        layers.enumerated().flatMap { index, layer -> [(String, [Int], [Float])] in
            let rank = ranks[layer.key] ?? 4
            return [("base_model.model.\(layer.key).lora_A.weight", [rank, layer.inFeatures],
                     values(rank * layer.inFeatures, seed: UInt64(10 + index))),
                    ("base_model.model.\(layer.key).lora_B.weight", [layer.outFeatures, rank],
                     values(layer.outFeatures * rank, seed: UInt64(20 + index)))]
        }
    }

    /// The reference layers with each adapted one replaced by `W + s·B·A`.
    static func referenceLayers(tensors: [(String, [Int], [Float])], scales: [String: Double]) throws -> [(weight: [[Double]], bias: [Double])] {
        var layers = try baseLayers()
        let byKey = Dictionary(uniqueKeysWithValues: tensors.map { ($0.0, ($0.1, $0.2)) })
        for (index, layer) in sizes.enumerated() {
            guard let scale = scales[layer.key], let a = byKey["base_model.model.\(layer.key).lora_A.weight"],
                  let b = byKey["base_model.model.\(layer.key).lora_B.weight"] else { continue }
            layers[index].weight = adapted(layers[index].weight, a: a.1, b: b.1, rank: a.0[0], scale: scale)
        }
        return layers
    }

    @Test func rankAboveTheSmallerDimensionLoadsAsInPEFT() throws {
        // r = 10 exceeds min(16, 8) = 8 and min(8, 5) = 5; PEFT accepts any r ≥ 1.
        let directory = try TemporaryDirectory()
        let ranks = ["layers.0": 10, "layers.2": 10, "layers.4": 10]
        let tensors = Self.loraTensors(Self.sizes, ranks: ranks)
        try writeAdapter(to: directory.path, changes: ["r": 10, "lora_alpha": 5], tensors: tensors)
        let model = try fixtureBaseModel()
        let (_, adapters) = try PEFTAdapterDirectory.load(from: directory.path, into: model)
        #expect(adapters.map(\.path) == ["layers.0", "layers.2", "layers.4"])
        try expectOutputs(of: model, match: Self.referenceLayers(tensors: tensors, scales: ["layers.0": 0.5, "layers.2": 0.5, "layers.4": 0.5]))

        var generator = RandomGenerator(seed: 4)
        let fresh = try fixtureBaseModel()
        let injected = try AdapterInjection.inject(LoRAConfiguration(rank: 20, alpha: 1, targetModules: ["layers.4"]), into: fresh, using: &generator)
        #expect(injected.first?.adapter.update.a.shape == Shape([20, 8]))
    }

    @Test func excludedModulesAreNotAdaptedAndNeedNoTensors() throws {
        // target_modules="all-linear" is saved by PEFT as the list of every Linear; exclude_modules then drops some.
        for changes: [String: Any] in [["exclude_modules": ["layers.4"]], ["exclude_modules": "layers\\.4"],
                                        ["target_modules": "all-linear", "exclude_modules": ["4"]]] {
            let directory = try TemporaryDirectory()
            let tensors = Self.loraTensors(Array(Self.sizes.prefix(2)), ranks: [:])
            try writeAdapter(to: directory.path, changes: changes, tensors: tensors)
            let model = try fixtureBaseModel()
            let (configuration, adapters) = try PEFTAdapterDirectory.load(from: directory.path, into: model)
            #expect(adapters.map(\.path) == ["layers.0", "layers.2"], "\(changes)")
            #expect(configuration.isExcluded(path: "layers.4"))
            #expect(!configuration.isExcluded(path: "layers.0"))
            try expectOutputs(of: model, match: Self.referenceLayers(tensors: tensors, scales: ["layers.0": 2, "layers.2": 2]))
        }
        // An excluded module's tensors in the file are tensors the configuration does not account for.
        let directory = try TemporaryDirectory()
        try writeAdapter(to: directory.path, changes: ["exclude_modules": ["layers.4"]], tensors: Self.loraTensors(Self.sizes, ranks: [:]))
        #expect(throws: PEFTFormatError.unexpectedKeys(path: directory.path + "/adapter_model.safetensors",
                                                       keys: ["base_model.model.layers.4.lora_A.weight", "base_model.model.layers.4.lora_B.weight"])) {
            try PEFTAdapterDirectory.load(from: directory.path, into: fixtureBaseModel())
        }
    }

    @Test func patternKeysMatchAsPEFTsGetPatternKey() {
        // PEFT: re.match(rf"(.*\.)?({key})$", path), keys tried in (sorted) file order.
        #expect(LoRAConfiguration.patternKey(in: ["2"], matching: "layers.2") == "2")
        #expect(LoRAConfiguration.patternKey(in: ["2"], matching: "layers.12") == nil)
        #expect(LoRAConfiguration.patternKey(in: ["layers.2"], matching: "model.layers.2") == "layers.2")
        #expect(LoRAConfiguration.patternKey(in: ["layers"], matching: "layers.2") == nil)
        #expect(LoRAConfiguration.patternKey(in: ["layers\\.[02]"], matching: "layers.0") == "layers\\.[02]")
        #expect(LoRAConfiguration.patternKey(in: ["layers.2", "2"], matching: "layers.2") == "2")
    }

    @Test func rankAndAlphaPatternsSetEachLayersRankAndScale() throws {
        let directory = try TemporaryDirectory()
        let ranks = ["layers.0": 4, "layers.2": 2, "layers.4": 6]
        let tensors = Self.loraTensors(Self.sizes, ranks: ranks)
        try writeAdapter(to: directory.path, changes: ["rank_pattern": ["layers.2": 2, "4": 6], "alpha_pattern": ["layers.4": 3, "0": 1]],
                         tensors: tensors)
        let model = try fixtureBaseModel()
        let (configuration, adapters) = try PEFTAdapterDirectory.load(from: directory.path, into: model)
        #expect(adapters.map { $0.adapter.update.a.shape.dimensions[0] } == [4, 2, 6])
        // scale = alpha_l / r_l: 1/4, 8/2, 3/6.
        #expect(adapters.map(\.adapter.update.scale) == [0.25, 4, 0.5])
        try expectOutputs(of: model, match: Self.referenceLayers(tensors: tensors, scales: ["layers.0": 0.25, "layers.2": 4, "layers.4": 0.5]))

        // Written back, the patterns survive.
        let json = PEFTAdapterConfiguration.json(for: configuration)
        #expect(try PEFTAdapterConfiguration.configuration(fromJSON: Data(json.utf8), path: "c.json") == configuration)

        // rsLoRA with patterns: alpha_l / √r_l.
        let rsDirectory = try TemporaryDirectory()
        try writeAdapter(to: rsDirectory.path, changes: ["rank_pattern": ["layers.2": 2, "4": 6], "use_rslora": true], tensors: tensors)
        let (_, rsAdapters) = try PEFTAdapterDirectory.load(from: rsDirectory.path, into: fixtureBaseModel())
        #expect(rsAdapters.map(\.adapter.update.scale) == [8 / Float(4).squareRoot(), 8 / Float(2).squareRoot(), 8 / Float(6).squareRoot()])
    }

    @Test func badPatternsAreNamed() throws {
        let directory = try TemporaryDirectory()
        try writeAdapter(to: directory.path, changes: ["rank_pattern": ["layers.2": 0]], tensors: [])
        #expect(throws: PEFTFormatError.invalidConfigurationValue(path: directory.path + "/adapter_config.json", key: "rank_pattern.layers.2",
                                                                  expected: "a positive integer", found: "0")) {
            try PEFTAdapterDirectory.readConfiguration(from: directory.path)
        }
        try writeAdapter(to: directory.path, changes: ["bias": "some"], tensors: [])
        #expect(throws: PEFTFormatError.invalidConfigurationValue(path: directory.path + "/adapter_config.json", key: "bias",
                                                                  expected: "\"none\", \"all\" or \"lora_only\"", found: "some")) {
            try PEFTAdapterDirectory.readConfiguration(from: directory.path)
        }
        try writeAdapter(to: directory.path, changes: ["lora_bias": true], tensors: [])
        #expect(throws: PEFTFormatError.unsupportedConfiguration(path: directory.path + "/adapter_config.json", key: "lora_bias", value: "true")) {
            try PEFTAdapterDirectory.readConfiguration(from: directory.path)
        }
    }

    @Test(arguments: [LoRABias.loraOnly, .all])
    func trainedBiasesAreSavedUnderPEFTsKeysAndLoaded(_ bias: LoRABias) throws {
        var generator = RandomGenerator(seed: 8)
        let model = try fixtureBaseModel()
        let configuration = LoRAConfiguration(rank: 2, alpha: 4, targetModules: ["layers.0", "layers.2"], bias: bias)
        try AdapterInjection.inject(configuration, into: model, using: &generator)
        let trainable = model.namedParameters().filter(\.parameter.requiresGradient).map(\.key)
        let biasKeys = bias == .all ? ["layers.0.base_layer.bias", "layers.2.base_layer.bias", "layers.4.bias"]
                                    : ["layers.0.base_layer.bias", "layers.2.base_layer.bias"]
        #expect(Set(trainable.filter { $0.hasSuffix("bias") }) == Set(biasKeys))
        #expect(!trainable.contains { $0.hasSuffix("weight") && !$0.contains("lora_") })
        // A trained model: every adapter tensor and bias changed.
        for (_, parameter) in model.namedParameters() where parameter.requiresGradient {
            try parameter.assign(Tensor(shape: parameter.shape, values: values(parameter.elementCount, seed: UInt64(parameter.elementCount))))
        }

        let directory = try TemporaryDirectory()
        try PEFTAdapterDirectory.save(adaptersOf: model, configuration: configuration, to: directory.path)
        let file = try SafeTensorsFile(path: directory.path + "/adapter_model.safetensors")
        #expect(Set(file.names.filter { $0.hasSuffix("bias") }) == Set(biasKeys.map { "base_model.model." + $0 }))

        let fresh = try fixtureBaseModel()
        let (loaded, _) = try PEFTAdapterDirectory.load(from: directory.path, into: fresh)
        #expect(loaded.bias == bias)
        let input = try fixtureInput().tensor
        #expect(try fresh(input).scalars == model(input).scalars)
        for key in biasKeys {
            let loadedBias = fresh.namedParameters().first { $0.key == key }?.parameter.scalars
            #expect(loadedBias != nil && loadedBias == model.namedParameters().first { $0.key == key }?.parameter.scalars, "\(key)")
        }
        // A file without the biases its configuration names is refused by name.
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        for name in file.names where !name.hasSuffix("layers.0.base_layer.bias") {
            try writer.addTensor(named: name, shape: file.info(named: name).shape, floats: file.floats(named: name))
        }
        try writer.write(toPath: directory.path + "/adapter_model.safetensors")
        #expect(throws: PEFTFormatError.missingKeys(path: directory.path + "/adapter_model.safetensors",
                                                    keys: ["base_model.model.layers.0.base_layer.bias"])) {
            try PEFTAdapterDirectory.load(from: directory.path, into: fixtureBaseModel())
        }
    }

    @Test func biasTensorsWithoutBiasInTheConfigurationAreReported() throws {
        let directory = try TemporaryDirectory()
        let tensors = Self.loraTensors(Self.sizes, ranks: [:]) + [("base_model.model.layers.0.base_layer.bias", [16], values(16, seed: 3))]
        try writeAdapter(to: directory.path, changes: [:], tensors: tensors)
        #expect(throws: PEFTFormatError.unexpectedKeys(path: directory.path + "/adapter_model.safetensors",
                                                       keys: ["base_model.model.layers.0.base_layer.bias"])) {
            try PEFTAdapterDirectory.load(from: directory.path, into: fixtureBaseModel())
        }
    }

    @Test func nonFiniteValuesAreRefusedNamingTheTensor() throws {
        let directory = try TemporaryDirectory()
        var tensors = Self.loraTensors(Self.sizes, ranks: [:])
        tensors[3].2[5] = .nan
        tensors[3].2[6] = .infinity
        try writeAdapter(to: directory.path, changes: [:], tensors: tensors)
        let model = try fixtureBaseModel()
        #expect(throws: PEFTFormatError.nonFiniteValues(path: directory.path + "/adapter_model.safetensors",
                                                        key: "base_model.model.layers.2.lora_B.weight", count: 2)) {
            try PEFTAdapterDirectory.load(from: directory.path, into: model)
        }
        #expect(AdapterInjection.adapters(in: model).isEmpty, "nothing changed")
        try PEFTAdapterDirectory.load(from: directory.path, into: model, allowingNonFiniteValues: true)
        #expect(AdapterInjection.adapters(in: model).count == 3)

        let base = try SafeTensorsFile(path: fixturesDirectory + "/base.safetensors")
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        for name in base.names {
            var floats = try base.floats(named: name)
            if name == "layers.2.bias" { floats[0] = -.infinity }
            try writer.addTensor(named: name, shape: base.info(named: name).shape, floats: floats)
        }
        try writer.write(toPath: directory.path + "/model.safetensors")
        #expect(throws: PEFTFormatError.nonFiniteValues(path: directory.path + "/model.safetensors", key: "layers.2.bias", count: 1)) {
            try StateDictionary.loadSequentialModel(from: directory.path + "/model.safetensors")
        }
        #expect(throws: PEFTFormatError.nonFiniteValues(path: directory.path + "/model.safetensors", key: "layers.2.bias", count: 1)) {
            try StateDictionary.load(into: fixtureBaseModel(), from: directory.path + "/model.safetensors")
        }
        _ = try StateDictionary.loadSequentialModel(from: directory.path + "/model.safetensors", allowingNonFiniteValues: true)
    }
}
