import Foundation

/// How the low-rank update `B·A` is scaled.
public enum LoRAScaling: String, Sendable, CaseIterable, Codable {
    /// `s = alpha / r`, PEFT's default.
    case alphaOverRank
    /// `s = alpha / √r`, rank-stabilised LoRA (rsLoRA, Kalajdzievski 2023; PEFT's `use_rslora`).
    case alphaOverSquareRootOfRank
    /// `s = alpha`, as the reference notebook does.
    case alpha

    /// The scale factor `s` for `alpha` and rank `r`.
    public func factor(alpha: Float, rank: Int) -> Float {
        switch self {
        case .alphaOverRank: alpha / Float(rank)
        case .alphaOverSquareRootOfRank: alpha / Float(rank).squareRoot()
        case .alpha: alpha
        }
    }
}

/// How `A` and `B` start. `B` is zero in every scheme, so an adapter starts as the
/// identity: the adapted model equals the base model until the first update.
public enum LoRAInitialization: String, Sendable, CaseIterable, Codable {
    /// PEFT's default (`init_lora_weights=True`): `A` by Kaiming-uniform with `a = √5`,
    /// i.e. uniform in `±1/√inFeatures`.
    case peft
    /// PEFT's `init_lora_weights="gaussian"`: `A ~ N(0, (1/r)²)`.
    case gaussian
    /// The reference notebook: `A ~ N(0, 1)/√r`.
    case notebook
}

/// Which norm DoRA's magnitude vector rescales.
public enum DoRAMagnitudeAxis: String, Sendable, CaseIterable, Codable {
    /// One magnitude per output feature: the L2 norm of each row of the `[out, in]` weight
    /// (the DoRA authors' code, PEFT, MLX, torchtune).
    case outputFeatures
    /// One magnitude per input feature: the norm of each column (the reference notebook's
    /// variant, `weight.norm(dim=0)`); not loadable by PEFT.
    case inputFeatures
}

/// Which biases train along with the adapters (PEFT's `bias`).
public enum LoRABias: String, Sendable, CaseIterable, Codable {
    /// Every bias stays frozen; the adapter file holds adapter tensors only.
    case none
    /// Every bias of the model trains; the adapter file holds each of them, under
    /// `base_model.model.<path>.base_layer.bias` for an adapted layer and
    /// `base_model.model.<path>.bias` for any other.
    case all
    /// The biases of the adapted layers train; the adapter file holds them under
    /// `base_model.model.<path>.base_layer.bias`.
    case loraOnly = "lora_only"
}

