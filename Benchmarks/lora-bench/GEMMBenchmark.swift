import TensorCore

/// Single-threaded GEMM throughput (GFLOP/s = 2·m·n·k / seconds / 10⁹) on the three
/// products of an MNIST MLP layer (batch 64, 784 inputs, 128 outputs) and on a square
/// 1024 problem, for every kernel this CPU runs. Results are named
/// `gemm <product> <m>x<n>x<k> <kernel>`.
enum GEMMBenchmark {
    struct Case {
        /// Short ASCII name of the product.
        let label: String
        let m: Int, n: Int, k: Int
        let transposeA: Bool, transposeB: Bool
    }

    static let cases = [
        // Forward: Y = X · Wᵀ with X [64, 784], W [128, 784].
        Case(label: "XWt", m: 64, n: 128, k: 784, transposeA: false, transposeB: true),
        // Input gradient: dX = dY · W with dY [64, 128], W [128, 784].
        Case(label: "dYW", m: 64, n: 784, k: 128, transposeA: false, transposeB: false),
        // Weight gradient: dW = dYᵀ · X with dY [64, 128], X [64, 784].
        Case(label: "dYtX", m: 128, n: 784, k: 64, transposeA: true, transposeB: false),
        Case(label: "square", m: 1024, n: 1024, k: 1024, transposeA: false, transposeB: false),
    ]

    /// Measures every case with every available kernel and reports each result.
    static func run(reporter: BenchmarkReporter) {
        for benchmark in cases {
            for kernel in GEMM.availableKernels {
                let seconds = measure(benchmark, kernel: kernel)
                let flops = 2 * Double(benchmark.m) * Double(benchmark.n) * Double(benchmark.k)
                reporter.report(
                    name: "gemm \(benchmark.label) \(benchmark.m)x\(benchmark.n)x\(benchmark.k) \(kernel.rawValue)",
                    seconds: seconds, gflops: flops / seconds / 1e9)
            }
        }
    }

    /// Best seconds per call of `benchmark` with `kernel`, writing (not accumulating) C.
    static func measure(_ benchmark: Case, kernel: GEMM.Kernel) -> Double {
        let (m, n, k) = (benchmark.m, benchmark.n, benchmark.k)
        // Any values in [-1, 1) will do; the timing does not depend on them.
        let a = (0..<m * k).map { Float(($0 &* 7919) % 2000) / 1000 - 1 }
        let b = (0..<k * n).map { Float(($0 &* 104_729) % 2000) / 1000 - 1 }
        var c = [Float](repeating: 0, count: m * n)
        let lda = benchmark.transposeA ? m : k
        let ldb = benchmark.transposeB ? k : n
        return a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress
                    else { return .nan }
                    return BenchmarkTimer.bestSecondsPerCall {
                        GEMM.multiply(
                            m: m, n: n, k: k,
                            a: a, lda: lda, transposeA: benchmark.transposeA,
                            b: b, ldb: ldb, transposeB: benchmark.transposeB,
                            c: c, ldc: n, accumulate: false, kernel: kernel)
                    }
                }
            }
        }
    }
}
