import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One HTTP(S) GET of one file, streamed to a `.partial` file, resuming what is already there.
///
/// Protocol (RFC 9110): when the partial file holds `N > 0` bytes the request carries
/// `Range: bytes=N-`. The answer decides what happens to the file:
///
/// | status | meaning | file |
/// |---|---|---|
/// | 206 Partial Content, `Content-Range: bytes N-…/total` | the rest of the file | appended at `N` |
/// | 206 with another start | unusable | emptied; the transfer reports `.restart` |
/// | 200 OK | the server ignored the range and sends the whole file | truncated to 0, rewritten |
/// | 416 Range Not Satisfiable | `N` is at or past the end: the file may be complete | left as it is |
/// | anything else | | left as it is; `.httpStatus` |
///
/// The request asks for `Accept-Encoding: identity` so that no server compresses (and
/// URLSession then silently decompresses) the already-gzipped files. Bytes are written as they
/// arrive (never held whole in memory), and the file is `fsync`ed when the transfer ends.
///
/// Time-outs: URLSession's own request time-out restarts whenever data arrives; on top of it a
/// watchdog cancels the task when nothing has arrived for `timeout` seconds, so a transfer can
/// never wait forever whatever the server does.
struct HTTPFileTransfer: Sendable {
    /// How a transfer ended.
    enum Outcome: Sendable, Equatable {
        /// The response body was received completely: the partial file now holds
        /// `resumedFrom + received` bytes. `total` is the full size the server announced, if any.
        case complete(resumedFrom: Int64, received: Int64, total: Int64?)
        /// 416: the partial file already reaches the end (or past it); check it as it is.
        case rangeNotSatisfiable
        /// The server answered a range that does not start where the partial file ends; the
        /// partial file has been emptied and the next attempt starts from zero.
        case restart(reason: String)
        /// A status other than 200, 206 or 416.
        case httpStatus(Int)
        /// The body grew past `limit` bytes; the partial file is left for the caller to delete.
        case tooLarge(limit: Int64)
        /// Connection refused, host not found, time-out, connection lost... `received` bytes
        /// of this response were written before the failure.
        case networkFailure(reason: String, received: Int64)
        /// Writing the partial file failed.
        case fileSystem(path: String, reason: String)
    }

    /// Seconds without any data before the transfer is abandoned.
    var timeout: TimeInterval

    /// Fetches `url` into `partialPath`. `limit` is the most bytes the complete file may have;
    /// `progress` receives (bytes in the partial file, total size if known) as data arrives.
    /// Blocks the calling thread until the transfer ends (URLSession works on its own queue).
    func run(
        url: URL, partialPath: String, limit: Int64?,
        progress: @escaping @Sendable (Int64, Int64?) -> Void
    ) -> Outcome {
        let resumeFrom = CacheFiles.size(atPath: partialPath) ?? 0
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "GET"
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        request.setValue("swift-lora-datasets", forHTTPHeaderField: "User-Agent")
        if resumeFrom > 0 { request.setValue("bytes=\(resumeFrom)-", forHTTPHeaderField: "Range") }

        let delegate = TransferDelegate(partialPath: partialPath, resumeFrom: resumeFrom, limit: limit, progress: progress)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
        let task = session.dataTask(with: request)
        delegate.markActivity()
        task.resume()

        // The watchdog: wake up every 100 ms, cancel once nothing has arrived for `timeout`
        // seconds, and stop waiting altogether a few seconds after cancelling.
        var cancelledAt: Date?
        while delegate.done.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
            if let cancelledAt {
                if Date().timeIntervalSince(cancelledAt) > 5 {
                    delegate.abandon()
                    break
                }
            } else if delegate.secondsSinceActivity() > timeout {
                delegate.setOutcomeIfUnset(.networkFailure(
                    reason: "no data arrived for \(formatSeconds(timeout)) (timed out)", received: delegate.received))
                task.cancel()
                cancelledAt = Date()
            }
        }
        session.invalidateAndCancel()
        return delegate.finish()
    }
}

/// Receives the response for `HTTPFileTransfer`, on URLSession's delegate queue.
private final class TransferDelegate: NSObject, URLSessionDataDelegate, Sendable {
    private struct State {
        var fd: Int32 = -1
        var resumedFrom: Int64 = 0
        var received: Int64 = 0
        var total: Int64?
        var expectedBody: Int64?
        var outcome: HTTPFileTransfer.Outcome?
        var lastActivity = Date()
        var finished = false
    }

