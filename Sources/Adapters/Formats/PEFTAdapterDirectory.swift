import Foundation
import NN
import SafeTensors
import TensorCore

/// An adapter saved as Hugging Face PEFT saves one: a directory with
/// `adapter_config.json` (see ``PEFTAdapterConfiguration``) and
/// `adapter_model.safetensors`, whose keys are
/// `base_model.model.<module path>.lora_A.weight` `[r, in]`, `….lora_B.weight` `[out, r]`
/// and, for DoRA, `….lora_magnitude_vector` `[out]` (no adapter name, no `.weight` on
/// the magnitude), F32, with metadata `{"format": "pt"}`. With `bias` `lora_only` or `all`
/// the trained biases are saved too, keyed as PEFT's `get_peft_model_state_dict` keys them:
/// `base_model.model.<path>.base_layer.bias` for an adapted layer, `base_model.model.<path>.bias`
/// for any other (see ``AdapterInjection/trainedBiases(of:configuration:)``). The parameters
/// of the modules saved whole (`modules_to_save`, see
/// ``AdapterInjection/savedModuleParameters(of:configuration:)``) are saved as PEFT's
/// `ModulesToSaveWrapper.adapter_state_dict` keys them: `base_model.model.<path>.<parameter>`
/// (`base_model.model.classifier.weight`), without `modules_to_save.default`.
public enum PEFTAdapterDirectory {
    public static let configurationFileName = "adapter_config.json"
    public static let weightsFileName = "adapter_model.safetensors"
    /// The prefix PEFT puts before a module path in adapter keys.
    public static let keyPrefix = "base_model.model."

    /// The file keys and tensors of one adapter at module `path`.
    public static func tensors(of adapter: any AdapterLayer, at path: String) -> [(key: String, tensor: Tensor)] {
        adapter.ownParameters().map { (keyPrefix + path + "." + $0.name, $0.parameter) }
    }

    /// Saves the adapters of `model` and their configuration into `directory` (created if
    /// needed). Each file is written atomically.
    public static func save(adaptersOf model: any Module, configuration: LoRAConfiguration, to directory: String) throws {
        let adapters = AdapterInjection.adapters(in: model)
        guard !adapters.isEmpty else {
            throw AdapterError.noMatchingModules(targets: configuration.targetModules, availablePaths: model.namedModules().map(\.path))
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw PEFTFormatError.unreadableFile(path: directory, reason: "the directory cannot be created (\(error.localizedDescription))")
        }
        for name in [weightsFileName, configurationFileName] {
            AtomicFileWriter.removeStaleTemporaryFiles(forPath: directory + "/" + name)
        }
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        var entries = adapters.flatMap { tensors(of: $0.adapter, at: $0.path) }
        let savedModules = AdapterInjection.savedModuleParameters(of: model, configuration: configuration)
        let savedKeys = Set(savedModules.map(\.key))
        entries += AdapterInjection.trainedBiases(of: model, configuration: configuration)
            .filter { !savedKeys.contains($0.key) }.map { (keyPrefix + $0.key, $0.parameter) }
        entries += savedModules.map { (keyPrefix + $0.key, $0.parameter) }
        for (key, tensor) in entries {
            try tensor.withUnsafeBufferPointer { values in
                try writer.addTensor(named: key, shape: tensor.shape.dimensions, floats: values)
            }
        }
        try writer.write(toPath: directory + "/" + weightsFileName)
        let json = PEFTAdapterConfiguration.json(for: configuration)
        try AtomicFileWriter.write(toPath: directory + "/" + configurationFileName) { sink in
            try sink.write(Array(json.utf8))
        }
    }

