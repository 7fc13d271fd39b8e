import TensorCore

/// GEMM throughput (GFLOP/s = 2·m·n·k / seconds / 10⁹) on every product of the reference
/// MLP's training step (three layers, batch 64: forward `X·Wᵀ`, input gradient `dY·W`,
/// weight gradient `dYᵀ·X`) and on a square 1024 problem:
///
/// - `gemm <product> <m>x<n>x<k> <kernel>`: ours on one thread, every kernel this CPU runs;
/// - `... <kernel> N threads`: ours as the library calls it (split over the pool's N
///   threads, `--threads`, when large enough);
/// - `... openblas 1 thread` / `N threads`, and `... ours/openblas` ratios of GFLOP/s, when
///   OpenBLAS is installed (loaded at run time, see ``OpenBLASReference``).
enum GEMMBenchmark {
    struct Case {
        /// Short ASCII name of the product.
        let label: String
        let m: Int, n: Int, k: Int
        let transposeA: Bool, transposeB: Bool

        var name: String { "gemm \(label) \(m)x\(n)x\(k)" }
        var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    }

    /// The three products of a Linear layer `in -> out` at batch 64.
    static func layerCases(inFeatures: Int, outFeatures: Int) -> [Case] {
        [
            // Forward: Y = X · Wᵀ with X [64, in], W [out, in].
            Case(label: "XWt", m: 64, n: outFeatures, k: inFeatures, transposeA: false, transposeB: true),
            // Input gradient: dX = dY · W with dY [64, out].
            Case(label: "dYW", m: 64, n: inFeatures, k: outFeatures, transposeA: false, transposeB: false),
            // Weight gradient: dW = dYᵀ · X.
            Case(label: "dYtX", m: outFeatures, n: inFeatures, k: 64, transposeA: true, transposeB: false),
        ]
    }

    static let cases = layerCases(inFeatures: 784, outFeatures: 128) + layerCases(inFeatures: 128, outFeatures: 256)
        + layerCases(inFeatures: 256, outFeatures: 10)
        + [Case(label: "square", m: 1024, n: 1024, k: 1024, transposeA: false, transposeB: false)]
        + encoderCases

    /// The forward products of all-MiniLM-L6-v2 on 64 packed tweets (2,112 real tokens):
    /// the query/key/value/output projections (384 -> 384) and the feed-forward pair
    /// (384 -> 1536 -> 384), each `X·Wᵀ` with W stored `[out, in]` as in the model file.
    static let encoderCases = [
        Case(label: "encoder-XWt", m: 2112, n: 384, k: 384, transposeA: false, transposeB: true),
        Case(label: "encoder-XWt", m: 2112, n: 1536, k: 384, transposeA: false, transposeB: true),
        Case(label: "encoder-XWt", m: 2112, n: 384, k: 1536, transposeA: false, transposeB: true),
    ]

    /// Measures every case and reports each result.
    static func run(reporter: BenchmarkReporter) {
        let openBLAS = OpenBLASReference()
        if let openBLAS { reporter.report(name: "openblas core", text: openBLAS.coreName) }
        for benchmark in cases {
            for kernel in GEMM.availableKernels {
                let seconds = measure(benchmark) { a, b, c in
                    GEMM.multiply(m: benchmark.m, n: benchmark.n, k: benchmark.k,
                                  a: a, lda: benchmark.lda, transposeA: benchmark.transposeA,
                                  b: b, ldb: benchmark.ldb, transposeB: benchmark.transposeB,
                                  c: c, ldc: benchmark.n, accumulate: false, kernel: kernel, threading: .singleThread)
                }
                reporter.report(name: "\(benchmark.name) \(kernel.rawValue)", seconds: seconds, gflops: benchmark.flops / seconds / 1e9)
            }
            let threads = WorkerPool.threadCount
            var ours = [1: measure(benchmark) { a, b, c in
                GEMM.multiply(m: benchmark.m, n: benchmark.n, k: benchmark.k,
                              a: a, lda: benchmark.lda, transposeA: benchmark.transposeA,
                              b: b, ldb: benchmark.ldb, transposeB: benchmark.transposeB,
                              c: c, ldc: benchmark.n, accumulate: false, threading: .singleThread)
            }]
            if threads > 1 {
                let seconds = measure(benchmark) { a, b, c in
                    GEMM.multiply(m: benchmark.m, n: benchmark.n, k: benchmark.k,
                                  a: a, lda: benchmark.lda, transposeA: benchmark.transposeA,
                                  b: b, ldb: benchmark.ldb, transposeB: benchmark.transposeB,
                                  c: c, ldc: benchmark.n, accumulate: false)
                }
                ours[threads] = seconds
                reporter.report(name: "\(benchmark.name) \(GEMM.defaultKernel.rawValue) \(threads) threads", seconds: seconds,
                                gflops: benchmark.flops / seconds / 1e9)
            }
            guard let openBLAS else { continue }
            for threads in Set([1, threads]).sorted() {
                openBLAS.useThreads(threads)
                let seconds = measure(benchmark) { a, b, c in
                    openBLAS.multiply(m: benchmark.m, n: benchmark.n, k: benchmark.k,
                                      a: a, lda: benchmark.lda, transposeA: benchmark.transposeA,
                                      b: b, ldb: benchmark.ldb, transposeB: benchmark.transposeB, c: c, ldc: benchmark.n)
                }
                let suffix = threads == 1 ? "1 thread" : "\(threads) threads"
                reporter.report(name: "\(benchmark.name) openblas \(suffix)", seconds: seconds, gflops: benchmark.flops / seconds / 1e9)
                if let oursSeconds = ours[threads] {
                    // A ratio of GFLOP/s: above 1 means faster than OpenBLAS.
                    reporter.report(name: "\(benchmark.name) ours/openblas \(suffix)", value: seconds / oursSeconds)
                }
            }
        }
    }

    /// Best seconds per call of `body` on operands of `benchmark`'s shape, writing C.
    static func measure(_ benchmark: Case,
                        _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> Double {
        let (m, n, k) = (benchmark.m, benchmark.n, benchmark.k)
        // Any values in [-1, 1) will do; the timing does not depend on them.
        let a = (0..<m * k).map { Float(($0 &* 7919) % 2000) / 1000 - 1 }
        let b = (0..<k * n).map { Float(($0 &* 104_729) % 2000) / 1000 - 1 }
        var c = [Float](repeating: 0, count: m * n)
        return a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress else { return .nan }
                    return BenchmarkTimer.bestSecondsPerCall { body(a, b, c) }
                }
            }
        }
    }
}

extension GEMMBenchmark.Case {
    var lda: Int { transposeA ? m : k }
    var ldb: Int { transposeB ? k : n }
}
