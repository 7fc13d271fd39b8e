/// A module tree was asked for something it does not have.
public enum ModuleError: Error, Equatable, CustomStringConvertible {
    /// `parent` has no direct submodule called `name`.
    case noSuchChild(parent: String, name: String)
    /// A module was expected at a path where there is none.
    case noModule(path: String)

    public var description: String {
        switch self {
        case let .noSuchChild(parent, name):
            return "\(parent) has no submodule named '\(name)'. List the model's modules to see the valid names."
        case let .noModule(path):
            return "The model has no module at path '\(path)'. List the model's modules to see the valid paths."
        }
    }
}
