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
