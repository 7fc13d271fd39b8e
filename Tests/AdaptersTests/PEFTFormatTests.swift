import Adapters
import Foundation
import NN
import SafeTensors
import Testing
import TensorCore
import TestSupport

/// A fresh temporary directory, removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "swift-lora-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ text: String, to name: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
    }
}

var fixturesDirectory: String {
    Bundle.module.resourceURL?.appendingPathComponent("Fixtures/peft").path ?? ""
}

/// Copies a fixture adapter directory into `destination` so that a test can damage it.
func copyFixtureAdapter(_ name: String, to destination: String) throws {
    for file in [PEFTAdapterDirectory.configurationFileName, PEFTAdapterDirectory.weightsFileName] {
        try FileManager.default.copyItem(atPath: fixturesDirectory + "/" + name + "/" + file, toPath: destination + "/" + file)
    }
}

func fixtureBaseModel() throws -> MLP {
    try StateDictionary.loadSequentialModel(from: fixturesDirectory + "/base.safetensors")
}

@Suite("PEFT adapter directories and state dicts")
struct PEFTFormatTests {
    @Test(arguments: [false, true])
    func savedAdaptersLoadIntoAFreshModelWithIdenticalOutputs(_ usesDoRA: Bool) throws {
        let directory = try TemporaryDirectory()
        let configuration = LoRAConfiguration(rank: 3, alpha: 6, usesDoRA: usesDoRA, targetModules: ["layers.0", "layers.2"])
        let (model, _) = try adaptedModel(configuration, seed: 21)
        var baseWriter = SafeTensorsWriter()
        for (key, parameter) in model.namedParameters() where !key.contains("lora_") {
            try baseWriter.addTensor(named: key.replacingOccurrences(of: ".base_layer", with: ""),
                                     shape: parameter.shape.dimensions, floats: parameter.scalars)
        }
        try baseWriter.write(toPath: directory.path + "/base.safetensors")
        try PEFTAdapterDirectory.save(adaptersOf: model, configuration: configuration, to: directory.path + "/adapter")

        let fresh = try StateDictionary.loadSequentialModel(from: directory.path + "/base.safetensors")
        let (loadedConfiguration, _) = try PEFTAdapterDirectory.load(from: directory.path + "/adapter", into: fresh)
        #expect(loadedConfiguration == configuration)
        let input = TestTensors.random([5, 6], seed: 22)
        #expect(try fresh(input).scalars == model(input).scalars)
    }

