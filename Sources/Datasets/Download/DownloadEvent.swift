/// What `DatasetDownloader` is doing, reported to its `onEvent` callback so that a command-line
/// tool can draw progress. Events for one file arrive in order; `progress` may arrive on a
/// background thread and often (once per network read).
public enum DownloadEvent: Sendable, Equatable {
    /// `file` was already in the cache with an accepted SHA-256; it is not downloaded.
    case alreadyPresent(file: String)
    /// A request for `file` starts. `resumingAt` is the number of bytes already in its
    /// `.partial` file (0 for a fresh download; the server may still send the whole file).
    case started(file: String, url: String, resumingAt: Int64)
    /// `bytes` of `file` are on disk; `total` is its full size when the server or the catalog
    /// says it.
    case progress(file: String, bytes: Int64, total: Int64?)
    /// The attempt failed for `reason` and the download of `file` is tried again, from `url`.
    case retrying(file: String, url: String, reason: String)
    /// `file` was downloaded, its SHA-256 checked, and it was moved into place.
    case finished(file: String, bytes: Int64)
}
