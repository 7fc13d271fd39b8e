import Datasets
import Foundation

/// Finds a data set: `--data DIR` when given, else `--dataset NAME` through
/// ``DataSourceResolver`` (the shipped sample, the system package, or the download cache),
/// and loads it with the catalog's number of classes.
enum DataSetLocator {
    static func load(directory: String?, name: String) throws -> MNISTFormatDataset {
        let resolution = try DataSourceResolver().resolve(dataset: name, explicitDirectory: directory)
        return try MNISTFormatDataset(directory: resolution.directory, classes: resolution.dataset?.classes ?? 10)
    }
}