    @Test func writtenConfigurationHasPEFTsExactLayout() throws {
        let directory = try TemporaryDirectory()
        let model = try fixtureBaseModel()
        let configuration = try PEFTAdapterDirectory.readConfiguration(from: fixturesDirectory + "/dora")
        var generator = RandomGenerator(seed: 1)
        try AdapterInjection.inject(configuration, into: model, using: &generator)
        try PEFTAdapterDirectory.save(adaptersOf: model, configuration: configuration, to: directory.path)

        // PEFT's file differs only in auto_mapping, which records the Python class of the base model.
        let peftText = try String(contentsOfFile: fixturesDirectory + "/dora/adapter_config.json", encoding: .utf8)
        let autoMapping = try #require(peftText.range(of: #""auto_mapping": \{[^}]*\}"#, options: .regularExpression))
        let expected = peftText.replacingCharacters(in: autoMapping, with: #""auto_mapping": null"#)
        let written = try String(contentsOfFile: directory.path + "/adapter_config.json", encoding: .utf8)
        #expect(written == expected)

        let ours = try SafeTensorsFile(path: directory.path + "/adapter_model.safetensors")
        let peft = try SafeTensorsFile(path: fixturesDirectory + "/dora/adapter_model.safetensors")
        #expect(ours.names == peft.names)
        #expect(ours.tensors.map(\.shape) == peft.tensors.map(\.shape))
        #expect(ours.tensors.map(\.dtype) == peft.tensors.map(\.dtype))
        #expect(ours.metadata == peft.metadata)
    }

    @Test func optionsPEFTCannotExpressAreKeptInAnExtraObject() throws {
        let configuration = LoRAConfiguration(rank: 4, alpha: 8, scaling: .alpha, initialization: .notebook, usesDoRA: true,
                                              doraMagnitudeAxis: .inputFeatures, targetModules: ["layers.0"])
        let json = PEFTAdapterConfiguration.json(for: configuration)
        #expect(json.contains("\"swift_lora_options\""))
        let parsed = try PEFTAdapterConfiguration.configuration(fromJSON: Data(json.utf8), path: "test")
        #expect(parsed == configuration)
    }

    @Test func stateDictRoundTripsAndChecksKeys() throws {
        let directory = try TemporaryDirectory()
        let model = try fixtureBaseModel()
        let path = directory.path + "/model.safetensors"
        try StateDictionary.save(model, to: path)
        var generator = RandomGenerator(seed: 3)
        let other = MLP(layerSizes: [12, 16, 8, 5], using: &generator)
        try StateDictionary.load(into: other, from: path)
        for (a, b) in zip(model.namedParameters(), other.namedParameters()) { #expect(a.parameter.scalars == b.parameter.scalars) }

        let wrongShape = MLP(layerSizes: [12, 17, 8, 5], using: &generator)
        #expect(throws: PEFTFormatError.shapeMismatch(path: path, key: "layers.0.weight", expected: [17, 12], found: [16, 12])) {
            try StateDictionary.load(into: wrongShape, from: path)
        }
        let deeper = MLP(layerSizes: [12, 16, 8, 5, 3], using: &generator)
        #expect(throws: PEFTFormatError.missingKeys(path: path, keys: ["layers.6.weight", "layers.6.bias"])) {
            try StateDictionary.load(into: deeper, from: path)
        }
        let shallower = MLP(layerSizes: [12, 16, 8], using: &generator)
        #expect(throws: PEFTFormatError.unexpectedKeys(path: path, keys: ["layers.4.bias", "layers.4.weight"])) {
            try StateDictionary.load(into: shallower, from: path)
        }
    }
}