/// Everything that defines a set of LoRA or DoRA adapters.
public struct LoRAConfiguration: Sendable, Equatable {
    /// The rank `r` of `A` `[r, in]` and `B` `[out, r]`; at least 1. As in PEFT it may exceed
    /// `min(in, out)` (the update `B·A` then has rank `min(in, out)` at most).
    public var rank: Int
    /// `alpha` in the scale `s` (see ``scaling``); positive.
    public var alpha: Float
    public var scaling: LoRAScaling
    /// The probability of zeroing an element of the adapter's input in training (PEFT's
    /// `lora_dropout`); in [0, 1).
    public var dropout: Float
    public var initialization: LoRAInitialization
    /// DoRA (weight-decomposed LoRA, Liu et al. 2024, arXiv 2402.09353) instead of plain LoRA.
    public var usesDoRA: Bool
    public var doraMagnitudeAxis: DoRAMagnitudeAxis
    /// Treat DoRA's weight norm `‖W + s·B·A‖` as a constant in backpropagation (DoRA paper
    /// section 4.3, as PEFT does); when false it is differentiated too.
    public var treatsDoRANormAsConstant: Bool
    /// Module paths to wrap: a module is a target when its dotted path equals an entry or
    /// ends with `.` followed by one (PEFT's `target_modules` list semantics).
    public var targetModules: [String]
    /// A regular expression that a module's whole path must match (PEFT's `target_modules`
    /// given as a string); when set it replaces ``targetModules``.
    public var targetModulePattern: String?
    /// Every Linear layer is a target (PEFT's `target_modules="all-linear"`; on a model that
    /// is not a transformers `PreTrainedModel` PEFT keeps the output layer too).
    public var targetsAllLinearLayers: Bool
    /// Module paths never wrapped, matched as ``targetModules`` (PEFT's `exclude_modules`
    /// list), checked before the targets.
    public var excludedModules: [String]
    /// A regular expression; a module whose whole path matches is never wrapped (PEFT's
    /// `exclude_modules` given as a string).
    public var excludedModulePattern: String?
    /// Per-module ranks (PEFT's `rank_pattern`): see ``patternKey(in:matching:)``.
    public var rankPattern: [String: Int]
    /// Per-module alphas (PEFT's `alpha_pattern`): see ``patternKey(in:matching:)``.
    public var alphaPattern: [String: Float]
    /// Which biases train and are saved with the adapters.
    public var bias: LoRABias
    /// Modules trained whole and saved beside the adapters (PEFT's `modules_to_save`): a
    /// module is one when its path ends with an entry (PEFT's `_set_trainable` tests
    /// `key.endswith(name)`). They are never adapter targets (a path equal to an entry, or
    /// ending with `.` + entry, or below such a module, as PEFT's `check_target_module_exists`
    /// excludes them), their parameters stay trainable after injection, and the adapter file
    /// holds each of them under `base_model.model.<path>.<parameter>`. A sequence classifier
    /// (PEFT's `task_type="SEQ_CLS"`) has `["classifier", "score"]`.
    public var modulesToSave: [String]
    /// Only these layer indices are adapted (PEFT's `layers_to_transform`); nil or empty:
    /// every layer. Applies to ``targetModules`` entries matched as a `.`-suffix (not to a
    /// path equal to an entry, and PEFT refuses it with a regular expression or `all-linear`):
    /// the layer index is the first number after ``layersPattern`` (see ``layerIndex(of:)``);
    /// a target without one is not adapted.
    public var layersToTransform: [Int]?
    /// The names of the layer lists whose index ``layersToTransform`` reads (PEFT's
    /// `layers_pattern`, e.g. `["layer"]`); empty: the first numbered path component after
    /// at least two others.
    public var layersPattern: [String]
    /// PEFT's `task_type` (`"SEQ_CLS"` for a sequence classifier, nil for a bare model);
    /// written to and read from `adapter_config.json`, no effect on the adapters.
    public var taskType: String?

    public init(rank: Int, alpha: Float, scaling: LoRAScaling = .alphaOverRank, dropout: Float = 0,
                initialization: LoRAInitialization = .peft, usesDoRA: Bool = false,
                doraMagnitudeAxis: DoRAMagnitudeAxis = .outputFeatures, treatsDoRANormAsConstant: Bool = true,
                targetModules: [String], targetModulePattern: String? = nil, targetsAllLinearLayers: Bool = false,
                excludedModules: [String] = [], excludedModulePattern: String? = nil,
                rankPattern: [String: Int] = [:], alphaPattern: [String: Float] = [:], bias: LoRABias = .none,
                modulesToSave: [String] = [], taskType: String? = nil, layersToTransform: [Int]? = nil, layersPattern: [String] = []) {
        self.rank = rank
        self.alpha = alpha
        self.scaling = scaling
        self.dropout = dropout
        self.initialization = initialization
        self.usesDoRA = usesDoRA
        self.doraMagnitudeAxis = doraMagnitudeAxis
        self.treatsDoRANormAsConstant = treatsDoRANormAsConstant
        self.targetModules = targetModules
        self.targetModulePattern = targetModulePattern
        self.targetsAllLinearLayers = targetsAllLinearLayers
        self.excludedModules = excludedModules
        self.excludedModulePattern = excludedModulePattern
        self.rankPattern = rankPattern
        self.alphaPattern = alphaPattern
        self.bias = bias
        self.modulesToSave = modulesToSave
        self.taskType = taskType
        self.layersToTransform = layersToTransform
        self.layersPattern = layersPattern
    }

    /// The scale `s` applied to `B·A`.
    public var scale: Float { scaling.factor(alpha: alpha, rank: rank) }

    /// Whether the module at `path` is a target: not excluded, and named by the targets
    /// (PEFT's `check_target_module_exists`). With ``targetsAllLinearLayers`` every path that
    /// is not excluded is a candidate; injection keeps the Linear layers among them.
    public func targets(path: String) -> Bool {
        if isExcluded(path: path) || isInsideModuleToSave(path: path) { return false }
        if targetsAllLinearLayers { return true }
        if let targetModulePattern { return Self.wholeMatch(targetModulePattern, path) }
        if targetModules.contains(path) { return true }
        guard targetModules.contains(where: { path.hasSuffix("." + $0) }) else { return false }
        guard let layers = layersToTransform, !layers.isEmpty else { return true }
        guard let index = layerIndex(of: path) else { return false }
        return layers.contains(index)
    }

