/// Times a closure: warms up, then reports the best per-call time over several
/// repetitions, each a batch of calls long enough to time reliably. Short batches and a
/// best-of rule keep the result close to the undisturbed speed on a busy machine.
enum BenchmarkTimer {
    /// - Parameters:
    ///   - repetitions: batches timed after the warm-up (fewer once `timeBudget` seconds
    ///     have passed, but at least `minimumRepetitions`).
    ///   - minimumBatchSeconds: each batch repeats `body` until it lasts at least this long.
    static func bestSecondsPerCall(
        repetitions: Int = 40, minimumRepetitions: Int = 3, timeBudget: Double = 2,
        minimumBatchSeconds: Double = 0.003, _ body: () -> Void
    ) -> Double {
        let clock = ContinuousClock()
        // Warm up and size the batch.
        var batch = 1
        while seconds(clock.measure { for _ in 0..<batch { body() } }) < minimumBatchSeconds {
            batch *= 2
        }
        let start = clock.now
        var best = Double.infinity
        for repetition in 0..<repetitions {
            if repetition >= minimumRepetitions && seconds(clock.now - start) > timeBudget { break }
            let elapsed = seconds(clock.measure { for _ in 0..<batch { body() } })
            best = min(best, elapsed / Double(batch))
        }
        return best
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (wholeSeconds, attoseconds) = duration.components
        return Double(wholeSeconds) + Double(attoseconds) * 1e-18
    }
}
