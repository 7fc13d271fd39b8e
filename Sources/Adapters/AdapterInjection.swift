import NN
import TensorCore

/// Wrapping the Linear layers of a model in adapters, selected by module path (PEFT's
/// `get_peft_model` with `target_modules`).
public enum AdapterInjection {
    /// Wraps every Linear whose path ``LoRAConfiguration/targets(path:)`` selects in a
    /// ``LoRALinear`` or ``DoRALinear`` with that path's rank and alpha
    /// (``LoRAConfiguration/resolved(forPath:)``), freezes every other parameter of `model`
    /// except the biases ``LoRAConfiguration/bias`` trains, and returns the adapters by
    /// path. `A` is drawn from `generator` in path order. Each adapter takes the training
    /// mode of the layer it wraps.
    ///
    /// The parent of each target must be able to replace it: the child is a ``NN/Child``
    /// property declared `any Module` (or the parent implements
    /// ``NN/Module/replaceChild(named:with:)``, as ``NN/Sequential`` does); otherwise a
    /// ``NN/ModuleError`` says which.
    ///
    /// Throws when the configuration is invalid, when no module matches, when a target is
    /// not a Linear, or when a rank is below 1.
    @discardableResult
    public static func inject(_ configuration: LoRAConfiguration, into model: any Module,
                              using generator: inout RandomGenerator) throws -> [(path: String, adapter: any AdapterLayer)] {
        let targets = try validatedTargets(configuration, in: model)
        model.freeze()
        var adapters: [(path: String, adapter: any AdapterLayer)] = []
        for (path, linear) in targets {
            let layerConfiguration = configuration.resolved(forPath: path)
            let update = LowRankUpdate(inFeatures: linear.inFeatures, outFeatures: linear.outFeatures,
                                       configuration: layerConfiguration, generator: &generator)
            let adapter: any AdapterLayer = configuration.usesDoRA
                ? try DoRALinear(base: linear, update: update, magnitude: nil, axis: configuration.doraMagnitudeAxis,
                                 treatsNormAsConstant: configuration.treatsDoRANormAsConstant)
                : LoRALinear(base: linear, update: update)
            adapter.isTraining = linear.isTraining
            try replace(moduleAt: path, in: model, with: adapter)
            adapters.append((path, adapter))
        }
        for (_, bias) in trainedBiases(of: model, configuration: configuration) { bias.requiresGradient = true }
        for (_, parameter) in savedModuleParameters(of: model, configuration: configuration) { parameter.requiresGradient = true }
        return adapters
    }

    /// The parameters of the modules `configuration` trains whole and saves
    /// (``LoRAConfiguration/modulesToSave``, PEFT's `modules_to_save`), keyed by their
    /// parameter path in `model` (`classifier.weight`), in module order. PEFT's adapter file
    /// holds each under `base_model.model.` + that key.
    public static func savedModuleParameters(of model: any Module, configuration: LoRAConfiguration) -> [(key: String, parameter: Tensor)] {
        guard !configuration.modulesToSave.isEmpty else { return [] }
        var result: [(key: String, parameter: Tensor)] = []
        var savedPaths: [String] = []
        for (path, module) in model.namedModules() where configuration.savesWhole(path: path) {
            // A module below one already saved whole is part of it.
            if savedPaths.contains(where: { path.hasPrefix($0 + ".") }) { continue }
            savedPaths.append(path)
            for (key, parameter) in module.namedParameters() { result.append((path + "." + key, parameter)) }
        }
        return result
    }

    /// The biases `configuration.bias` trains, keyed by their parameter path in the adapted
    /// `model` (`layers.0.base_layer.bias`, `layers.4.bias`), as PEFT's
    /// `_mark_only_adapters_as_trainable` selects them: none; every parameter named `bias`
    /// (`all`); or the bias of every adapted layer (`lora_only`).
    public static func trainedBiases(of model: any Module, configuration: LoRAConfiguration) -> [(key: String, parameter: Tensor)] {
        switch configuration.bias {
        case .none:
            return []
        case .all:
            return model.namedParameters().filter { $0.key == "bias" || $0.key.hasSuffix(".bias") }
        case .loraOnly:
            return adapters(in: model).compactMap { path, adapter in adapter.base.bias.map { (path + ".base_layer.bias", $0) } }
        }
    }

    /// The Linear layers `configuration` selects in `model`, after checking the
    /// configuration against each of them.
    static func validatedTargets(_ configuration: LoRAConfiguration, in model: any Module) throws -> [(String, Linear)] {
        guard configuration.alpha > 0, configuration.alpha.isFinite else { throw AdapterError.invalidAlpha(configuration.alpha) }
        guard configuration.dropout >= 0, configuration.dropout < 1 else { throw AdapterError.invalidDropout(configuration.dropout) }
        let modules = model.namedModules().filter { !$0.path.isEmpty }
        var targets: [(String, Linear)] = []
        for (path, module) in modules where configuration.targets(path: path) {
            if module is any AdapterLayer { throw AdapterError.alreadyAdapted(path: path) }
            guard let linear = module as? Linear else {
                if configuration.targetsAllLinearLayers { continue }
                throw AdapterError.unsupportedModule(path: path, type: String(describing: type(of: module)))
            }
            // PEFT accepts any r ≥ 1, also above min(in, out).
            let rank = configuration.rank(forPath: path)
            guard rank >= 1 else {
                throw AdapterError.invalidRank(path: path, rank: rank, inFeatures: linear.inFeatures, outFeatures: linear.outFeatures)
            }
            targets.append((path, linear))
        }
        guard !targets.isEmpty else {
            throw AdapterError.noMatchingModules(targets: configuration.targetsAllLinearLayers ? ["all-linear"] : configuration.targetModules,
                                                 availablePaths: modules.map(\.path))
        }
        return targets
    }

    /// Puts `replacement` at dotted `path` by asking its parent to swap the child.
    static func replace(moduleAt path: String, in model: any Module, with replacement: any Module) throws {
        let parts = path.split(separator: ".", omittingEmptySubsequences: false)
        guard let childName = parts.last else { throw ModuleError.noModule(path: path) }
        let parentPath = parts.dropLast().joined(separator: ".")
        guard let parent = parentPath.isEmpty ? model : model.module(at: parentPath) else {
            throw ModuleError.noModule(path: parentPath)
        }
        try parent.replaceChild(named: String(childName), with: replacement)
    }

    /// Every adapter in `model` with its path.
    public static func adapters(in model: any Module) -> [(path: String, adapter: any AdapterLayer)] {
        model.namedModules().compactMap { entry in
            (entry.module as? any AdapterLayer).map { (entry.path, $0) }
        }
    }

    /// Puts the whole model in training (adapter dropout on) or evaluation mode:
    /// `model.train(isTraining)` (``NN/Module/train(_:)``).
    public static func setTraining(_ isTraining: Bool, in model: any Module) {
        model.train(isTraining)
    }

    /// Replaces every adapter in `model` by a plain Linear holding the adapted weight `W'`
    /// and the base bias (PEFT's `merge_and_unload`).
    public static func mergeAndUnload(_ model: any Module) throws {
        for (path, adapter) in adapters(in: model) {
            let merged = try Linear(weight: adapter.mergedWeight(), bias: adapter.base.bias?.copy())
            try replace(moduleAt: path, in: model, with: merged)
        }
    }
}
