import Foundation

/// Reading and writing `adapter_config.json` as PEFT 0.21.2 does.
///
/// Written: every field PEFT's `LoraConfig.save_pretrained` writes, keys sorted, two-space
/// indentation, no trailing newline, so that PEFT's `PeftModel.from_pretrained` loads it.
/// Options PEFT cannot express (scale `alpha`, per-input DoRA magnitudes, a differentiated
/// DoRA norm, the notebook's initialisation) go in an extra object `swift_lora_options`
/// that PEFT ignores; a file carrying one loads in PEFT with PEFT's own semantics.
///
/// Read: `peft_type` must be `LORA`; `r` a positive integer; `lora_alpha` a positive
/// number; `target_modules` a list of names, a regular expression or `"all-linear"`;
/// `exclude_modules` null, a list of names or a regular expression; `rank_pattern` and
/// `alpha_pattern` objects from a key (matched as ``LoRAConfiguration/patternKey(in:matching:)``)
/// to a positive integer rank or a positive alpha; `use_dora`, `use_rslora` booleans;
/// `lora_dropout` in [0, 1); `bias` `none`, `all` or `lora_only`; `modules_to_save` null or
/// a list of names; `task_type` null or a string; `layers_to_transform` (null, an index or a
/// list, with list `target_modules` only) and `layers_pattern` (null, a name or a list);
/// `fan_in_fan_out` and
/// `lora_bias` false (a bias on `lora_B` and a transposed Conv1D weight are not implemented).
public enum PEFTAdapterConfiguration {
    /// The PEFT release whose format this reads and writes.
    public static let formatVersion = "0.21.2"

    /// The JSON text for `configuration`.
    public static func json(for configuration: LoRAConfiguration) -> String {
        var options: [String: JSONValue] = [:]
        if configuration.scaling == .alpha { options["scaling"] = .string(configuration.scaling.rawValue) }
        if configuration.doraMagnitudeAxis != .outputFeatures { options["dora_magnitude_axis"] = .string(configuration.doraMagnitudeAxis.rawValue) }
        if !configuration.treatsDoRANormAsConstant { options["dora_norm_is_constant"] = .bool(false) }
        if configuration.initialization == .notebook { options["initialization"] = .string(configuration.initialization.rawValue) }

        let alpha: JSONValue = configuration.alpha == configuration.alpha.rounded() && abs(configuration.alpha) < 1e9
            ? .integer(Int(configuration.alpha)) : .number(decimal(configuration.alpha))
        let targets: JSONValue = configuration.targetsAllLinearLayers ? .string("all-linear")
            : configuration.targetModulePattern.map { JSONValue.string($0) } ?? .array(configuration.targetModules.sorted().map { .string($0) })
        let excluded: JSONValue = configuration.excludedModulePattern.map { JSONValue.string($0) }
            ?? (configuration.excludedModules.isEmpty ? .null : .array(configuration.excludedModules.sorted().map { .string($0) }))
        let alphaPattern = configuration.alphaPattern.mapValues { alpha -> JSONValue in
            alpha == alpha.rounded() && abs(alpha) < 1e9 ? .integer(Int(alpha)) : .number(decimal(alpha))
        }
        var fields: [String: JSONValue] = [
            "alora_invocation_tokens": .null, "alpha_pattern": .object(alphaPattern), "arrow_config": .null, "auto_mapping": .null,
            "base_model_name_or_path": .null, "bias": .string(configuration.bias.rawValue), "corda_config": .null, "ensure_weight_tying": .bool(false),
            "eva_config": .null, "exclude_modules": excluded, "fan_in_fan_out": .bool(false), "inference_mode": .bool(true),
            "init_lora_weights": configuration.initialization == .gaussian ? .string("gaussian") : .bool(true),
            "kasa_config": .null, "layer_replication": .null, "layers_pattern": configuration.layersPattern.isEmpty ? .null
                : configuration.layersPattern.count == 1 ? .string(configuration.layersPattern[0]) : .array(configuration.layersPattern.map { .string($0) }),
            "layers_to_transform": configuration.layersToTransform.map { JSONValue.array($0.map { .integer($0) }) } ?? .null,
            "loftq_config": .object([:]), "lora_alpha": alpha, "lora_bias": .bool(false),
            "lora_dropout": .number(decimal(configuration.dropout)), "lora_ga_config": .null, "megatron_config": .null,
            "megatron_core": .string("megatron.core"),
            "modules_to_save": configuration.modulesToSave.isEmpty ? .null : .array(configuration.modulesToSave.map { .string($0) }), "monteclora_config": .null,
            "peft_type": .string("LORA"), "peft_version": .string(formatVersion), "qalora_group_size": .integer(16),
            "r": .integer(configuration.rank), "rank_pattern": .object(configuration.rankPattern.mapValues { .integer($0) }), "revision": .null, "target_modules": targets,
            "target_parameters": .null, "task_type": configuration.taskType.map { JSONValue.string($0) } ?? .null, "trainable_token_indices": .null, "use_bdlora": .null,
            "use_dora": .bool(configuration.usesDoRA), "use_qalora": .bool(false),
            "use_rslora": .bool(configuration.scaling == .alphaOverSquareRootOfRank), "velora_config": .null,
        ]
        if !options.isEmpty { fields["swift_lora_options"] = .object(options) }
        return JSONValue.object(fields).pythonFormatted
    }