@Suite("Bad adapter input: each case names what is wrong")
struct AdapterBadInputTests {
    @Test func missingConfigurationFile() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: PEFTFormatError.missingFile(path: directory.path + "/adapter_config.json")) {
            try PEFTAdapterDirectory.load(from: directory.path, into: fixtureBaseModel())
        }
    }

    @Test func missingWeightsFile() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.copyItem(atPath: fixturesDirectory + "/lora/adapter_config.json", toPath: directory.path + "/adapter_config.json")
        #expect(throws: PEFTFormatError.missingFile(path: directory.path + "/adapter_model.safetensors")) {
            try PEFTAdapterDirectory.load(from: directory.path, into: fixtureBaseModel())
        }
    }

    /// The fixture's LoRA configuration with one key replaced (or removed with `nil`).
    func configurationError(_ key: String, _ value: Any?) throws -> PEFTFormatError? {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixturesDirectory + "/lora/adapter_config.json"))
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        object[key] = value
        let modified = try JSONSerialization.data(withJSONObject: object)
        do {
            _ = try PEFTAdapterConfiguration.configuration(fromJSON: modified, path: "adapter_config.json")
            return nil
        } catch {
            return error
        }
    }

    @Test func peftTypeMustBeLoRA() throws {
        #expect(try configurationError("peft_type", "IA3") == .unsupportedPEFTType(path: "adapter_config.json", found: "IA3"))
    }

    @Test func rankMustBeAPositiveInteger() throws {
        #expect(try configurationError("r", nil) == .invalidConfigurationValue(path: "adapter_config.json", key: "r",
                                                                               expected: "a positive integer", found: "nothing (the key is missing)"))
        #expect(try configurationError("r", 0) == .invalidConfigurationValue(path: "adapter_config.json", key: "r", expected: "a positive integer", found: "0"))
        #expect(try configurationError("r", 2.5) == .invalidConfigurationValue(path: "adapter_config.json", key: "r", expected: "a positive integer", found: "2.5"))
        #expect(try configurationError("r", "four") == .invalidConfigurationValue(path: "adapter_config.json", key: "r", expected: "a positive integer", found: "four"))
    }

    @Test func alphaMustBePositive() throws {
        #expect(try configurationError("lora_alpha", nil) == .invalidConfigurationValue(
            path: "adapter_config.json", key: "lora_alpha", expected: "a positive number", found: "nothing (the key is missing)"))
        #expect(try configurationError("lora_alpha", -8) == .invalidConfigurationValue(
            path: "adapter_config.json", key: "lora_alpha", expected: "a positive number", found: "-8"))
    }

    @Test func unsupportedFeaturesAreNamed() throws {
        #expect(try configurationError("bias", "all") == nil, "bias = all is supported")
        #expect(try configurationError("lora_bias", true) == .unsupportedConfiguration(path: "adapter_config.json", key: "lora_bias", value: "true"))
        #expect(try configurationError("fan_in_fan_out", true) == .unsupportedConfiguration(path: "adapter_config.json", key: "fan_in_fan_out", value: "true"))
        #expect(try configurationError("target_modules", nil) != nil)
        #expect(try configurationError("lora_dropout", 1.5) == .invalidConfigurationValue(
            path: "adapter_config.json", key: "lora_dropout", expected: "a number in [0, 1)", found: "1.5"))
    }

    @Test func invalidJSON() throws {
        #expect(throws: PEFTFormatError.invalidConfiguration(path: "c.json", reason: "it is not valid JSON")) {
            try PEFTAdapterConfiguration.configuration(fromJSON: Data("{\"r\": 4,".utf8), path: "c.json")
        }
        #expect(throws: PEFTFormatError.invalidConfiguration(path: "c.json", reason: "the top level is not a JSON object")) {
            try PEFTAdapterConfiguration.configuration(fromJSON: Data("[4]".utf8), path: "c.json")
        }
    }

    @Test func magnitudeWithoutDoRA() throws {
        let directory = try TemporaryDirectory()
        try copyFixtureAdapter("dora", to: directory.path)
        let config = try String(contentsOfFile: directory.path + "/adapter_config.json", encoding: .utf8)
        try directory.write(config.replacingOccurrences(of: "\"use_dora\": true", with: "\"use_dora\": false"), to: "adapter_config.json")
        #expect(throws: PEFTFormatError.magnitudeWithoutDoRA(path: directory.path + "/adapter_model.safetensors",
                                                              key: "base_model.model.layers.0.lora_magnitude_vector")) {
            try PEFTAdapterDirectory.load(from: directory.path, into: fixtureBaseModel())
        }
    }

    @Test func keysThatMatchNoModuleAreReported() throws {
        let directory = try TemporaryDirectory()
        try copyFixtureAdapter("lora", to: directory.path)
        let config = try String(contentsOfFile: directory.path + "/adapter_config.json", encoding: .utf8)
        try directory.write(config.replacingOccurrences(of: "    \"layers.4\"\n", with: "").replacingOccurrences(of: "\"layers.2\",", with: "\"layers.2\""),
                            to: "adapter_config.json")
        let weights = directory.path + "/adapter_model.safetensors"
        #expect(throws: PEFTFormatError.unexpectedKeys(path: weights, keys: ["base_model.model.layers.4.lora_A.weight", "base_model.model.layers.4.lora_B.weight"])) {
            try PEFTAdapterDirectory.load(from: directory.path, into: fixtureBaseModel())
        }
    }

    @Test func missingKeysAreReported() throws {
        let directory = try TemporaryDirectory()
        try copyFixtureAdapter("lora", to: directory.path)
        let original = try SafeTensorsFile(path: fixturesDirectory + "/lora/adapter_model.safetensors")
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        for info in original.tensors where !info.name.contains("layers.2.lora_B") {
            try writer.addTensor(named: info.name, shape: info.shape, floats: original.floats(named: info.name))
        }
        try writer.write(toPath: directory.path + "/adapter_model.safetensors")
        #expect(throws: PEFTFormatError.missingKeys(path: directory.path + "/adapter_model.safetensors", keys: ["base_model.model.layers.2.lora_B.weight"])) {
            try PEFTAdapterDirectory.load(from: directory.path, into: fixtureBaseModel())
        }
    }

    @Test func shapesThatDoNotMatchTheBaseAreReported() throws {
        let directory = try TemporaryDirectory()
        try copyFixtureAdapter("lora", to: directory.path)
        var generator = RandomGenerator(seed: 1)
        let widerModel = MLP(layerSizes: [12, 20, 8, 5], using: &generator)
        #expect(throws: PEFTFormatError.shapeMismatch(path: directory.path + "/adapter_model.safetensors",
                                                       key: "base_model.model.layers.0.lora_B.weight", expected: [20, 4], found: [16, 4])) {
            try PEFTAdapterDirectory.load(from: directory.path, into: widerModel)
        }
        #expect(widerModel.namedModules().allSatisfy { !($0.module is any AdapterLayer) }, "a failed load must leave the model unchanged")
    }

    @Test func targetsThatMatchNothing() throws {
        var generator = RandomGenerator(seed: 1)
        let model = MLP(layerSizes: [4, 3, 2], using: &generator)
        let configuration = LoRAConfiguration(rank: 1, alpha: 1, targetModules: ["q_proj"])
        #expect(throws: AdapterError.noMatchingModules(targets: ["q_proj"], availablePaths: ["layers", "layers.0", "layers.1", "layers.2"])) {
            try AdapterInjection.inject(configuration, into: model, using: &generator)
        }
    }

    @Test func rankBelowOneIsRefusedAndAboveTheLayerSizeAllowedAsInPEFT() throws {
        var generator = RandomGenerator(seed: 1)
        let model = MLP(layerSizes: [4, 3, 2], using: &generator)
        let configuration = LoRAConfiguration(rank: 0, alpha: 1, targetModules: ["layers.2"])
        #expect(throws: AdapterError.invalidRank(path: "layers.2", rank: 0, inFeatures: 3, outFeatures: 2)) {
            try AdapterInjection.inject(configuration, into: model, using: &generator)
        }
        // PEFT accepts any r ≥ 1, also r > min(in, out) (formerly refused here).
        let adapters = try AdapterInjection.inject(LoRAConfiguration(rank: 3, alpha: 1, targetModules: ["layers.2"]), into: model, using: &generator)
        #expect(adapters.first?.adapter.update.b.shape == Shape([2, 3]))
    }

    @Test func nonLinearTargets() throws {
        var generator = RandomGenerator(seed: 1)
        let model = MLP(layerSizes: [4, 3, 2], using: &generator)
        #expect(throws: AdapterError.unsupportedModule(path: "layers.1", type: "ReLU")) {
            try AdapterInjection.inject(LoRAConfiguration(rank: 1, alpha: 1, targetModules: ["layers.1"]), into: model, using: &generator)
        }
        #expect(throws: AdapterError.invalidAlpha(-1)) {
            try AdapterInjection.inject(LoRAConfiguration(rank: 1, alpha: -1, targetModules: ["layers.0"]), into: model, using: &generator)
        }
    }

    @Test func targetsByRegularExpression() throws {
        var generator = RandomGenerator(seed: 1)
        let model = MLP(layerSizes: [4, 3, 3, 2], using: &generator)
        let configuration = LoRAConfiguration(rank: 1, alpha: 1, targetModules: [], targetModulePattern: #"layers\.[02]"#)
        let adapters = try AdapterInjection.inject(configuration, into: model, using: &generator)
        #expect(adapters.map(\.path) == ["layers.0", "layers.2"])
    }
}
