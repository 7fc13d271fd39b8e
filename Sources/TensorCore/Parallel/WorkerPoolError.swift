/// A setting of ``WorkerPool`` outside its range.
public enum WorkerPoolError: Error, Equatable, CustomStringConvertible {
    /// A thread count below 1 or above ``WorkerPool/maximumThreadCount``.
    case invalidThreadCount(Int)
    /// A spin wait below 0 or above ``WorkerPool/maximumSpinWaitMicroseconds``.
    case invalidSpinWait(Int)

    public var description: String {
        switch self {
        case .invalidThreadCount(let count):
            "The thread count must be between 1 and \(WorkerPool.maximumThreadCount), got \(count)."
        case .invalidSpinWait(let microseconds):
            "The spin wait must be between 0 and \(WorkerPool.maximumSpinWaitMicroseconds) microseconds, got \(microseconds)."
        }
    }
}
