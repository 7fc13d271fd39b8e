/// A problem with an adapter configuration, with a model it is applied to, or with an
/// adapter file. Each case names the module, key or file involved.
public enum AdapterError: Error, Equatable, CustomStringConvertible {
    /// No module path matched any of the targets.
    case noMatchingModules(targets: [String], availablePaths: [String])
    /// A target matched a module that is not a Linear layer.
    case unsupportedModule(path: String, type: String)
    /// The rank of a target is below 1.
    case invalidRank(path: String, rank: Int, inFeatures: Int, outFeatures: Int)
    /// alpha must be positive and finite.
    case invalidAlpha(Float)
    /// Dropout must be in [0, 1).
    case invalidDropout(Float)
    /// The module at `path` already carries an adapter.
    case alreadyAdapted(path: String)

    public var description: String {
        switch self {
        case let .noMatchingModules(targets, availablePaths):
            return "No module matches the target modules \(targets). Module paths in this model: \(availablePaths.joined(separator: ", "))."
        case let .unsupportedModule(path, type):
            return "Target module '\(path)' is a \(type); adapters wrap Linear layers only. Name the Linear layers, e.g. 'layers.0'."
        case let .invalidRank(path, rank, inFeatures, outFeatures):
            return "Rank \(rank) is invalid for '\(path)' (\(inFeatures) -> \(outFeatures) features): it must be at least 1."
        case let .invalidAlpha(alpha):
            return "alpha must be a positive number, got \(alpha)."
        case let .invalidDropout(dropout):
            return "Adapter dropout must be in [0, 1), got \(dropout)."
        case let .alreadyAdapted(path):
            return "Module '\(path)' already has an adapter; merge or remove it before adding another."
        }
    }
}