    /// The layer index PEFT reads from `path` for ``layersToTransform``: with no
    /// ``layersPattern``, the number matched by `.*?\.[^.]*\.(\d+)\.` from the start of the path
    /// (`encoder.layer.3.attention.self.query` → 3, `bert.encoder.layer.3.…` → 3); with
    /// patterns, by `.*?\.<pattern>\.(\d+)\.` for the first pattern that matches; nil when
    /// none matches.
    public func layerIndex(of path: String) -> Int? {
        let expressions = layersPattern.isEmpty ? [#"^.*?\.[^.]*\.(\d+)\."#] : layersPattern.map { #"^.*?\."# + $0 + #"\.(\d+)\."# }
        for pattern in expressions {
            guard let expression = try? NSRegularExpression(pattern: pattern),
                  let match = expression.firstMatch(in: path, range: NSRange(path.startIndex..<path.endIndex, in: path)),
                  let range = Range(match.range(at: 1), in: path) else { continue }
            return Int(path[range])
        }
        return nil
    }

    /// Whether `path` is a module to save or lies below one, as PEFT keeps adapters off them:
    /// the regular expression `(^|.*\.)name($|\..*)` matches `path` for an entry `name` of
    /// ``modulesToSave`` (taken literally).
    public func isInsideModuleToSave(path: String) -> Bool {
        modulesToSave.contains { name in
            path == name || path.hasPrefix(name + ".") || path.hasSuffix("." + name) || path.contains("." + name + ".")
        }
    }

    /// Whether the module at `path` is saved whole (PEFT's `_set_trainable`: the path ends
    /// with an entry of ``modulesToSave``, with or without a dot before it).
    public func savesWhole(path: String) -> Bool {
        !path.isEmpty && modulesToSave.contains { !$0.isEmpty && path.hasSuffix($0) }
    }

    /// Whether `path` is excluded: the whole path matches ``excludedModulePattern``, or it
    /// equals or ends with `.` followed by an entry of ``excludedModules``.
    public func isExcluded(path: String) -> Bool {
        if let excludedModulePattern, Self.wholeMatch(excludedModulePattern, path) { return true }
        return excludedModules.contains { path == $0 || path.hasSuffix("." + $0) }
    }

    /// The first key of `keys`, in sorted order, that names `path` as PEFT's
    /// `get_pattern_key` does: the regular expression `(.*\.)?(key)$` matches `path` from
    /// its start. PEFT tries the keys in the order of `adapter_config.json`, which PEFT
    /// writes with sorted keys, so sorted order is PEFT's order for every file PEFT wrote.
    public static func patternKey(in keys: some Collection<String>, matching path: String) -> String? {
        keys.sorted().first { key in
            guard let expression = try? NSRegularExpression(pattern: "^(.*\\.)?(" + key + ")$") else { return false }
            return expression.firstMatch(in: path, range: NSRange(path.startIndex..<path.endIndex, in: path)) != nil
        }
    }

    /// The rank of the adapter at `path`: its ``rankPattern`` entry, else ``rank``.
    public func rank(forPath path: String) -> Int {
        Self.patternKey(in: rankPattern.keys, matching: path).flatMap { rankPattern[$0] } ?? rank
    }

    /// The alpha of the adapter at `path`: its ``alphaPattern`` entry, else ``alpha``.
    public func alpha(forPath path: String) -> Float {
        Self.patternKey(in: alphaPattern.keys, matching: path).flatMap { alphaPattern[$0] } ?? alpha
    }

    /// The configuration of the single adapter at `path`: ``rank`` and ``alpha`` from the
    /// patterns, which are then empty.
    public func resolved(forPath path: String) -> LoRAConfiguration {
        var configuration = self
        configuration.rank = rank(forPath: path)
        configuration.alpha = alpha(forPath: path)
        configuration.rankPattern = [:]
        configuration.alphaPattern = [:]
        return configuration
    }

    /// Whether `pattern` matches the whole of `text` (Python's `re.fullmatch`); false for an
    /// invalid expression.
    static func wholeMatch(_ pattern: String, _ text: String) -> Bool {
        guard let expression = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$") else { return false }
        return expression.firstMatch(in: text, range: NSRange(text.startIndex..<text.endIndex, in: text)) != nil
    }
}
