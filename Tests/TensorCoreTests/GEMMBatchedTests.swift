import Testing
@testable import TensorCore

/// A batch of products in one call must give, entry by entry, the same bits as multiplying
/// each entry alone, on one thread or split over two, for every layout.
@Suite("Batched GEMM")
struct GEMMBatchedTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let entries: Int, m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool
        var testDescription: String { "\(entries) x \(m)x\(n)x\(k) \(transposeA ? "Aᵀ" : "A")\(transposeB ? "Bᵀ" : "B")" }
    }

    static let cases: [Case] = [false, true].flatMap { transposeA in
        [false, true].flatMap { transposeB in
            [
                Case(entries: 5, m: 7, n: 9, k: 5, transposeA: transposeA, transposeB: transposeB),       // thin loops
                Case(entries: 24, m: 64, n: 64, k: 32, transposeA: transposeA, transposeB: transposeB),   // attention-sized, split
                Case(entries: 3, m: 33, n: 70, k: 41, transposeA: transposeA, transposeB: transposeB),    // partial tiles
            ]
        }
    }

    @Test(arguments: cases)
    func eachEntryIsBitIdenticalToItsOwnProduct(_ c: Case) {
        var generator = RandomGenerator(seed: 21)
        let strideA = c.m * c.k, strideB = c.k * c.n, strideC = c.m * c.n
        let a = (0..<(c.entries * strideA)).map { _ in generator.nextFloat(in: -1, 1) }
        let b = (0..<(c.entries * strideB)).map { _ in generator.nextFloat(in: -1, 1) }
        let initial = (0..<(c.entries * strideC)).map { _ in generator.nextFloat(in: -1, 1) }
        let lda = c.transposeA ? c.m : c.k, ldb = c.transposeB ? c.k : c.n
        for accumulate in [false, true] {
            var separate = initial
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    separate.withUnsafeMutableBufferPointer { out in
                        for entry in 0..<c.entries {
                            GEMM.multiply(m: c.m, n: c.n, k: c.k, a: a.baseAddress! + entry * strideA, lda: lda, transposeA: c.transposeA,
                                          b: b.baseAddress! + entry * strideB, ldb: ldb, transposeB: c.transposeB,
                                          c: out.baseAddress! + entry * strideC, ldc: c.n, accumulate: accumulate)
                        }
                    }
                }
            }
            for threading in [GEMM.Threading.automatic, .singleThread] {
                var batched = initial
                GEMM.multiplyBatched(batchCount: c.entries, m: c.m, n: c.n, k: c.k,
                                     a: a, lda: lda, strideA: strideA, transposeA: c.transposeA,
                                     b: b, ldb: ldb, strideB: strideB, transposeB: c.transposeB,
                                     c: &batched, ldc: c.n, strideC: strideC, accumulate: accumulate, threading: threading)
                #expect(batched == separate, "accumulate \(accumulate), \(threading)")
            }
            // And the product is right: the last entry's element (1, 2) against a Double sum.
            let entry = c.entries - 1
            var expected = accumulate ? Double(initial[entry * strideC + c.n + 2]) : 0
            for p in 0..<c.k {
                let aValue = c.transposeA ? a[entry * strideA + p * lda + 1] : a[entry * strideA + lda + p]
                let bValue = c.transposeB ? b[entry * strideB + 2 * ldb + p] : b[entry * strideB + p * ldb + 2]
                expected += Double(aValue) * Double(bValue)
            }
            #expect(abs(Double(separate[entry * strideC + c.n + 2]) - expected) < 1e-4)
        }
    }

    @Test func aSharedOperandHasStrideZero() {
        // Every entry multiplies its own A by the same B.
        var generator = RandomGenerator(seed: 4)
        let a = (0..<(4 * 6 * 5)).map { _ in generator.nextFloat(in: -1, 1) }
        let b = (0..<(5 * 3)).map { _ in generator.nextFloat(in: -1, 1) }
        var batched = [Float](repeating: 0, count: 4 * 6 * 3)
        GEMM.multiplyBatched(batchCount: 4, m: 6, n: 3, k: 5, a: a, lda: 5, strideA: 30, transposeA: false,
                             b: b, ldb: 3, strideB: 0, transposeB: false, c: &batched, ldc: 3, strideC: 18, accumulate: false)
        var whole = [Float](repeating: 0, count: 24 * 3)
        GEMM.multiply(m: 24, n: 3, k: 5, a: a, lda: 5, transposeA: false, b: b, ldb: 3, transposeB: false,
                      c: &whole, ldc: 3, accumulate: false)
        #expect(batched == whole)
    }

    @Test func zeroEntriesAndZeroDepth() {
        var untouched: [Float] = [7, 7]
        GEMM.multiplyBatched(batchCount: 0, m: 1, n: 2, k: 3, a: [1, 2, 3], lda: 3, strideA: 3, transposeA: false,
                             b: [1, 2, 3, 4, 5, 6], ldb: 2, strideB: 6, transposeB: false, c: &untouched, ldc: 2, strideC: 2, accumulate: false)
        #expect(untouched == [7, 7])
        var zeroed: [Float] = [7, 7, 7, 7]
        GEMM.multiplyBatched(batchCount: 2, m: 1, n: 2, k: 0, a: [0], lda: 0, strideA: 0, transposeA: false,
                             b: [0], ldb: 2, strideB: 0, transposeB: false, c: &zeroed, ldc: 2, strideC: 2, accumulate: false)
        #expect(zeroed == [0, 0, 0, 0])
    }
}