    /// The Double with the Float's shortest decimal form (`0.1` for `Float(0.1)`, not
    /// `0.10000000149011612`), so a value PEFT wrote as `0.1` is written back as `0.1`.
    static func decimal(_ value: Float) -> Double {
        Double(value.description) ?? Double(value)
    }

    /// The configuration in the JSON `data` read from `path` (named in errors).
    public static func configuration(fromJSON data: Data, path: String) throws(PEFTFormatError) -> LoRAConfiguration {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw .invalidConfiguration(path: path, reason: "it is not valid JSON")
        }
        guard let object = parsed as? [String: Any] else {
            throw .invalidConfiguration(path: path, reason: "the top level is not a JSON object")
        }
        func describe(_ value: Any?) -> String {
            guard let value else { return "nothing (the key is missing)" }
            if value is NSNull { return "null" }
            return "\(value)"
        }
        func number(_ value: Any?) -> Double? {
            guard let value = value as? NSNumber, !isBoolean(value) else { return nil }
            return value.doubleValue
        }
        func boolean(_ key: String, default defaultValue: Bool) throws(PEFTFormatError) -> Bool {
            guard let value = object[key], !(value is NSNull) else { return defaultValue }
            guard let number = value as? NSNumber, isBoolean(number) else {
                throw .invalidConfigurationValue(path: path, key: key, expected: "true or false", found: describe(value))
            }
            return number.boolValue
        }

        let peftType = object["peft_type"] as? String ?? describe(object["peft_type"])
        guard peftType == "LORA" else { throw .unsupportedPEFTType(path: path, found: peftType) }

        guard let rank = number(object["r"]), rank >= 1, rank == rank.rounded(), rank < 1e9 else {
            throw .invalidConfigurationValue(path: path, key: "r", expected: "a positive integer", found: describe(object["r"]))
        }
        // Judged as the Float it becomes too: 1e39 is a finite Double but an infinite Float,
        // 1e-50 a positive Double but a zero Float.
        guard let alpha = number(object["lora_alpha"]), Float(alpha) > 0, Float(alpha).isFinite else {
            throw .invalidConfigurationValue(path: path, key: "lora_alpha", expected: "a positive number", found: describe(object["lora_alpha"]))
        }
        let dropoutValue = object["lora_dropout"]
        let dropout = dropoutValue == nil || dropoutValue is NSNull ? 0 : number(dropoutValue)
        // Float(0.99999999) is 1, so the upper bound is checked on the Float.
        guard let dropout, dropout >= 0, Float(dropout) < 1 else {
            throw .invalidConfigurationValue(path: path, key: "lora_dropout", expected: "a number in [0, 1)", found: describe(dropoutValue))
        }

        var targetModules: [String] = []
        var targetPattern: String?
        var targetsAllLinearLayers = false
        switch object["target_modules"] {
        case let shorthand as String where shorthand.lowercased() == "all-linear":
            targetsAllLinearLayers = true
        case let list as [Any]:
            for entry in list {
                guard let name = entry as? String else {
                    throw .invalidConfigurationValue(path: path, key: "target_modules", expected: "a list of module names", found: describe(entry))
                }
                targetModules.append(name)
            }
            guard !targetModules.isEmpty else {
                throw .invalidConfigurationValue(path: path, key: "target_modules", expected: "at least one module name", found: "[]")
            }
        case let pattern as String:
            guard (try? NSRegularExpression(pattern: pattern)) != nil else {
                throw .invalidConfigurationValue(path: path, key: "target_modules", expected: "a valid regular expression", found: pattern)
            }
            targetPattern = pattern
        default:
            throw .invalidConfigurationValue(path: path, key: "target_modules", expected: "a list of module names or a regular expression",
                                             found: describe(object["target_modules"]))
        }

