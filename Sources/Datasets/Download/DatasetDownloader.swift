import Foundation

/// Downloads the files of a `DatasetDescriptor` into a cache directory, checking each against
/// its SHA-256, resuming interrupted downloads, and never keeping a damaged file.
///
/// For each file `f` of the data set, in order:
///
/// 1. If `<cache>/f` exists and its SHA-256 is accepted, it is kept and nothing is fetched.
///    If it exists with another digest it is deleted (a damaged file is never kept).
/// 2. Otherwise it is fetched from `base + "/" + f` for each base URL in turn (the data set's
///    `baseURLs`, or only `mirror` when one is given) into `<cache>/f.partial`. A `.partial`
///    left by an earlier attempt is resumed with `Range: bytes=N-` (see `HTTPFileTransfer`); a
///    server that ignores the range sends the whole file, which replaces the partial one.
/// 3. A transfer that breaks off after receiving data is retried (resuming) up to
///    `attemptsPerURL` times; one that receives nothing moves on to the next base URL.
/// 4. The finished `.partial` is hashed. If the digest is accepted the file is `fsync`ed and
///    renamed to `f` (atomic), and the directory is synced. If not, the `.partial` is deleted;
///    when the download had resumed an old partial file it is retried once from zero, otherwise
///    the next base URL is tried.
///
/// When every base URL fails, the error thrown is the most telling one: a checksum mismatch or
/// oversized file first (the data is wrong), then a network failure (whose message says how to
/// get the files without a network), then an HTTP status.
///
/// The default cache directory is `$XDG_CACHE_HOME/swift-lora/datasets/<name>` when
/// `XDG_CACHE_HOME` is set to an absolute path, else `~/.cache/swift-lora/datasets/<name>`.
public struct DatasetDownloader: Sendable {
    /// What a fetch did.
    public struct Report: Sendable, Equatable {
        /// The directory that now holds every file of the data set.
        public let directory: String
        /// Files fetched over the network in this call, in order.
        public let downloaded: [String]
        /// Files that were already present with an accepted SHA-256.
        public let alreadyPresent: [String]
        /// Bytes received over the network in this call (resumed bytes not counted).
        public let bytesDownloaded: Int64
    }

    /// Seconds without any data arriving before a request is abandoned (default 30).
    public var requestTimeout: TimeInterval
    /// How many times one base URL is tried for one file while each try makes progress
    /// (default 3; at least 1).
    public var attemptsPerURL: Int
    /// Receives progress events; called on background threads.
    public var onEvent: (@Sendable (DownloadEvent) -> Void)?

    public init(
        requestTimeout: TimeInterval = 30, attemptsPerURL: Int = 3,
        onEvent: (@Sendable (DownloadEvent) -> Void)? = nil
    ) {
        self.requestTimeout = requestTimeout
        self.attemptsPerURL = attemptsPerURL
        self.onEvent = onEvent
    }

