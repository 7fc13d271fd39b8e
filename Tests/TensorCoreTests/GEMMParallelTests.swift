import Testing
@testable import TensorCore

/// Products above the parallel threshold are split into parts of C on the pool's threads;
/// every element must be the same sum in the same order as on one thread, for any number
/// of parts.
@Suite("GEMM on several threads")
struct GEMMParallelTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool
        var testDescription: String { "\(m)x\(n)x\(k) \(transposeA ? "Aᵀ" : "A")\(transposeB ? "Bᵀ" : "B")" }
    }

    static let cases: [Case] = [
        Case(m: 200, n: 330, k: 700, transposeA: false, transposeB: false),   // columns split
        Case(m: 200, n: 330, k: 700, transposeA: true, transposeB: true),
        Case(m: 3000, n: 20, k: 700, transposeA: false, transposeB: true),    // too few columns: rows split
        Case(m: 3000, n: 20, k: 700, transposeA: true, transposeB: false),
        Case(m: 64, n: 784, k: 128, transposeA: false, transposeB: false),    // the MLP's dX = dY·W, columns split
        Case(m: 600, n: 1100, k: 13, transposeA: true, transposeB: false),    // partial tiles both ways
    ]

    static func operands(_ c: Case) -> (a: [Float], b: [Float], initial: [Float]) {
        var generator = RandomGenerator(seed: 9)
        let a = (0..<(c.m * c.k)).map { _ in generator.nextFloat(in: -1, 1) }
        let b = (0..<(c.k * c.n)).map { _ in generator.nextFloat(in: -1, 1) }
        let initial = (0..<(c.m * c.n)).map { _ in generator.nextFloat(in: -1, 1) }
        return (a, b, initial)
    }

    @Test(arguments: cases)
    func everyPartCountGivesTheBitsOfOneThread(_ c: Case) {
        let (a, b, initial) = Self.operands(c)
        let lda = c.transposeA ? c.m : c.k, ldb = c.transposeB ? c.k : c.n
        guard let microKernel = GEMMMicroKernel.resolve(GEMM.defaultKernel) else { return }
        for accumulate in [false, true] {
            var single = initial
            GEMM.multiply(m: c.m, n: c.n, k: c.k, a: a, lda: lda, transposeA: c.transposeA, b: b, ldb: ldb, transposeB: c.transposeB,
                          c: &single, ldc: c.n, accumulate: accumulate, kernel: GEMM.defaultKernel, packing: .automatic)
            for parts in [2, 3, 4, 5, 8] {
                var parallel = initial
                parallel.withUnsafeMutableBufferPointer { output in
                    GEMM.multiplyInParallel(m: c.m, n: c.n, k: c.k, a: a, lda: lda, transposeA: c.transposeA, b: b, ldb: ldb,
                                            transposeB: c.transposeB, c: output.baseAddress!, ldc: c.n, accumulate: accumulate,
                                            kernel: GEMM.defaultKernel, tileRows: microKernel.tileRows,
                                            tileColumns: microKernel.tileColumns, parts: parts)
                }
                #expect(parallel == single, "\(parts) parts")
            }
            var automatic = initial
            GEMM.multiply(m: c.m, n: c.n, k: c.k, a: a, lda: lda, transposeA: c.transposeA, b: b, ldb: ldb, transposeB: c.transposeB,
                          c: &automatic, ldc: c.n, accumulate: accumulate)
            #expect(automatic == single)
            // And the product is right: one element against a Double dot product.
            var expected = accumulate ? Double(initial[c.n + 1]) : 0
            for p in 0..<c.k {
                let aValue = c.transposeA ? a[p * lda + 1] : a[1 * lda + p]
                let bValue = c.transposeB ? b[1 * ldb + p] : b[p * ldb + 1]
                expected += Double(aValue) * Double(bValue)
            }
            #expect(abs(Double(single[c.n + 1]) - expected) < 1e-3)
        }
    }

    /// The thin loops (a LoRA rank as one dimension) split by rows or columns give the same
    /// bits for every part count.
    static let thinCases: [Case] = [
        Case(m: 64, n: 4, k: 784, transposeA: false, transposeB: true),     // x·Aᵀ: dot rows
        Case(m: 1030, n: 8, k: 300, transposeA: false, transposeB: true),
        Case(m: 64, n: 784, k: 4, transposeA: false, transposeB: false),    // u·A: combine rows, rows split
        Case(m: 4, n: 784, k: 64, transposeA: true, transposeB: false),     // duᵀ·x: combine rows, columns split
        Case(m: 9, n: 1000, k: 200, transposeA: false, transposeB: false),
    ]

    @Test(arguments: thinCases)
    func thinProductsGiveTheSameBitsForEveryPartCount(_ c: Case) {
        let (a, b, initial) = Self.operands(c)
        let lda = c.transposeA ? c.m : c.k, ldb = c.transposeB ? c.k : c.n
        for kernel in [GEMM.Kernel.portable, GEMM.defaultKernel] {
            for accumulate in [false, true] {
                var results: [[Float]] = []
                for parts in [1, 2, 3, 4, 7] {
                    var output = initial
                    let handled = output.withUnsafeMutableBufferPointer { pointer in
                        GEMM.multiplyThin(m: c.m, n: c.n, k: c.k, a: a, lda: lda, transposeA: c.transposeA, b: b, ldb: ldb,
                                          transposeB: c.transposeB, c: pointer.baseAddress!, ldc: c.n, accumulate: accumulate,
                                          kernel: kernel, parts: parts)
                    }
                    guard handled else { return }
                    results.append(output)
                }
                #expect(results.allSatisfy { $0 == results[0] }, "\(kernel) \(c.testDescription)")
            }
        }
    }
}