        var excludedModules: [String] = []
        var excludedPattern: String?
        switch object["exclude_modules"] {
        case nil, is NSNull:
            break
        case let list as [Any]:
            for entry in list {
                guard let name = entry as? String else {
                    throw .invalidConfigurationValue(path: path, key: "exclude_modules", expected: "a list of module names", found: describe(entry))
                }
                excludedModules.append(name)
            }
        case let pattern as String:
            guard (try? NSRegularExpression(pattern: pattern)) != nil else {
                throw .invalidConfigurationValue(path: path, key: "exclude_modules", expected: "a valid regular expression", found: pattern)
            }
            excludedPattern = pattern
        default:
            throw .invalidConfigurationValue(path: path, key: "exclude_modules", expected: "null, a list of module names or a regular expression",
                                             found: describe(object["exclude_modules"]))
        }

        func pattern(_ key: String, valueExpected: String, accept: (Double) -> Bool) throws(PEFTFormatError) -> [String: Double] {
            guard let value = object[key], !(value is NSNull) else { return [:] }
            guard let entries = value as? [String: Any] else {
                throw .invalidConfigurationValue(path: path, key: key, expected: "an object from module names to numbers", found: describe(value))
            }
            var result: [String: Double] = [:]
            for (name, entry) in entries {
                guard (try? NSRegularExpression(pattern: "^(.*\\.)?(" + name + ")$")) != nil else {
                    throw .invalidConfigurationValue(path: path, key: "\(key).\(name)", expected: "a module name or valid regular expression", found: name)
                }
                guard let number = number(entry), accept(number) else {
                    throw .invalidConfigurationValue(path: path, key: "\(key).\(name)", expected: valueExpected, found: describe(entry))
                }
                result[name] = number
            }
            return result
        }
        let rankPattern = try pattern("rank_pattern", valueExpected: "a positive integer") { $0 >= 1 && $0 == $0.rounded() && $0 < 1e9 }
        let alphaPattern = try pattern("alpha_pattern", valueExpected: "a positive number") { Float($0) > 0 && Float($0).isFinite }

        let bias: LoRABias
        switch object["bias"] {
        case nil, is NSNull: bias = .none
        case let text as String:
            guard let parsed = LoRABias(rawValue: text) else {
                throw .invalidConfigurationValue(path: path, key: "bias", expected: "\"none\", \"all\" or \"lora_only\"", found: text)
            }
            bias = parsed
        case let other:
            throw .invalidConfigurationValue(path: path, key: "bias", expected: "\"none\", \"all\" or \"lora_only\"", found: describe(other))
        }

