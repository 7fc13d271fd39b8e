/// A data-parallel job could not start, or its ranks do not agree.
public enum CollectivesError: Error, Equatable, CustomStringConvertible {
    /// The process was started by `mpirun` but no usable MPI library could be opened.
    case libraryUnavailable(tried: [String], reason: String)
    /// The MPI library lacks a function or handle this package calls.
    case symbolMissing(library: String, symbol: String)
    /// An MPI call returned an error code.
    case callFailed(function: String, code: Int32)
    /// The ranks were given different inputs: `component` (options, model, data, checkpoint)
    /// of the listed ranks differs from rank 0's.
    case ranksDisagree(component: String, ranks: [Int], size: Int)
    /// A collective was asked for more elements than one MPI call takes (`Int32.max`).
    case bufferTooLarge(count: Int)
    /// The process was started by another MPI's launcher (the environment `variable` says so).
    case unsupportedLauncher(variable: String)

    public var description: String {
        switch self {
        case let .libraryUnavailable(tried, reason):
            return "this process was started by mpirun, but Open MPI's library could not be opened (tried \(tried.joined(separator: ", ")): "
                + "\(reason). Install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev) on every node."
        case let .symbolMissing(library, symbol):
            return "\(library) has no symbol '\(symbol)': the data-parallel mode needs Open MPI 4 or later."
        case let .callFailed(function, code):
            return "\(function) failed with MPI error code \(code)."
        case let .ranksDisagree(component, ranks, size):
            let names = ranks.map { "rank \($0)" }.joined(separator: ", ")
            return "the \(size) ranks were not given the same \(component): \(names) differ\(ranks.count == 1 ? "s" : "") from rank 0. "
                + "Every rank must run the same command on the same files (the same paths and contents on every node)."
        case let .bufferTooLarge(count):
            return "a collective operation over \(count) elements exceeds MPI's limit of \(Int32.max) per call."
        case let .unsupportedLauncher(variable):
            return "this process was started by an MPI launcher other than Open MPI's mpirun (\(variable) is set, as MPICH's and "
                + "Intel MPI's Hydra set it); the data-parallel mode needs Open MPI: run it with Open MPI's mpirun."
        }
    }
}