    /// The directory under which each data set has its cache directory:
    /// `$XDG_CACHE_HOME/swift-lora/datasets` if `XDG_CACHE_HOME` is an absolute path (the XDG
    /// base-directory rules ignore a relative one), else `$HOME/.cache/swift-lora/datasets`.
    public static func defaultCacheRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base: String
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            base = xdg
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            base = (home as NSString).appendingPathComponent(".cache")
        }
        return ((base as NSString).appendingPathComponent("swift-lora") as NSString).appendingPathComponent("datasets")
    }

    /// `defaultCacheRoot(environment:)/<name>`.
    public static func defaultCacheDirectory(
        for datasetName: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        (defaultCacheRoot(environment: environment) as NSString).appendingPathComponent(datasetName)
    }

    /// The URL of `fileName` under `base`: `base + "/" + fileName`, with any trailing `/` of
    /// `base` dropped first.
    public static func fileURL(base: URL, fileName: String) -> URL? {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return URL(string: text + "/" + fileName)
    }

    /// Fetches the data set called `name` in `catalog`; see `fetch(dataset:into:mirror:)`.
    public func fetch(
        datasetNamed name: String, catalog: DatasetCatalog = .standard,
        into cacheDirectory: String? = nil, mirror: URL? = nil
    ) throws(DatasetDownloadError) -> Report {
        try fetch(dataset: catalog.dataset(named: name), into: cacheDirectory, mirror: mirror)
    }

    /// Makes every file of `dataset` present and verified in `cacheDirectory` (default:
    /// `defaultCacheDirectory(for: dataset.name)`), downloading what is missing. Blocks the
    /// calling thread until done (call it from a command-line tool or a background thread).
    ///
    /// A bundled data set (the MNIST sample) is not downloaded unless `mirror` is given: its
    /// shipped files are checked and their directory returned.
    ///
    /// - Parameter mirror: replaces the data set's base URLs; files are fetched as
    ///   `mirror + "/" + file name`.
    /// - Throws: `DatasetDownloadError` (see the type's cases); never leaves a file whose
    ///   SHA-256 is wrong in the cache.
    public func fetch(
        dataset: DatasetDescriptor, into cacheDirectory: String? = nil, mirror: URL? = nil
    ) throws(DatasetDownloadError) -> Report {
        if dataset.isBundled && mirror == nil {
            return try verifyBundled(dataset)
        }
        let bases = mirror.map { [$0] } ?? dataset.baseURLs
        guard !bases.isEmpty else { throw .noDownloadLocation(dataset: dataset.name) }
        for base in bases {
            let scheme = base.scheme?.lowercased()
            guard scheme == "http" || scheme == "https", base.host != nil else {
                throw .unsupportedURL(url: base.absoluteString)
            }
        }
        let directory = cacheDirectory ?? Self.defaultCacheDirectory(for: dataset.name)
        try CacheFiles.createDirectory(directory)

        var downloaded: [String] = []
        var present: [String] = []
        var bytes: Int64 = 0
        for file in dataset.files {
            let path = (directory as NSString).appendingPathComponent(file.name)
            if CacheFiles.size(atPath: path) != nil {
                if file.accepts(sha256: try CacheFiles.sha256(ofFileAtPath: path)) {
                    present.append(file.name)
                    onEvent?(.alreadyPresent(file: file.name))
                    continue
                }
                try CacheFiles.remove(path)
            }
            bytes += try download(file, of: dataset, to: path, directory: directory, from: bases)
            downloaded.append(file.name)
        }
        return Report(directory: directory, downloaded: downloaded, alreadyPresent: present, bytesDownloaded: bytes)
    }

    /// Downloads one file to `path` (through `path.partial`); returns the bytes received.
    private func download(
        _ file: DatasetFile, of dataset: DatasetDescriptor, to path: String, directory: String, from bases: [URL]
    ) throws(DatasetDownloadError) -> Int64 {
        let partial = path + ".partial"
        let transfer = HTTPFileTransfer(timeout: requestTimeout)
        var failures: [DatasetDownloadError] = []
        var received: Int64 = 0
        var restartedFromZero = false

        // A partial file as long as the whole file needs no request: check it as it is.
        if let size = CacheFiles.size(atPath: partial), let full = file.byteCount, size >= full {
            if size == full, file.accepts(sha256: try CacheFiles.sha256(ofFileAtPath: partial)) {
                try CacheFiles.moveIntoPlace(partial, path)
                onEvent?(.finished(file: file.name, bytes: size))
                return 0
            }
            try CacheFiles.remove(partial)
        }

        for base in bases {
            guard let url = Self.fileURL(base: base, fileName: file.name) else {
                failures.append(.unsupportedURL(url: base.absoluteString + "/" + file.name))
                continue
            }
            var attempt = 0
            while attempt < max(1, attemptsPerURL) {
                attempt += 1
                let resumingAt = CacheFiles.size(atPath: partial) ?? 0
                onEvent?(.started(file: file.name, url: url.absoluteString, resumingAt: resumingAt))
                let onEvent = self.onEvent
                let name = file.name
                let known = file.byteCount
                let outcome = transfer.run(url: url, partialPath: partial, limit: file.byteCount) { bytes, total in
                    onEvent?(.progress(file: name, bytes: bytes, total: total ?? known))
                }
                switch outcome {
                case .complete, .rangeNotSatisfiable:
                    var resumed = resumingAt
                    if case .complete(let from, let count, _) = outcome {
                        received += count
                        resumed = from
                    }
                    let size = CacheFiles.size(atPath: partial) ?? 0
                    if let full = file.byteCount, size < full {
                        let reason = "the server sent only \(size) of \(full) bytes"
                        if outcome == .rangeNotSatisfiable {
                            // The server's file is shorter than the partial one: start again.
                            try CacheFiles.remove(partial)
                        }
                        failures.append(networkFailure(dataset, file, url, reason, directory, partialBytes: CacheFiles.size(atPath: partial) ?? 0))
                        onEvent?(.retrying(file: file.name, url: url.absoluteString, reason: reason))
                        continue
                    }
                    let digest = try CacheFiles.sha256(ofFileAtPath: partial)
                    if file.accepts(sha256: digest) {
                        try CacheFiles.moveIntoPlace(partial, path)
                        onEvent?(.finished(file: file.name, bytes: size))
                        return received
                    }
                    try CacheFiles.remove(partial)
                    failures.append(.checksumMismatch(file: file.name, source: url.absoluteString, expected: file.sha256, actual: digest))
                    if resumed > 0 && !restartedFromZero {
                        // The old partial file may have been the damaged part: try once from zero.
                        restartedFromZero = true
                        onEvent?(.retrying(file: file.name, url: url.absoluteString, reason: "the resumed file's SHA-256 was wrong; starting again from zero"))
                        continue
                    }
                    attempt = Int.max  // this base URL serves a wrong file: try the next one
                case .restart(let reason):
                    try CacheFiles.remove(partial)
                    failures.append(networkFailure(dataset, file, url, reason, directory, partialBytes: 0))
                    onEvent?(.retrying(file: file.name, url: url.absoluteString, reason: reason))
                case .httpStatus(let status):
                    failures.append(.httpStatus(file: file.name, url: url.absoluteString, status: status))
                    attempt = Int.max
                case .tooLarge(let limit):
                    try CacheFiles.remove(partial)
                    failures.append(.tooLarge(file: file.name, url: url.absoluteString, limit: limit))
                    attempt = Int.max
                case .networkFailure(let reason, let got):
                    received += got
                    let kept = CacheFiles.size(atPath: partial) ?? 0
                    failures.append(networkFailure(dataset, file, url, reason, directory, partialBytes: kept))
                    if got > 0 && attempt < attemptsPerURL {
                        onEvent?(.retrying(file: file.name, url: url.absoluteString, reason: reason))
                    } else {
                        attempt = Int.max  // no progress: this base URL is unreachable
                    }
                case .fileSystem(let path, let reason):
                    throw .fileSystem(path: path, reason: reason)
                }
            }
        }
        throw mostTelling(failures) ?? .noDownloadLocation(dataset: dataset.name)
    }

    private func networkFailure(
        _ dataset: DatasetDescriptor, _ file: DatasetFile, _ url: URL, _ reason: String, _ directory: String,
        partialBytes: Int64
    ) -> DatasetDownloadError {
        .networkFailure(dataset: dataset.name, file: file.name, url: url.absoluteString, reason: reason,
                        cacheDirectory: directory, fileNames: dataset.files.map(\.name),
                        systemPackage: dataset.systemPackage, partialBytes: partialBytes)
    }

    /// Checks the shipped files of a bundled data set and returns their directory.
    private func verifyBundled(_ dataset: DatasetDescriptor) throws(DatasetDownloadError) -> Report {
        guard let directory = MNISTFormatDataset.mnistSampleDirectory else {
            throw .notAvailable(dataset: dataset.name, searched: ["the Datasets module's resources"],
                                cacheDirectory: Self.defaultCacheDirectory(for: dataset.name),
                                downloadable: false, systemPackage: nil)
        }
        for file in dataset.files {
            let path = (directory as NSString).appendingPathComponent(file.name)
            let digest = try CacheFiles.sha256(ofFileAtPath: path)
            guard file.accepts(sha256: digest) else {
                throw .checksumMismatch(file: file.name, source: path, expected: file.sha256, actual: digest)
            }
            onEvent?(.alreadyPresent(file: file.name))
        }
        return Report(directory: directory, downloaded: [], alreadyPresent: dataset.files.map(\.name), bytesDownloaded: 0)
    }
}

/// The error to report after every source failed: wrong data first, then network failures
/// (the last one, which names the partial bytes kept), then HTTP statuses, then anything else.
private func mostTelling(_ failures: [DatasetDownloadError]) -> DatasetDownloadError? {
    func rank(_ error: DatasetDownloadError) -> Int {
        switch error {
        case .checksumMismatch, .tooLarge: return 0
        case .networkFailure: return 1
        case .httpStatus: return 2
        default: return 3
        }
    }
    var best: DatasetDownloadError?
    for failure in failures where best.map({ rank(failure) <= rank($0) }) ?? true {
        best = failure
    }
    return best
}