        let usesDoRA = try boolean("use_dora", default: false)
        let usesRSLoRA = try boolean("use_rslora", default: false)
        if try boolean("fan_in_fan_out", default: false) {
            throw .unsupportedConfiguration(path: path, key: "fan_in_fan_out", value: "true")
        }
        if try boolean("lora_bias", default: false) {
            throw .unsupportedConfiguration(path: path, key: "lora_bias", value: "true")
        }
        var modulesToSave: [String] = []
        switch object["modules_to_save"] {
        case nil, is NSNull:
            break
        case let list as [Any]:
            for entry in list {
                guard let name = entry as? String, !name.isEmpty else {
                    throw .invalidConfigurationValue(path: path, key: "modules_to_save", expected: "a list of module names", found: describe(entry))
                }
                modulesToSave.append(name)
            }
        case let other:
            throw .invalidConfigurationValue(path: path, key: "modules_to_save", expected: "null or a list of module names", found: describe(other))
        }
        let taskType: String?
        switch object["task_type"] {
        case nil, is NSNull: taskType = nil
        case let text as String: taskType = text
        case let other:
            throw .invalidConfigurationValue(path: path, key: "task_type", expected: "null or a string such as \"SEQ_CLS\"", found: describe(other))
        }
        var layersToTransform: [Int]?
        switch object["layers_to_transform"] {
        case nil, is NSNull:
            break
        case let list as [Any]:
            layersToTransform = []
            for entry in list {
                guard let index = number(entry), index >= 0, index == index.rounded(), index < 1e9 else {
                    throw .invalidConfigurationValue(path: path, key: "layers_to_transform", expected: "a list of layer indices", found: describe(entry))
                }
                layersToTransform?.append(Int(index))
            }
        case let single:
            guard let index = number(single), index >= 0, index == index.rounded(), index < 1e9 else {
                throw .invalidConfigurationValue(path: path, key: "layers_to_transform", expected: "null, a layer index or a list of them",
                                                 found: describe(single))
            }
            layersToTransform = [Int(index)]
        }
        var layersPattern: [String] = []
        switch object["layers_pattern"] {
        case nil, is NSNull:
            break
        case let text as String:
            layersPattern = text.isEmpty ? [] : [text]
        case let list as [Any]:
            for entry in list {
                guard let name = entry as? String else {
                    throw .invalidConfigurationValue(path: path, key: "layers_pattern", expected: "a list of names", found: describe(entry))
                }
                layersPattern.append(name)
            }
        case let other:
            throw .invalidConfigurationValue(path: path, key: "layers_pattern", expected: "null, a name or a list of names", found: describe(other))
        }
        if let layers = layersToTransform, !layers.isEmpty, targetPattern != nil || targetsAllLinearLayers {
            throw .invalidConfigurationValue(path: path, key: "layers_to_transform", expected: "null when target_modules is a string (PEFT refuses the combination)",
                                             found: describe(object["layers_to_transform"]))
        }
        if !layersPattern.isEmpty, layersToTransform?.isEmpty ?? true {
            throw .invalidConfigurationValue(path: path, key: "layers_to_transform", expected: "a list of layer indices when layers_pattern is given (PEFT requires it)",
                                             found: describe(object["layers_to_transform"]))
        }
        for key in ["trainable_token_indices"] {
            if let value = object[key], !(value is NSNull) {
                throw .unsupportedConfiguration(path: path, key: key, value: describe(value))
            }
        }

        var initialization: LoRAInitialization = object["init_lora_weights"] as? String == "gaussian" ? .gaussian : .peft
        var scaling: LoRAScaling = usesRSLoRA ? .alphaOverSquareRootOfRank : .alphaOverRank
        var axis: DoRAMagnitudeAxis = .outputFeatures
        var constantNorm = true
        if let options = object["swift_lora_options"] as? [String: Any] {
            if let value = options["scaling"] as? String {
                guard let parsed = LoRAScaling(rawValue: value) else {
                    throw .invalidConfigurationValue(path: path, key: "swift_lora_options.scaling", expected: "one of \(LoRAScaling.allCases.map(\.rawValue))", found: value)
                }
                scaling = parsed
            }
            if let value = options["dora_magnitude_axis"] as? String {
                guard let parsed = DoRAMagnitudeAxis(rawValue: value) else {
                    throw .invalidConfigurationValue(path: path, key: "swift_lora_options.dora_magnitude_axis",
                                                     expected: "one of \(DoRAMagnitudeAxis.allCases.map(\.rawValue))", found: value)
                }
                axis = parsed
            }
            if let value = options["dora_norm_is_constant"] as? NSNumber, isBoolean(value) { constantNorm = value.boolValue }
            if let value = options["initialization"] as? String, let parsed = LoRAInitialization(rawValue: value) { initialization = parsed }
        }

        return LoRAConfiguration(rank: Int(rank), alpha: Float(alpha), scaling: scaling, dropout: Float(dropout),
                                 initialization: initialization, usesDoRA: usesDoRA, doraMagnitudeAxis: axis,
                                 treatsDoRANormAsConstant: constantNorm, targetModules: targetModules,
                                 targetModulePattern: targetPattern, targetsAllLinearLayers: targetsAllLinearLayers,
                                 excludedModules: excludedModules, excludedModulePattern: excludedPattern,
                                 rankPattern: rankPattern.mapValues { Int($0) }, alphaPattern: alphaPattern.mapValues { Float($0) }, bias: bias,
                                 modulesToSave: modulesToSave, taskType: taskType, layersToTransform: layersToTransform,
                                 layersPattern: layersPattern)
    }

    /// Whether a number parsed by JSONSerialization came from `true`/`false` (booleans
    /// carry the Objective-C type code `c`; JSON integers and reals never do).
    private static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }
}
