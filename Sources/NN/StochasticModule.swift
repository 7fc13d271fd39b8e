import TensorCore

/// A module whose forward draws random numbers in training mode (dropout) from a generator
/// of its own. A run that saves every such generator's ``RandomGenerator/state`` with its
/// checkpoint (``Module/namedGenerators()``) and puts them back on resume
/// (``Module/restoreGenerators(_:)``) draws the same masks as an uninterrupted run.
public protocol StochasticModule: Module {
    /// The source of this module's random numbers; advanced by each training forward.
    var generator: RandomGenerator { get set }
}

extension Module {
    /// The generator of every ``StochasticModule`` in the tree, by module path (as
    /// ``namedModules()`` orders them).
    public func namedGenerators() -> [(path: String, generator: RandomGenerator)] {
        namedModules().compactMap { entry in (entry.module as? any StochasticModule).map { (entry.path, $0.generator) } }
    }

    /// Puts back generators saved by ``namedGenerators()``. Every stochastic module of the
    /// tree must have one (and only those); nothing is changed otherwise.
    public func restoreGenerators(_ generators: [String: RandomGenerator]) throws(ModuleError) {
        let modules = namedModules().compactMap { entry in (entry.module as? any StochasticModule).map { (entry.path, $0) } }
        var restored: [(module: any StochasticModule, generator: RandomGenerator)] = []
        for (path, module) in modules {
            guard let generator = generators[path] else { throw .missingGenerator(path: path) }
            restored.append((module, generator))
        }
        let paths = Set(modules.map(\.0))
        if let extra = generators.keys.sorted().first(where: { !paths.contains($0) }) { throw .noModule(path: extra) }
        for (module, generator) in restored { module.generator = generator }
    }
}
