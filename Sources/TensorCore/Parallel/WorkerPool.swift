import CKernels

/// Runs the parts of a job at the same time on a pool of persistent threads: the calling
/// thread and ``threadCount`` − 1 workers (`ck_pool_run`).
///
/// A job is `parts` calls `body(part)`, `part` in `0..<parts`; each runs exactly once, on
/// whichever thread claims it first, and the call returns when all have returned. What a
/// part computes must depend only on its index, never on the thread or on ``threadCount``
/// beyond the number of parts: callers split their work at fixed, tile-aligned points
/// (``range(ofPart:parts:count:alignment:)``) and every output element is then the same sum
/// in the same order for every thread count, so results are bit-identical.
///
/// Between jobs each worker spins for at most ``spinWaitMicroseconds`` (a job posted
/// during a training step reaches it in well under a microsecond), then sleeps. Workers
/// never spin when ``threadCount`` exceeds ``availableCores``, so an oversubscribed pool
/// does not take cores from threads with work. Only one job runs at a time: a call made
/// from inside a part (nested), or while another thread's job runs, runs its parts on the
/// calling thread in order. In the child of a `fork()` every job runs on the caller.
public enum WorkerPool {
    /// The cores this process may run on: the size of its CPU affinity mask
    /// (`sched_getaffinity`; `taskset -c 0-3` gives 4), read once.
    public static var availableCores: Int { ck_available_cores() }

    /// How many threads a job is split across, the caller included: ``availableCores``
    /// unless set with ``setThreadCount(_:)``.
    public static var threadCount: Int { ck_pool_thread_count() }

    /// Sets ``threadCount``; takes effect from the next job (between runs or before the
    /// first). Results do not depend on it.
    ///
    /// - Throws: ``WorkerPoolError/invalidThreadCount(_:)`` when `count` is below 1 or above
    ///   ``maximumThreadCount``.
    public static func setThreadCount(_ count: Int) throws(WorkerPoolError) {
        guard (1...maximumThreadCount).contains(count) else { throw .invalidThreadCount(count) }
        ck_pool_set_thread_count(count)
    }

    /// The largest accepted ``threadCount``.
    public static let maximumThreadCount = Int(CK_POOL_MAXIMUM_THREADS)

    /// How long an idle worker keeps spinning after its last job before it sleeps, in
    /// microseconds (default 1,000). 0 makes workers sleep at once: a job then waits for a
    /// wake-up (tens of microseconds), which suits several processes sharing the cores.
    public static var spinWaitMicroseconds: Int { Int(ck_pool_spin_nanoseconds() / 1_000) }

    /// Sets ``spinWaitMicroseconds``.
    ///
    /// - Throws: ``WorkerPoolError/invalidSpinWait(_:)`` when `microseconds` is negative or
    ///   above ``maximumSpinWaitMicroseconds``.
    public static func setSpinWait(microseconds: Int) throws(WorkerPoolError) {
        guard (0...maximumSpinWaitMicroseconds).contains(microseconds) else { throw .invalidSpinWait(microseconds) }
        ck_pool_set_spin_nanoseconds(Int64(microseconds) * 1_000)
    }

    /// The largest accepted ``spinWaitMicroseconds`` (one second).
    public static let maximumSpinWaitMicroseconds = 1_000_000

    /// Whether idle workers spin now (a positive spin wait and no more threads than cores).
    public static var workersSpin: Bool { ck_pool_workers_spin() }

    /// Calls `body(part)` for every `part` in `0..<parts`, at the same time on up to
    /// ``threadCount`` threads, and returns when all calls have returned. The calls must
    /// write disjoint memory. With one part, one thread, or from inside another job, the
    /// parts run on the calling thread in order.
    public static func run(parts: Int, _ body: (_ part: Int) -> Void) {
        guard parts > 1 else {
            if parts == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            var job = escapable
            withUnsafeMutablePointer(to: &job) { pointer in
                ck_pool_run({ context, part in
                    guard let job = context?.assumingMemoryBound(to: ((Int) -> Void).self).pointee else { return }
                    job(part)
                }, pointer, parts)
            }
        }
    }

    /// How many parts work of size `work` is split into: 1 below `minimumWork`, else as
    /// many as `threads` allows with at least `minimumWork / 2` per part and at most
    /// `units` parts (the indivisible pieces: tiles, rows, batches). Pass `Int.max` as
    /// `work` when its computation overflowed.
    public static func partCount(work: Int, minimumWork: Int, units: Int, threads: Int = threadCount) -> Int {
        guard threads > 1, units > 1, work >= minimumWork else { return 1 }
        return max(1, min(threads, units, work / max(1, minimumWork / 2)))
    }

    /// Part `part` of `0..<count` cut into `parts` ranges whose bounds are multiples of
    /// `alignment` (except the end, `count`): the pieces of `alignment` elements are shared
    /// out evenly, earlier parts getting the smaller share. The ranges cover `0..<count` in
    /// order; some are empty when there are fewer pieces than parts.
    public static func range(ofPart part: Int, parts: Int, count: Int, alignment: Int = 1) -> Range<Int> {
        precondition(parts > 0 && (0..<parts).contains(part) && count >= 0 && alignment > 0, "invalid split")
        let pieces = (count + alignment - 1) / alignment
        let lower = min(count, (pieces * part / parts) * alignment)
        let upper = min(count, (pieces * (part + 1) / parts) * alignment)
        return lower..<upper
    }

    /// Calls `body` with consecutive ranges covering `0..<count`, split at multiples of
    /// `alignment` into ``partCount(work:minimumWork:units:threads:)`` parts (ranges of at
    /// least `minimumCount / 2` elements, one range below `minimumCount`), run at the same
    /// time on the pool's threads.
    public static func splitting(_ count: Int, minimumCount: Int, alignment: Int = 16, _ body: (_ range: Range<Int>) -> Void) {
        let parts = partCount(work: count, minimumWork: minimumCount, units: (count + alignment - 1) / alignment)
        guard parts > 1 else {
            body(0..<count)
            return
        }
        run(parts: parts) { part in body(range(ofPart: part, parts: parts, count: count, alignment: alignment)) }
    }
}
