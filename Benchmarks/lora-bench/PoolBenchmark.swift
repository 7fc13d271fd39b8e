import TensorCore

/// The worker pool's overhead: `pool round trip N parts` is one `WorkerPool.run` of N
/// empty parts on the current thread count (post, claim, wait), best of batches.
enum PoolBenchmark {
    static func run(reporter: BenchmarkReporter) {
        for parts in Set([2, WorkerPool.threadCount]).sorted() {
            let seconds = BenchmarkTimer.bestSecondsPerCall { WorkerPool.run(parts: parts) { _ in } }
            reporter.report(name: "pool round trip \(parts) parts", seconds: seconds, gflops: nil)
        }
    }
}