    /// The configuration stored in `directory`.
    public static func readConfiguration(from directory: String) throws(PEFTFormatError) -> LoRAConfiguration {
        let path = directory + "/" + configurationFileName
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadableFile(path: path, reason: "it cannot be read")
        }
        return try PEFTAdapterConfiguration.configuration(fromJSON: data, path: path)
    }

    /// Wraps `model`'s target layers in adapters holding the tensors saved in `directory`
    /// (and, with `bias` `lora_only` or `all`, overwrites the saved biases). Every key, shape
    /// and value is checked before anything is changed: missing keys and keys the
    /// configuration does not account for are reported by name, and so is a tensor holding
    /// NaN or an infinity unless `allowingNonFiniteValues`.
    @discardableResult
    public static func load(from directory: String, into model: any Module, allowingNonFiniteValues: Bool = false) throws
        -> (configuration: LoRAConfiguration, adapters: [(path: String, adapter: any AdapterLayer)]) {
        let configuration = try readConfiguration(from: directory)
        let file = try StateDictionary.open(directory + "/" + weightsFileName)
        if !configuration.usesDoRA, let key = file.names.first(where: { $0.hasSuffix(".lora_magnitude_vector") }) {
            throw PEFTFormatError.magnitudeWithoutDoRA(path: file.path, key: key)
        }
        let targets = try AdapterInjection.validatedTargets(configuration, in: model)
        var expected: [(key: String, shape: [Int])] = []
        for (path, linear) in targets {
            let prefix = keyPrefix + path + "."
            let rank = configuration.rank(forPath: path)
            expected.append((prefix + "lora_A.weight", [rank, linear.inFeatures]))
            expected.append((prefix + "lora_B.weight", [linear.outFeatures, rank]))
            if configuration.usesDoRA {
                let magnitudeCount = configuration.doraMagnitudeAxis == .outputFeatures ? linear.outFeatures : linear.inFeatures
                expected.append((prefix + "lora_magnitude_vector", [magnitudeCount]))
            }
        }
        let savedModules = AdapterInjection.savedModuleParameters(of: model, configuration: configuration)
        let savedKeys = Set(savedModules.map(\.key))
        let biases = expectedBiases(configuration, targets: targets, in: model).filter { !savedKeys.contains($0.key) }
        expected += biases.map { (keyPrefix + $0.key, $0.parameter.shape.dimensions) }
        expected += savedModules.map { (keyPrefix + $0.key, $0.parameter.shape.dimensions) }
        try StateDictionary.check(file, against: expected)
        if !allowingNonFiniteValues { try StateDictionary.checkFinite(file, keys: expected.map(\.key)) }

        var generator = RandomGenerator(seed: 0)
        let adapters = try AdapterInjection.inject(configuration, into: model, using: &generator)
        for (path, adapter) in adapters {
            for (key, tensor) in tensors(of: adapter, at: path) { try StateDictionary.copy(key, of: file, into: tensor) }
        }
        for (key, bias) in biases { try StateDictionary.copy(keyPrefix + key, of: file, into: bias) }
        for (key, parameter) in savedModules { try StateDictionary.copy(keyPrefix + key, of: file, into: parameter) }
        return (configuration, adapters)
    }

    /// The biases an adapter file with `configuration` holds for `model` before injection,
    /// keyed as after injection (``AdapterInjection/trainedBiases(of:configuration:)``).
    private static func expectedBiases(_ configuration: LoRAConfiguration, targets: [(String, Linear)],
                                       in model: any Module) -> [(key: String, parameter: Tensor)] {
        switch configuration.bias {
        case .none:
            return []
        case .loraOnly:
            return targets.compactMap { path, linear in linear.bias.map { (path + ".base_layer.bias", $0) } }
        case .all:
            let targetPaths = Set(targets.map(\.0))
            return model.namedParameters().filter { $0.key == "bias" || $0.key.hasSuffix(".bias") }.map { key, parameter in
                let modulePath = String(key.dropLast("bias".count).dropLast())
                return (targetPaths.contains(modulePath) ? modulePath + ".base_layer.bias" : key, parameter)
            }
        }
    }
}
