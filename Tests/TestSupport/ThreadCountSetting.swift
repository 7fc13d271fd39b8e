import Foundation
import TensorCore

/// Runs test code with ``WorkerPool/threadCount`` set, one such test at a time across the
/// whole test process (the setting is process-wide), restoring the previous count after.
public enum ThreadCountSetting {
    private static let lock = NSLock()

    public static func with<Result>(_ threads: Int, _ body: () throws -> Result) throws -> Result {
        lock.lock()
        defer { lock.unlock() }
        let previous = WorkerPool.threadCount
        try WorkerPool.setThreadCount(threads)
        defer { try? WorkerPool.setThreadCount(previous) }
        return try body()
    }
}
