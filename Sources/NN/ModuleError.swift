/// A module tree was asked for something it does not have or cannot do.
public enum ModuleError: Error, Equatable, CustomStringConvertible {
    /// `parent` has no direct submodule called `name`.
    case noSuchChild(parent: String, name: String)
    /// A module was expected at a path where there is none.
    case noModule(path: String)
    /// `parent` lists `name` in `children()` but has no way to replace it: the child is
    /// not a ``Child`` property and `parent` does not implement `replaceChild(named:with:)`.
    case childNotReplaceable(parent: String, name: String)
    /// The ``Child`` property `name` of `parent` is declared as `declaredType`, which cannot
    /// hold a `replacementType`.
    case childTypeMismatch(parent: String, name: String, declaredType: String, replacementType: String)
    /// Generators were restored without one for the stochastic module at `path`.
    case missingGenerator(path: String)
    /// The single-tensor forward of a ``MultiInputModule`` was called.
    case needsStructuredInput(module: String, input: String)

    public var description: String {
        switch self {
        case let .noSuchChild(parent, name):
            return "\(parent) has no submodule named '\(name)'. List the model's modules to see the valid names."
        case let .noModule(path):
            return "The model has no module at path '\(path)'. List the model's modules to see the valid paths."
        case let .childNotReplaceable(parent, name):
            return "\(parent) lists '\(name)' in children() but cannot replace it: declare it as a child slot "
                + "(`@Child var \(name): any Module`), or implement replaceChild(named:with:) in \(parent)."
        case let .childTypeMismatch(parent, name, declaredType, replacementType):
            return "\(parent).\(name) is declared as \(declaredType), which cannot hold a \(replacementType): "
                + "declare it as `@Child var \(name): any Module` so that a wrapper such as an adapter can take its place."
        case let .needsStructuredInput(module, input):
            return "\(module) takes a \(input), not a single tensor: call forward(_:) with a \(input)."
        case let .missingGenerator(path):
            return "No random generator state was given for the module at '\(path)'; save every module's generator (namedGenerators()) to restore them."
        }
    }
}
