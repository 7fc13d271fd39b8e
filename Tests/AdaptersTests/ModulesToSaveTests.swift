import Adapters
import Foundation
import NN
import SafeTensors
import Testing
import TensorCore
import TestSupport

/// PEFT's `modules_to_save` (``LoRAConfiguration/modulesToSave``): a module saved whole is
/// never an adapter target, trains after injection, and is written and read under
/// `base_model.model.<path>.<parameter>` (PEFT's ModulesToSaveWrapper keys, without
/// `modules_to_save.default`); `task_type` and `modules_to_save` round-trip through
/// `adapter_config.json`.
struct ModulesToSaveTests {
    static func model(seed: UInt64) -> MLP {
        var generator = RandomGenerator(seed: seed)
        return MLP(layerSizes: [4, 6, 3], using: &generator)
    }

    @Test func aModuleToSaveTrainsIsSavedWholeAndLoadsBack() throws {
        let model = Self.model(seed: 1)
        #expect(model.namedModules().map(\.path).contains("layers.2"))
        let configuration = LoRAConfiguration(rank: 2, alpha: 4, targetModules: [], targetsAllLinearLayers: true,
                                              modulesToSave: ["layers.2"], taskType: "SEQ_CLS")
        var generator = RandomGenerator(seed: 2)
        let adapters = try AdapterInjection.inject(configuration, into: model, using: &generator)
        #expect(adapters.map(\.path) == ["layers.0"])
        #expect(model.namedParameters().filter(\.parameter.requiresGradient).map(\.key)
                == ["layers.0.lora_A.weight", "layers.0.lora_B.weight", "layers.2.weight", "layers.2.bias"])
        for (index, parameter) in model.trainableParameters().enumerated() {
            try parameter.assign(TestTensors.random(parameter.shape, seed: UInt64(10 + index)))
        }
        let directory = try TemporaryDirectory()
        try PEFTAdapterDirectory.save(adaptersOf: model, configuration: configuration, to: directory.path)
        let file = try SafeTensorsFile(path: directory.path + "/adapter_model.safetensors")
        #expect(Set(file.names) == ["base_model.model.layers.0.lora_A.weight", "base_model.model.layers.0.lora_B.weight",
                                    "base_model.model.layers.2.weight", "base_model.model.layers.2.bias"])
        let text = try String(contentsOfFile: directory.path + "/adapter_config.json", encoding: .utf8)
        #expect(text.contains("\"modules_to_save\": [\n    \"layers.2\"\n  ]"))
        #expect(text.contains("\"task_type\": \"SEQ_CLS\""))

        let fresh = Self.model(seed: 1)  // the same base weights; the module to save comes from the file
        let (loaded, _) = try PEFTAdapterDirectory.load(from: directory.path, into: fresh)
        #expect(loaded == configuration)
        #expect(fresh.namedParameters().map(\.parameter.scalars) == model.namedParameters().map(\.parameter.scalars))
        let x = TestTensors.random([2, 4], seed: 4)
        AdapterInjection.setTraining(false, in: model)
        AdapterInjection.setTraining(false, in: fresh)
        #expect(try fresh(x).scalars == (try model(x)).scalars)
    }

    @Test func targetsInsideAModuleToSaveAreExcludedAsPEFTExcludesThem() {
        let configuration = LoRAConfiguration(rank: 1, alpha: 1, targetModules: ["dense", "classifier"], modulesToSave: ["classifier"])
        #expect(!configuration.targets(path: "classifier"))
        #expect(!configuration.targets(path: "model.classifier"))
        #expect(!configuration.targets(path: "classifier.dense"))
        #expect(configuration.targets(path: "encoder.dense"))
        #expect(configuration.savesWhole(path: "model.classifier"))
        #expect(!configuration.savesWhole(path: "model.classifier.dense"))
    }

    @Test func badModulesToSaveAndTaskTypeValuesAreTypedErrors() throws {
        func parse(_ extra: String) throws -> LoRAConfiguration {
            let json = "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, \"target_modules\": [\"q\"], \(extra)}"
            return try PEFTAdapterConfiguration.configuration(fromJSON: Data(json.utf8), path: "adapter_config.json")
        }
        #expect(try parse("\"modules_to_save\": [\"classifier\", \"score\"], \"task_type\": \"SEQ_CLS\"").modulesToSave == ["classifier", "score"])
        #expect(try parse("\"modules_to_save\": null, \"task_type\": null").modulesToSave.isEmpty)
        #expect(throws: PEFTFormatError.invalidConfigurationValue(path: "adapter_config.json", key: "modules_to_save",
                                                                  expected: "null or a list of module names", found: "classifier")) {
            try parse("\"modules_to_save\": \"classifier\"")
        }
        #expect(throws: PEFTFormatError.invalidConfigurationValue(path: "adapter_config.json", key: "modules_to_save",
                                                                  expected: "a list of module names", found: "3")) {
            try parse("\"modules_to_save\": [3]")
        }
        #expect(throws: PEFTFormatError.self) { try parse("\"task_type\": 7") }
    }
}

