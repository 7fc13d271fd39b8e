import TensorCore

/// A module tree's parameters do not line up with another's.
public enum ParameterCopyError: Error, Equatable, CustomStringConvertible {
    case keysDiffer(source: [String], destination: [String])
    case shapeMismatch(key: String, source: Shape, destination: Shape)

    public var description: String {
        switch self {
        case let .keysDiffer(source, destination):
            return "The models have different parameters: \(source) versus \(destination). Build the copy with the same architecture."
        case let .shapeMismatch(key, source, destination):
            return "Parameter '\(key)' has shape \(source) in the source and \(destination) in the destination."
        }
    }
}

extension Module {
    /// Copies every parameter value of `source` into this module's parameter with the same
    /// key (a deep copy of the weights; gradient flags are left as they are). Both trees
    /// must have the same keys and shapes; nothing is written otherwise.
    public func copyParameters(from source: any Module) throws(ParameterCopyError) {
        let sourceParameters = source.namedParameters(), destinationParameters = namedParameters()
        guard sourceParameters.map(\.key) == destinationParameters.map(\.key) else {
            throw .keysDiffer(source: sourceParameters.map(\.key), destination: destinationParameters.map(\.key))
        }
        for (from, to) in zip(sourceParameters, destinationParameters) where from.parameter.shape != to.parameter.shape {
            throw .shapeMismatch(key: from.key, source: from.parameter.shape, destination: to.parameter.shape)
        }
        for (from, to) in zip(sourceParameters, destinationParameters) {
            try? to.parameter.assign(from.parameter)
        }
    }
}
