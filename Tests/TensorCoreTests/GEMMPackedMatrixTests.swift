import Testing
@testable import TensorCore

/// `GEMM.multiply(m:a:lda:transposeA:packedB:…)` against the blocked driver that packs B on
/// every call (the same panels, so the same bits) and against a Double-accumulated reference,
/// for every kernel, both layouts of A and of the source of B, with and without accumulation
/// and with a bias added tile by tile,
/// on one thread and split over the pool, across depth blocks (k > KC) and column blocks
/// (n > NC) and with partial last panels.
@Suite("GEMM with B packed beforehand")
struct GEMMPackedMatrixTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let m: Int, n: Int, k: Int
        var testDescription: String { "\(m)x\(n)x\(k)" }
    }

    static let cases: [Case] = [
        Case(m: 1, n: 17, k: 5),
        Case(m: 7, n: 40, k: 33),
        Case(m: 33, n: 384, k: 384),
        Case(m: 600, n: 100, k: 1_100),   // A packed (m >= 512), three depth blocks
        Case(m: 50, n: 2_100, k: 70),     // two column blocks, a partial last panel
        Case(m: 700, n: 48, k: 300),      // rows split over the pool
    ]

    @Test(arguments: GEMM.availableKernels, cases)
    func matchesTheDriverBitForBitAndTheReference(kernel: GEMM.Kernel, shape: Case) throws {
        let (m, n, k) = (shape.m, shape.n, shape.k)
        var generator = RandomGenerator(seed: UInt64(m * 7 + n * 11 + k))
        let a = (0..<(m * k)).map { _ in generator.nextFloat(in: -1, 1) }
        let b = (0..<(k * n)).map { _ in generator.nextFloat(in: -1, 1) }  // op(B) [k, n] row-major
        let bTransposed = (0..<(n * k)).map { index in b[(index % k) * n + index / k] }  // [n, k]
        let initial = (0..<(m * n)).map { _ in generator.nextFloat(in: -1, 1) }
        let aTransposed = (0..<(k * m)).map { index in a[(index % m) * k + index / m] }  // [k, m]

        for transposeB in [false, true] {
            let packed = transposeB
                ? GEMM.PackedMatrix(k: k, n: n, b: bTransposed, ldb: k, transposeB: true, kernel: kernel)
                : GEMM.PackedMatrix(k: k, n: n, b: b, ldb: n, transposeB: false, kernel: kernel)
            #expect(packed.depth == k && packed.width == n && packed.kernel == kernel)
            for transposeA in [false, true] {
                let aStored = transposeA ? aTransposed : a, lda = transposeA ? m : k
                for accumulate in [false, true] {
                    var expected = initial
                    GEMM.multiply(m: m, n: n, k: k, a: aStored, lda: lda, transposeA: transposeA, b: b, ldb: n, transposeB: false,
                                  c: &expected, ldc: n, accumulate: accumulate, kernel: kernel, packing: .always)
                    for threading in [GEMM.Threading.singleThread, .automatic] {
                        var result = initial
                        GEMM.multiply(m: m, a: aStored, lda: lda, transposeA: transposeA, packedB: packed, c: &result, ldc: n,
                                      accumulate: accumulate, threading: threading)
                        let variant = "Bᵀ source \(transposeB) Aᵀ \(transposeA) accumulate \(accumulate) \(threading)"
                        #expect(result == expected, "\(variant): differs from the driver that packs B itself")
                    }
                    if !accumulate {
                        // With a bias: the bits of C filled with the bias rows, then accumulated.
                        let bias = (0..<n).map { Float($0 % 7) - 2.5 }
                        var biased = (0..<(m * n)).map { bias[$0 % n] }
                        GEMM.multiply(m: m, n: n, k: k, a: aStored, lda: lda, transposeA: transposeA, b: b, ldb: n,
                                      transposeB: false, c: &biased, ldc: n, accumulate: true, kernel: kernel, packing: .always)
                        for threading in [GEMM.Threading.singleThread, .automatic] {
                            var result = initial
                            GEMM.multiply(m: m, a: aStored, lda: lda, transposeA: transposeA, packedB: packed, c: &result, ldc: n,
                                          accumulate: false, bias: bias, threading: threading)
                            #expect(result == biased, "bias, Bᵀ source \(transposeB) Aᵀ \(transposeA) \(threading)")
                        }
                    }
                    // The driver itself against sums in Double (so the bit-for-bit check above
                    // cannot pass on a common mistake).
                    var worst = 0.0
                    for i in 0..<m {
                        for j in 0..<n {
                            var sum = accumulate ? Double(initial[i * n + j]) : 0
                            for p in 0..<k { sum += Double(a[i * k + p]) * Double(b[p * n + j]) }
                            worst = max(worst, abs(sum - Double(expected[i * n + j])))
                        }
                    }
                    #expect(worst < 1e-4 * Double(k).squareRoot(), "Aᵀ \(transposeA) accumulate \(accumulate): \(worst)")
                }
            }
        }
    }

    /// A packed weight `W` `[n, k]` gives `x·Wᵀ`: the layout `Linear` keeps.
    @Test func transposingAWeightGivesItsTranspose() throws {
        let weight = try Tensor(shape: [3, 2], values: [1, 2, 3, 4, 5, 6])  // W [n=3, k=2]
        let packed = GEMM.PackedMatrix(transposing: weight)
        let x: [Float] = [1, 10]  // [m=1, k=2]
        var y = [Float](repeating: 0, count: 3)
        GEMM.multiply(m: 1, a: x, lda: 2, transposeA: false, packedB: packed, c: &y, ldc: 3, accumulate: false)
        #expect(y == [21, 43, 65])
    }
}
