import TensorCore

/// The worker pool's overhead: `pool job N parts x 5 us` is one `WorkerPool.run` whose N
/// parts each spin for 5 µs (best of batches). On N free cores with hot workers it takes
/// 5 µs plus the round trip (post, claim, wait); run one after another, N x 5 µs.
enum PoolBenchmark {
    static func run(reporter: BenchmarkReporter) {
        let clock = ContinuousClock()
        let partDuration = Duration.microseconds(5)
        for parts in Set([2, WorkerPool.threadCount]).sorted() {
            let seconds = BenchmarkTimer.bestSecondsPerCall {
                WorkerPool.run(parts: parts) { _ in
                    let start = clock.now
                    while clock.now - start < partDuration {}
                }
            }
            reporter.report(name: "pool job \(parts) parts x 5 us", seconds: seconds, gflops: nil)
        }
    }
}
