import Foundation

/// Everything that can go wrong finding or downloading a data set, with what to do about it.
///
/// `description` is a full sentence naming the data set, file, URL or directory concerned,
/// followed by a hint. The hints name the `lora` command-line options (`lora data fetch NAME`,
/// `--data DIR`, `--mirror URL`) because that is where these errors are shown.
public enum DatasetDownloadError: Error, CustomStringConvertible, Equatable, Sendable {
    /// No data set in the catalog has this name. `known` lists the names that exist.
    case unknownDataset(name: String, known: [String])
    /// A directory given explicitly (`--data DIR`) does not exist or is not a directory.
    case directoryNotFound(path: String)
    /// The data set is neither shipped, nor installed by a system package, nor in the cache.
    /// `searched` lists the directories looked in, in order.
    case notAvailable(dataset: String, searched: [String], cacheDirectory: String,
                      downloadable: Bool, systemPackage: String?)
    /// The data set has no download location and no mirror was given.
    case noDownloadLocation(dataset: String)
    /// A base URL or mirror is not an `http` or `https` URL.
    case unsupportedURL(url: String)
    /// The server could not be reached or the transfer broke off: connection refused, host
    /// name not found, no data within the time-out, connection lost. `partialBytes` bytes of
    /// `file` are kept in `<file>.partial` in the cache directory for the next attempt to resume.
    case networkFailure(dataset: String, file: String, url: String, reason: String,
                        cacheDirectory: String, fileNames: [String], systemPackage: String?,
                        partialBytes: Int64)
    /// The server answered with an HTTP status other than 200 (OK), 206 (Partial Content)
    /// or 416 (Range Not Satisfiable, when resuming).
    case httpStatus(file: String, url: String, status: Int)
    /// The file's SHA-256 is not the catalog's. The file has been deleted. `source` is the
    /// URL it came from, or the path of a shipped file.
    case checksumMismatch(file: String, source: String, expected: String, actual: String)
    /// The server sent more than the file's known size; the partial file has been deleted.
    case tooLarge(file: String, url: String, limit: Int64)
    /// Creating, reading, writing, syncing or renaming a file in the cache failed.
    case fileSystem(path: String, reason: String)

    public var description: String {
        switch self {
        case .unknownDataset(let name, let known):
            return "There is no data set named '\(name)'. Hint: the known data sets are \(englishList(known)); "
                + "for another data set in MNIST format, pass --data DIR with a directory that holds its four IDX files."
        case .directoryNotFound(let path):
            return "The data directory '\(path)' does not exist or is not a directory. "
                + "Hint: check the path given with --data; it must be a directory holding train-images-idx3-ubyte, "
                + "train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each raw or with '.gz')."
        case .notAvailable(let dataset, let searched, let cacheDirectory, let downloadable, let systemPackage):
            var ways: [String] = []
            if downloadable { ways.append("download it with `lora data fetch \(dataset)` (into '\(cacheDirectory)')") }
            if let systemPackage { ways.append("install it with `apt-get install \(systemPackage)`") }
            ways.append("pass --data DIR with a directory that holds its four files")
            return "The data set '\(dataset)' is not available on this machine: it is not in "
                + englishList(searched.map { "'\($0)'" }, conjunction: "or") + ". Hint: "
                + alternatives(ways) + "."
        case .noDownloadLocation(let dataset):
            return "The data set '\(dataset)' has no download location. "
                + "Hint: pass --mirror URL with a server that has its files under URL/<file name>, or pass --data DIR."
        case .unsupportedURL(let url):
            return "The URL '\(url)' is not an http or https URL, so nothing can be downloaded from it. "
                + "Hint: give --mirror a URL that starts with http:// or https://; files are fetched as URL/<file name>."
        case .networkFailure(let dataset, let file, let url, let reason, let cacheDirectory, let fileNames,
                             let systemPackage, let partialBytes):
            var ways: [String] = []
            if let systemPackage {
                ways.append("install the data set's package with `apt-get install \(systemPackage)` (it is then found automatically)")
            }
            ways.append("copy the files \(englishList(fileNames)) from another machine into '\(cacheDirectory)' (they are checked against their SHA-256 on the next fetch)")
            ways.append("pass --data DIR with a directory that holds them")
            ways.append("pass --mirror URL with a reachable server that has them under URL/<file name>")
            let resume = partialBytes > 0
                ? " The \(partialBytes) bytes received are kept in '\(cacheDirectory)/\(file).partial'; the next fetch resumes from there."
                : ""
            return "Could not download '\(file)' of the data set '\(dataset)' from '\(url)': \(reason).\(resume) "
                + "Hint: check the network connection and run the fetch again. Without network access: "
                + alternatives(ways) + "."
        case .httpStatus(let file, let url, let status):
            return "The server answered HTTP \(status) (\(statusText(status))) instead of sending '\(file)' from '\(url)'. "
                + "Hint: the file is not at that address; if the URL comes from --mirror, check it: files are fetched as URL/<file name>."
        case .checksumMismatch(let file, let source, let expected, let actual):
            return "The file '\(file)' from '\(source)' has SHA-256 \(actual), but \(expected) was expected, so it was deleted. "
                + "Hint: the server or mirror sent a different or damaged file; fetch again, or use another source with --mirror URL or --data DIR."
        case .tooLarge(let file, let url, let limit):
            return "The server at '\(url)' sent more than the \(limit) bytes that '\(file)' has, so the download was stopped and deleted. "
                + "Hint: that server holds a different file under this name; use another source with --mirror URL or --data DIR."
        case .fileSystem(let path, let reason):
            return "Could not create, read or write '\(path)': \(reason). "
                + "Hint: check that the cache directory is writable and the disk has space; set XDG_CACHE_HOME to put the cache elsewhere."
        }
    }
}

/// "a", "a or b", "a, b or c".
func englishList(_ items: [String], conjunction: String) -> String {
    switch items.count {
    case 0: return ""
    case 1: return items[0]
    default: return items.dropLast().joined(separator: ", ") + " \(conjunction) " + (items.last ?? "")
    }
}

/// Long alternatives: "a", "a; or b", "a; b; or c".
private func alternatives(_ items: [String]) -> String {
    items.count < 2 ? (items.first ?? "") : items.dropLast().joined(separator: "; ") + "; or " + (items.last ?? "")
}

private func statusText(_ status: Int) -> String {
    switch status {
    case 400: return "Bad Request"
    case 401: return "Unauthorized"
    case 403: return "Forbidden"
    case 404: return "Not Found"
    case 410: return "Gone"
    case 429: return "Too Many Requests"
    case 500: return "Internal Server Error"
    case 502: return "Bad Gateway"
    case 503: return "Service Unavailable"
    case 504: return "Gateway Timeout"
    default:
        switch status {
        case 300..<400: return "a redirection that was not followed"
        case 400..<500: return "a client error"
        case 500..<600: return "a server error"
        default: return "unexpected"
        }
    }
}
