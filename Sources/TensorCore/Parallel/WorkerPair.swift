import CKernels
import Foundation

/// Splits a job in two halves run at the same time: part 0 on the calling thread, part 1
/// on a persistent worker thread that spins briefly between jobs (`ck_run_pair`), so a
/// split pays off for work of a few microseconds, where waking a sleeping thread (tens of
/// microseconds) would not.
public enum WorkerPair {
    /// Whether the process may run on more than one core (read once: asking the system
    /// costs more than a small product).
    public static let hasSeveralCores = ProcessInfo.processInfo.activeProcessorCount > 1

    /// Calls `body(0)` and `body(1)`, on two threads when the machine has several cores
    /// and the worker is free, else one after the other on the caller. Returns when both
    /// are done. The two calls must touch disjoint memory for writing.
    public static func run(_ body: (_ part: Int) -> Void) {
        guard hasSeveralCores else {
            body(0)
            body(1)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            var job = escapable
            withUnsafeMutablePointer(to: &job) { pointer in
                ck_run_pair({ context, part in
                    guard let job = context?.assumingMemoryBound(to: ((Int) -> Void).self).pointee else { return }
                    job(part)
                }, pointer)
            }
        }
    }

    /// Calls `body` with the two halves of `0..<count`, split at a multiple of `alignment`,
    /// on two threads when `count >= minimumCount`; else once with the whole range.
    public static func splitting(_ count: Int, minimumCount: Int, alignment: Int = 16, _ body: (_ range: Range<Int>) -> Void) {
        guard hasSeveralCores, count >= max(minimumCount, 2 * alignment) else {
            body(0..<count)
            return
        }
        let middle = (count / 2 + alignment - 1) / alignment * alignment
        run { part in body(part == 0 ? 0..<middle : middle..<count) }
    }
}
