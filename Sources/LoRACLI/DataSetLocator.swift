import Datasets
import Foundation

/// Finds a data set by directory or by name.
enum DataSetLocator {
    /// The data in `directory` when given, else the named data set.
    static func load(directory: String?, name: String) throws -> MNISTFormatDataset {
        if let directory { return try MNISTFormatDataset(directory: directory) }
        switch name {
        case "mnist-sample":
            return try MNISTFormatDataset.mnistSample()
        case "fashion-mnist":
            return try MNISTFormatDataset(directory: "/usr/share/datasets/fashion-mnist")
        default:
            throw DataSetLocatorError.unknownDataSet(name)
        }
    }
}

enum DataSetLocatorError: Error, CustomStringConvertible {
    case unknownDataSet(String)

    var description: String {
        switch self {
        case let .unknownDataSet(name):
            return "Unknown data set '\(name)'. Known: mnist-sample, fashion-mnist, mnist; or pass --data DIR."
        }
    }
}
