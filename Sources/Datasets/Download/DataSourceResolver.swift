import Foundation

/// Finds the directory that holds a data set, without downloading anything.
///
/// Order of precedence:
///
/// 1. an explicit directory (`--data DIR`), whatever the name;
/// 2. a bundled data set (`mnist-sample`): the module's shipped resource;
/// 3. each of the data set's `systemDirectories` that holds all its files
///    (`fashion-mnist`: `/usr/share/datasets/fashion-mnist`, from `apt-get install dataset-fashion-mnist`);
/// 4. the data set's cache directory (`<cacheRoot>/<name>`), once `DatasetDownloader` has
///    fetched all its files there;
///
/// and otherwise an error that says how to get it. A directory "holds" a file `f.gz` when
/// it has `f.gz` or the decompressed `f` (as `MNISTFormatDataset` accepts either); the cache
/// must hold the exact downloaded names, and `.partial` files do not count. Checksums are not
/// verified here (that is the downloader's job, and hashing 30 MB on every run would be slow).
public struct DataSourceResolver: Sendable {
    /// Where a resolved directory came from.
    public enum Origin: Sendable, Equatable {
        case explicitDirectory
        case bundledResource
        case systemPackage
        case cache
    }

    /// A resolved data set directory.
    public struct Resolution: Sendable, Equatable {
        /// The directory to load with `MNISTFormatDataset(directory:classes:)`.
        public let directory: String
        /// How it was found.
        public let origin: Origin
        /// The catalog entry, when the name is known (nil for an explicit directory with an
        /// unknown name).
        public let dataset: DatasetDescriptor?
    }

    /// The known data sets.
    public var catalog: DatasetCatalog
    /// The directory holding one cache directory per data set.
    public var cacheRoot: String

    /// - Parameter cacheRoot: default `DatasetDownloader.defaultCacheRoot()`.
    public init(catalog: DatasetCatalog = .standard, cacheRoot: String? = nil) {
        self.catalog = catalog
        self.cacheRoot = cacheRoot ?? DatasetDownloader.defaultCacheRoot()
    }

    /// The cache directory of the data set called `name`.
    public func cacheDirectory(for name: String) -> String {
        (cacheRoot as NSString).appendingPathComponent(name)
    }

    /// The directory of the data set called `name` (see the type's documentation for the order).
    ///
    /// - Parameter explicitDirectory: a directory named by the user; it wins when given.
    /// - Throws: `DatasetDownloadError.directoryNotFound` for an explicit directory that does not
    ///   exist, `.unknownDataset` (listing the known names), or `.notAvailable` (saying how to
    ///   get the data).
    public func resolve(dataset name: String, explicitDirectory: String? = nil) throws(DatasetDownloadError) -> Resolution {
        if let explicitDirectory {
            guard CacheFiles.isDirectory(explicitDirectory) else { throw .directoryNotFound(path: explicitDirectory) }
            return Resolution(directory: explicitDirectory, origin: .explicitDirectory,
                              dataset: catalog.datasets.first { $0.name == name })
        }
        let dataset = try catalog.dataset(named: name)
        var searched: [String] = []
        if dataset.isBundled {
            if let directory = MNISTFormatDataset.mnistSampleDirectory, Self.holdsAll(dataset, in: directory, exactNames: false) {
                return Resolution(directory: directory, origin: .bundledResource, dataset: dataset)
            }
            searched.append("the Datasets module's resources")
        }
        for directory in dataset.systemDirectories {
            if Self.holdsAll(dataset, in: directory, exactNames: false) {
                return Resolution(directory: directory, origin: .systemPackage, dataset: dataset)
            }
            searched.append(directory)
        }
        let cache = cacheDirectory(for: name)
        if !dataset.isBundled {
            if Self.holdsAll(dataset, in: cache, exactNames: true) {
                return Resolution(directory: cache, origin: .cache, dataset: dataset)
            }
            searched.append(cache)
        }
        throw .notAvailable(dataset: name, searched: searched, cacheDirectory: cache,
                            downloadable: !dataset.baseURLs.isEmpty, systemPackage: dataset.systemPackage)
    }

    /// Whether `directory` holds every file of `dataset` (or, unless `exactNames`, its
    /// decompressed form without `.gz`).
    static func holdsAll(_ dataset: DatasetDescriptor, in directory: String, exactNames: Bool) -> Bool {
        let base = URL(fileURLWithPath: directory, isDirectory: true)
        return dataset.files.allSatisfy { file in
            var candidates = [file.name]
            if !exactNames && file.name.hasSuffix(".gz") { candidates.append(String(file.name.dropLast(3))) }
            return candidates.contains { DataFile.exists(atPath: base.appendingPathComponent($0).path) }
        }
    }
}
