import Testing
@testable import TensorCore

/// Products above the parallel threshold are split in two halves of C on two threads;
/// every element must be the same sum in the same order as on one thread.
@Suite("GEMM on two threads")
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
    ]

    @Test(arguments: cases)
    func parallelResultIsBitIdenticalToOneThread(_ c: Case) {
        #expect(c.m * c.n * c.k >= GEMM.parallelThreshold)
        var generator = RandomGenerator(seed: 9)
        let a = (0..<(c.m * c.k)).map { _ in generator.nextFloat(in: -1, 1) }
        let b = (0..<(c.k * c.n)).map { _ in generator.nextFloat(in: -1, 1) }
        let initial = (0..<(c.m * c.n)).map { _ in generator.nextFloat(in: -1, 1) }
        let lda = c.transposeA ? c.m : c.k, ldb = c.transposeB ? c.k : c.n
        for accumulate in [false, true] {
            var parallel = initial, single = initial
            GEMM.multiply(m: c.m, n: c.n, k: c.k, a: a, lda: lda, transposeA: c.transposeA, b: b, ldb: ldb, transposeB: c.transposeB,
                          c: &parallel, ldc: c.n, accumulate: accumulate)
            GEMM.multiply(m: c.m, n: c.n, k: c.k, a: a, lda: lda, transposeA: c.transposeA, b: b, ldb: ldb, transposeB: c.transposeB,
                          c: &single, ldc: c.n, accumulate: accumulate, kernel: GEMM.defaultKernel, packing: .automatic)
            #expect(parallel == single)
            // And the product is right: one element against a Double dot product.
            var expected = accumulate ? Double(initial[c.n + 1]) : 0
            for p in 0..<c.k {
                let aValue = c.transposeA ? a[p * lda + 1] : a[1 * lda + p]
                let bValue = c.transposeB ? b[1 * ldb + p] : b[p * ldb + 1]
                expected += Double(aValue) * Double(bValue)
            }
            #expect(abs(Double(parallel[c.n + 1]) - expected) < 1e-3)
        }
    }
}