/// PEFT's `layers_to_transform` / `layers_pattern` (`check_target_module_exists`): the layer
/// index is the first number after the pattern, or after two path components; a path equal
/// to a target skips the filter; a target without an index is not adapted.
struct LayersToTransformTests {
    @Test func onlyTheListedLayersAreTargets() {
        let configuration = LoRAConfiguration(rank: 1, alpha: 1, targetModules: ["key", "attention.output.dense"], layersToTransform: [0, 2])
        #expect(configuration.targets(path: "encoder.layer.0.attention.self.key"))
        #expect(configuration.targets(path: "encoder.layer.2.attention.output.dense"))
        #expect(!configuration.targets(path: "encoder.layer.1.attention.self.key"))
        #expect(!configuration.targets(path: "encoder.layer.12.attention.self.key"))
        #expect(configuration.targets(path: "bert.encoder.layer.2.attention.self.key"))
        #expect(!configuration.targets(path: "encoder.layer.2.output.dense"))
        #expect(!configuration.targets(path: "pooler.key"))     // no layer index: not adapted
        #expect(configuration.targets(path: "key"))            // equal to a target: no filter (PEFT's `key in target_modules`)
        #expect(configuration.layerIndex(of: "model.layers.1.experts.0.w1") == 1)
        let patterned = LoRAConfiguration(rank: 1, alpha: 1, targetModules: ["w1"], layersToTransform: [0], layersPattern: ["experts"])
        #expect(patterned.layerIndex(of: "model.layers.1.experts.0.w1") == 0)
        #expect(patterned.targets(path: "model.layers.1.experts.0.w1"))
        #expect(!patterned.targets(path: "model.layers.0.experts.1.w1"))
        #expect(LoRAConfiguration(rank: 1, alpha: 1, targetModules: ["key"], layersToTransform: []).targets(path: "encoder.layer.5.attention.self.key"))
    }

    @Test func theFieldsRoundTripAndPEFTsRefusalsAreTypedErrors() throws {
        func parse(_ extra: String, targets: String = "[\"key\"]") throws -> LoRAConfiguration {
            let json = "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, \"target_modules\": \(targets), \(extra)}"
            return try PEFTAdapterConfiguration.configuration(fromJSON: Data(json.utf8), path: "adapter_config.json")
        }
        #expect(try parse("\"layers_to_transform\": [0, 2]").layersToTransform == [0, 2])
        #expect(try parse("\"layers_to_transform\": 3, \"layers_pattern\": \"layer\"").layersToTransform == [3])
        #expect(try parse("\"layers_to_transform\": 3, \"layers_pattern\": \"layer\"").layersPattern == ["layer"])
        let configuration = LoRAConfiguration(rank: 2, alpha: 4, targetModules: ["key"], layersToTransform: [1, 4], layersPattern: ["layer"])
        let json = PEFTAdapterConfiguration.json(for: configuration)
        #expect(try PEFTAdapterConfiguration.configuration(fromJSON: Data(json.utf8), path: "x") == configuration)
        #expect(throws: PEFTFormatError.self) { try parse("\"layers_to_transform\": [0]", targets: "\"encoder.*key\"") }
        #expect(throws: PEFTFormatError.self) { try parse("\"layers_to_transform\": [0]", targets: "\"all-linear\"") }
        #expect(throws: PEFTFormatError.self) { try parse("\"layers_pattern\": \"layer\"") }
        #expect(throws: PEFTFormatError.self) { try parse("\"layers_to_transform\": [-1]") }
        #expect(throws: PEFTFormatError.self) { try parse("\"layers_to_transform\": \"0\"") }
    }
}
