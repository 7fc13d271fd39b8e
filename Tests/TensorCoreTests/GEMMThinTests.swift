import TestSupport
import Testing
@testable import TensorCore

/// The loops for products with one small dimension (``GEMM/multiplyThin``), reached
/// through the public `GEMM.multiply`, against the Double reference: every transpose
/// combination (the ones without a thin loop check the hand-off to the blocked driver),
/// with and without accumulation, padded leading dimensions, tails of every vector width,
/// and sizes large enough to be split over two threads.
@Suite("GEMM with a small dimension")
struct GEMMThinTests {
    static let kernels = [GEMM.Kernel.portable] + (GEMM.availableKernels.contains(.avx512) ? [.avx512] : [])

    static let shapes: [GEMMTests.Shape] =
        [1, 2, 3, 4, 5, 8, 10, 13, 15, 16].flatMap { small in
            [
                GEMMTests.Shape(m: 37, n: small, k: 131),  // n small: x·Aᵀ, dz·B
                GEMMTests.Shape(m: small, n: 131, k: 64),  // m small: duᵀ·x, uᵀ·dz
                GEMMTests.Shape(m: 37, n: 131, k: small),  // k small: u·Bᵀ, du·A
            ]
        } + [
            GEMMTests.Shape(m: 64, n: 16, k: 1_200),  // above the two-thread threshold
            GEMMTests.Shape(m: 16, n: 4_100, k: 64),  // split by columns
            GEMMTests.Shape(m: 300, n: 4_100, k: 4),  // split by rows
            GEMMTests.Shape(m: 17, n: 17, k: 300),
        ]

    @Test("matches the reference", arguments: kernels, shapes)
    func matchesReference(kernel: GEMM.Kernel, shape: GEMMTests.Shape) {
        var generator = SplitMix64(seed: UInt64(shape.m &* 7_919 &+ shape.n &* 131 &+ shape.k))
        let a = GEMMTests.LogicalMatrix(rows: shape.m, columns: shape.k, using: &generator)
        let b = GEMMTests.LogicalMatrix(rows: shape.k, columns: shape.n, using: &generator)
        let initialC = GEMMTests.LogicalMatrix(rows: shape.m, columns: shape.n, using: &generator)
        let reference = GEMMTests.Reference(a: a, b: b)
        let storedC = GEMMTests.StoredMatrix(initialC, transposed: false, padding: 3)
        for transposeA in [false, true] {
            let storedA = GEMMTests.StoredMatrix(a, transposed: transposeA, padding: 5)
            for transposeB in [false, true] {
                let storedB = GEMMTests.StoredMatrix(b, transposed: transposeB, padding: 2)
                for accumulate in [false, true] {
                    var result = storedC
                    let (lda, ldb, ldc) = (storedA.leadingDimension, storedB.leadingDimension, result.leadingDimension)
                    GEMMTests.withPointers(storedA.storage, storedB.storage, &result.storage) { aPointer, bPointer, cPointer in
                        GEMM.multiply(m: shape.m, n: shape.n, k: shape.k,
                                      a: aPointer, lda: lda, transposeA: transposeA,
                                      b: bPointer, ldb: ldb, transposeB: transposeB,
                                      c: cPointer, ldc: ldc, accumulate: accumulate, kernel: kernel)
                    }
                    let mismatches = reference.mismatches(in: result, initialC: accumulate ? initialC : nil)
                    let variant = "transposeA=\(transposeA) transposeB=\(transposeB) accumulate=\(accumulate)"
                    #expect(mismatches.isEmpty, "\(variant): \(mismatches.prefix(3))")
                    #expect(result.paddingIsIntact, "\(variant): wrote outside the m x n block of C")
                }
            }
        }
    }

    /// The thin loops are taken where they should be (a shape that falls back silently
    /// would pass the reference test and lose the speed).
    @Test func thinShapesTakeTheThinLoops() {
        let a = [Float](repeating: 1, count: 64 * 784), b = [Float](repeating: 1, count: 64 * 784)
        var c = [Float](repeating: 0, count: 64 * 784)
        GEMMTests.withPointers(a, b, &c) { a, b, c in
            #expect(GEMM.multiplyThin(m: 64, n: 4, k: 784, a: a, lda: 784, transposeA: false, b: b, ldb: 784, transposeB: true,
                                      c: c, ldc: 4, accumulate: false, kernel: .portable, parts: 1))
            #expect(GEMM.multiplyThin(m: 4, n: 784, k: 64, a: a, lda: 4, transposeA: true, b: b, ldb: 784, transposeB: false,
                                      c: c, ldc: 784, accumulate: false, kernel: .portable, parts: 1))
            #expect(GEMM.multiplyThin(m: 64, n: 784, k: 4, a: a, lda: 4, transposeA: false, b: b, ldb: 784, transposeB: false,
                                      c: c, ldc: 784, accumulate: true, kernel: .portable, parts: 1))
            #expect(!GEMM.multiplyThin(m: 64, n: 128, k: 784, a: a, lda: 784, transposeA: false, b: b, ldb: 784, transposeB: true,
                                       c: c, ldc: 128, accumulate: false, kernel: .portable, parts: 1))
        }
    }
}