    let partialPath: String
    let resumeFrom: Int64
    let limit: Int64?
    let progress: @Sendable (Int64, Int64?) -> Void
    /// Signalled once the task has completed (or been abandoned).
    let done = DispatchSemaphore(value: 0)
    private let state = LockedState(State())

    init(partialPath: String, resumeFrom: Int64, limit: Int64?, progress: @escaping @Sendable (Int64, Int64?) -> Void) {
        self.partialPath = partialPath
        self.resumeFrom = resumeFrom
        self.limit = limit
        self.progress = progress
    }

    var received: Int64 { state.withLock { $0.received } }

    func markActivity() { state.withLock { $0.lastActivity = Date() } }

    func secondsSinceActivity() -> TimeInterval { state.withLock { Date().timeIntervalSince($0.lastActivity) } }

    func setOutcomeIfUnset(_ outcome: HTTPFileTransfer.Outcome) {
        state.withLock { if $0.outcome == nil { $0.outcome = outcome } }
    }

    /// Gives up on a task that did not report completion after being cancelled.
    func abandon() {
        state.withLock { s in
            if s.outcome == nil { s.outcome = .networkFailure(reason: "the transfer did not stop after being cancelled", received: s.received) }
            s.finished = true
        }
    }

    /// Closes the file (after syncing it) and returns the outcome.
    func finish() -> HTTPFileTransfer.Outcome {
        state.withLock { s in
            s.finished = true
            if s.fd >= 0 {
                if fsync(s.fd) != 0 && s.outcome == nil {
                    s.outcome = .fileSystem(path: partialPath, reason: "fsync failed (\(CacheFiles.systemMessage(errno)))")
                }
                close(s.fd)
                s.fd = -1
            }
            return s.outcome ?? .networkFailure(reason: "the transfer ended without a response", received: s.received)
        }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        let disposition: URLSession.ResponseDisposition = state.withLock { s in
            s.lastActivity = Date()
            guard !s.finished else { return .cancel }
            guard let http = response as? HTTPURLResponse else {
                s.outcome = .networkFailure(reason: "the answer was not an HTTP response", received: 0)
                return .cancel
            }
            var keep: Int64
            switch http.statusCode {
            case 200:
                keep = 0
                s.total = http.expectedContentLength >= 0 ? http.expectedContentLength : nil
                s.expectedBody = s.total
            case 206 where resumeFrom > 0:
                let header = http.value(forHTTPHeaderField: "Content-Range") ?? ""
                guard let range = ContentRange(header), range.first == resumeFrom else {
                    truncateOrRemove(partialPath)
                    s.outcome = .restart(reason: "the server answered the range request with '\(header)' instead of bytes starting at \(resumeFrom)")
                    return .cancel
                }
                keep = resumeFrom
                s.total = range.total
                s.expectedBody = range.last.map { $0 - range.first + 1 }
            case 416 where resumeFrom > 0:
                s.outcome = .rangeNotSatisfiable
                return .cancel
            default:
                s.outcome = .httpStatus(http.statusCode)
                return .cancel
            }
            if let limit, let total = s.total, total > limit {
                s.outcome = .tooLarge(limit: limit)
                return .cancel
            }
            let fd = open(partialPath, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                s.outcome = .fileSystem(path: partialPath, reason: "it could not be opened for writing (\(CacheFiles.systemMessage(errno)))")
                return .cancel
            }
            guard ftruncate(fd, off_t(keep)) == 0, lseek(fd, off_t(keep), SEEK_SET) == off_t(keep) else {
                s.outcome = .fileSystem(path: partialPath, reason: "it could not be truncated to \(keep) bytes (\(CacheFiles.systemMessage(errno)))")
                close(fd)
                return .cancel
            }
            s.fd = fd
            s.resumedFrom = keep
            return .allow
        }
        completionHandler(disposition)
        if disposition == .allow {
            let (bytes, total) = state.withLock { ($0.resumedFrom, $0.total) }
            progress(bytes, total)
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        // What to do once the lock is released: report progress, or cancel the task.
        enum Next { case report(bytes: Int64, total: Int64?), cancel }
        let next: Next = state.withLock { s in
            s.lastActivity = Date()
            guard !s.finished, s.outcome == nil, s.fd >= 0 else { return .cancel }
            let newSize = s.resumedFrom + s.received + Int64(data.count)
            if let limit, newSize > limit {
                s.outcome = .tooLarge(limit: limit)
                return .cancel
            }
            let failure: Int32 = data.withUnsafeBytes { buffer in
                guard let base = buffer.baseAddress else { return 0 }
                var written = 0
                while written < buffer.count {
                    let n = write(s.fd, base + written, buffer.count - written)
                    if n > 0 { written += n } else if n < 0 && errno == EINTR { continue } else { return n < 0 ? errno : EIO }
                }
                return 0
            }
            if failure != 0 {
                s.outcome = .fileSystem(path: partialPath, reason: "writing failed (\(CacheFiles.systemMessage(failure)))")
                return .cancel
            }
            s.received += Int64(data.count)
            return .report(bytes: newSize, total: s.total)
        }
        switch next {
        case .report(let bytes, let total): progress(bytes, total)
        case .cancel: dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        state.withLock { s in
            if s.outcome == nil {
                if let error {
                    s.outcome = .networkFailure(reason: describe(error), received: s.received)
                } else if s.fd < 0 {
                    s.outcome = .networkFailure(reason: "the server sent no response body", received: 0)
                } else if let expected = s.expectedBody, s.received < expected {
                    s.outcome = .networkFailure(
                        reason: "the connection closed after \(s.received) of \(expected) bytes", received: s.received)
                } else {
                    s.outcome = .complete(resumedFrom: s.resumedFrom, received: s.received, total: s.total)
                }
            }
        }
        done.signal()
    }
}

/// A value guarded by an `NSLock` (a pthread mutex, which ThreadSanitizer understands).
///
/// Not `Synchronization.Mutex`: on Linux a contended `Mutex` hands the lock over inside the
/// kernel (PI futex, in the uninstrumented libswiftSynchronization), which TSan cannot see, so
/// a contended `withLock` (the watchdog against the delegate queue) is reported as a race.
private final class LockedState<Value>: @unchecked Sendable {
    // @unchecked: `value` is only touched while `lock` is held.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// A parsed `Content-Range: bytes first-last/total` header (`last` and `total` may be `*`).
private struct ContentRange {
    let first: Int64
    let last: Int64?
    let total: Int64?

    init?(_ header: String) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes ") else { return nil }
        let spec = trimmed.dropFirst(6).trimmingCharacters(in: .whitespaces)
        let parts = spec.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let bounds = parts[0].split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard bounds.count == 2, let first = Int64(bounds[0]), first >= 0 else { return nil }
        self.first = first
        self.last = Int64(bounds[1])
        self.total = parts[1] == "*" ? nil : Int64(parts[1])
        if let last, last < first { return nil }
    }
}

/// Empties the file at `path` if it exists.
private func truncateOrRemove(_ path: String) {
    if truncate(path, 0) != 0 { unlink(path) }
}

/// A plain-language reason for a transport error.
private func describe(_ error: Error) -> String {
    guard let urlError = error as? URLError else { return error.localizedDescription }
    switch urlError.code {
    case .cannotConnectToHost: return "the connection was refused (nothing is listening at that address, or a firewall rejects it)"
    case .cannotFindHost, .dnsLookupFailed: return "the host name could not be resolved (DNS lookup failed)"
    case .timedOut: return "the server did not answer in time (timed out)"
    case .networkConnectionLost: return "the connection was lost during the transfer"
    case .notConnectedToInternet: return "this machine is not connected to a network"
    case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
         .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected:
        return "the secure (TLS) connection failed: \(urlError.localizedDescription)"
    case .cancelled: return "the transfer was cancelled"
    default:
        // libcurl's own message, such as "transfer closed with 650259 bytes remaining to read".
        return urlError.code == .unknown
            ? urlError.localizedDescription
            : "\(urlError.localizedDescription) (URL error \(urlError.code.rawValue))"
    }
}

private func formatSeconds(_ seconds: TimeInterval) -> String {
    seconds == seconds.rounded() ? "\(Int(seconds)) seconds" : "\(seconds) seconds"
}
