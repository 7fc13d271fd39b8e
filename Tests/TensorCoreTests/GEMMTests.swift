import TestSupport
import Testing
@testable import TensorCore

/// Checks `GEMM.multiply` against a Double-accumulated triple loop for every available
/// kernel, all four transpose combinations, with and without accumulation, every packing
/// policy, and leading dimensions larger than the rows they hold.
@Suite("GEMM")
struct GEMMTests {
    /// A matrix product shape: op(A) is m x k, op(B) is k x n.
    struct Shape: CustomTestStringConvertible, Sendable {
        let m: Int, n: Int, k: Int
        var testDescription: String { "\(m)x\(n)x\(k)" }
    }

    static let edgeLengths = [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 100, 127, 129, 257, 300]

    /// Each dimension swept over `edgeLengths` with the others fixed at awkward sizes,
    /// plus mixed shapes that cross cache-block boundaries in several dimensions.
    static let shapes: [Shape] =
        edgeLengths.map { Shape(m: $0, n: 17, k: 33) }
        + edgeLengths.map { Shape(m: 9, n: $0, k: 31) }
        + edgeLengths.map { Shape(m: 15, n: 33, k: $0) }
        + [
            Shape(m: 127, n: 129, k: 257),
            Shape(m: 300, n: 40, k: 64),
            Shape(m: 257, n: 300, k: 9),
            Shape(m: 24, n: 40, k: 784),
            Shape(m: 9, n: 784, k: 100),
            Shape(m: 3, n: 4_200, k: 5),
            Shape(m: 600, n: 2, k: 600),
        ]

    @Test("matches the reference", arguments: GEMM.availableKernels, shapes)
    func matchesReference(kernel: GEMM.Kernel, shape: Shape) {
        var generator = SplitMix64(seed: UInt64(shape.m &* 1_000_003 &+ shape.n &* 1_009 &+ shape.k))
        let a = LogicalMatrix(rows: shape.m, columns: shape.k, using: &generator)
        let b = LogicalMatrix(rows: shape.k, columns: shape.n, using: &generator)
        let initialC = LogicalMatrix(rows: shape.m, columns: shape.n, using: &generator)
        let reference = Reference(a: a, b: b)

        let storedC = StoredMatrix(initialC, transposed: false, padding: 2)
        for transposeA in [false, true] {
            let storedA = StoredMatrix(a, transposed: transposeA, padding: 3)
            for transposeB in [false, true] {
                let storedB = StoredMatrix(b, transposed: transposeB, padding: 5)
                for packing in GEMMPackingPolicy.allCases {
                    for accumulate in [false, true] {
                        var result = storedC
                        Self.multiply(
                            storedA, storedB, into: &result, shape: shape,
                            accumulate: accumulate, kernel: kernel, packing: packing)
                        let mismatches = reference.mismatches(
                            in: result, initialC: accumulate ? initialC : nil)
                        let variant = "\(packing) transposeA=\(transposeA) transposeB=\(transposeB) accumulate=\(accumulate)"
                        #expect(mismatches.isEmpty, "\(variant): \(mismatches.prefix(3))")
                        #expect(result.paddingIsIntact, "\(variant): wrote outside the m x n block of C")
                    }
                }
            }
        }
    }

    @Test("k == 0 zeroes C or leaves it", arguments: GEMM.availableKernels, [false, true])
    func emptyInnerDimension(kernel: GEMM.Kernel, accumulate: Bool) {
        let (m, n, ldc) = (5, 7, 9)
        var c = [Float](repeating: 3, count: m * ldc)
        let a: [Float] = [1]
        let b: [Float] = [1]
        Self.withPointers(a, b, &c) { a, b, c in
            GEMM.multiply(
                m: m, n: n, k: 0, a: a, lda: 0, transposeA: false, b: b, ldb: n, transposeB: false,
                c: c, ldc: ldc, accumulate: accumulate, kernel: kernel)
        }
        for i in 0..<m {
            for j in 0..<ldc {
                let expected: Float = (j < n && !accumulate) ? 0 : 3
                #expect(c[i * ldc + j] == expected, "C[\(i), \(j)]")
            }
        }
    }

    @Test("m == 0 or n == 0 leaves C untouched", arguments: GEMM.availableKernels, [(0, 4), (4, 0), (0, 0)])
    func emptyOutput(kernel: GEMM.Kernel, size: (m: Int, n: Int)) {
        let k = 6
        let a = [Float](repeating: 1, count: 4 * k)
        let b = [Float](repeating: 1, count: k * 4)
        var c = [Float](repeating: 3, count: 16)
        Self.withPointers(a, b, &c) { a, b, c in
            GEMM.multiply(
                m: size.m, n: size.n, k: k, a: a, lda: k, transposeA: false,
                b: b, ldb: 4, transposeB: false, c: c, ldc: 4, accumulate: false, kernel: kernel)
        }
        #expect(c.allSatisfy { $0 == 3 })
    }

    @Test("negative sizes and short leading dimensions stop the program")
    func preconditions() async {
        await #expect(processExitsWith: .failure) {
            let values = [Float](repeating: 1, count: 16)
            var output = [Float](repeating: 0, count: 16)
            GEMMTests.withPointers(values, values, &output) { a, b, c in
                GEMM.multiply(
                    m: -1, n: 2, k: 2, a: a, lda: 2, transposeA: false, b: b, ldb: 2,
                    transposeB: false, c: c, ldc: 2, accumulate: false)
            }
        }
        await #expect(processExitsWith: .failure) {
            let values = [Float](repeating: 1, count: 16)
            var output = [Float](repeating: 0, count: 16)
            GEMMTests.withPointers(values, values, &output) { a, b, c in
                GEMM.multiply(
                    m: 2, n: 2, k: 3, a: a, lda: 2, transposeA: false, b: b, ldb: 2,
                    transposeB: false, c: c, ldc: 2, accumulate: false)
            }
        }
    }

    @Test("kernel list is non-empty, fastest first, and ends with the portable kernel")
    func kernelList() {
        let kernels = GEMM.availableKernels
        #expect(kernels.first == GEMM.defaultKernel)
        #expect(kernels.last == .portable)
        #expect(kernels == GEMM.Kernel.allCases.filter(kernels.contains))
    }

    @Test("concurrent calls produce the same results as serial ones")
    func concurrentCalls() async {
        let shape = Shape(m: 70, n: 90, k: 300)
        var generator = SplitMix64(seed: 42)
        let a = LogicalMatrix(rows: shape.m, columns: shape.k, using: &generator)
        let b = LogicalMatrix(rows: shape.k, columns: shape.n, using: &generator)
        let reference = Reference(a: a, b: b)
        let results = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var storedC = StoredMatrix(
                        LogicalMatrix(rows: shape.m, columns: shape.n, values: 0),
                        transposed: false, padding: 0)
                    for _ in 0..<20 {
                        Self.withPointers(a.values, b.values, &storedC.storage) { a, b, c in
                            GEMM.multiply(
                                m: shape.m, n: shape.n, k: shape.k,
                                a: a, lda: shape.k, transposeA: false,
                                b: b, ldb: shape.n, transposeB: false,
                                c: c, ldc: shape.n, accumulate: false)
                        }
                    }
                    return reference.mismatches(in: storedC, initialC: nil)
                }
            }
            var all: [String] = []
            for await mismatches in group { all += mismatches }
            return all
        }
        #expect(results.isEmpty, "\(results.prefix(3))")
    }
}

// MARK: - Test helpers

extension GEMMTests {
    /// Runs `body` with pointers to the first elements of three non-empty arrays.
    static func withPointers(
        _ a: [Float], _ b: [Float], _ c: inout [Float],
        _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void
    ) {
        a.withUnsafeBufferPointer { aBuffer in
            b.withUnsafeBufferPointer { bBuffer in
                c.withUnsafeMutableBufferPointer { cBuffer in
                    guard let a = aBuffer.baseAddress, let b = bBuffer.baseAddress,
                          let c = cBuffer.baseAddress
                    else {
                        Issue.record("empty operand storage")
                        return
                    }
                    body(a, b, c)
                }
            }
        }
    }

    /// `C (+)= op(A) · op(B)` through the internal entry point, on stored matrices.
    static func multiply(
        _ a: StoredMatrix, _ b: StoredMatrix, into c: inout StoredMatrix, shape: Shape,
        accumulate: Bool, kernel: GEMM.Kernel, packing: GEMMPackingPolicy
    ) {
        let (lda, ldb, ldc) = (a.leadingDimension, b.leadingDimension, c.leadingDimension)
        withPointers(a.storage, b.storage, &c.storage) { aPointer, bPointer, cPointer in
            GEMM.multiply(
                m: shape.m, n: shape.n, k: shape.k,
                a: aPointer, lda: lda, transposeA: a.transposed,
                b: bPointer, ldb: ldb, transposeB: b.transposed,
                c: cPointer, ldc: ldc, accumulate: accumulate, kernel: kernel, packing: packing)
        }
    }

    /// A dense row-major matrix: element (r, c) is `values[r * columns + c]`.
    struct LogicalMatrix: Sendable {
        let rows: Int, columns: Int
        let values: [Float]

        init(rows: Int, columns: Int, using generator: inout SplitMix64) {
            self.rows = rows
            self.columns = columns
            values = (0..<rows * columns).map { _ in Float.random(in: -1...1, using: &generator) }
        }

        init(rows: Int, columns: Int, values: Float) {
            self.rows = rows
            self.columns = columns
            self.values = [Float](repeating: values, count: rows * columns)
        }

        subscript(row: Int, column: Int) -> Float { values[row * columns + column] }
    }

    /// A logical matrix laid out as GEMM reads it: row-major with `leadingDimension` floats
    /// per stored row, or, when `transposed`, its transpose stored that way. The padding at
    /// the end of each stored row holds a sentinel.
    struct StoredMatrix {
        static let sentinel: Float = -12345.5
        let logical: (rows: Int, columns: Int)
        let transposed: Bool
        let leadingDimension: Int
        var storage: [Float]

        init(_ matrix: LogicalMatrix, transposed: Bool, padding: Int) {
            logical = (matrix.rows, matrix.columns)
            self.transposed = transposed
            let storedRows = transposed ? matrix.columns : matrix.rows
            let storedColumns = transposed ? matrix.rows : matrix.columns
            leadingDimension = storedColumns + padding
            storage = [Float](repeating: Self.sentinel, count: max(storedRows * leadingDimension, 1))
            for r in 0..<matrix.rows {
                for c in 0..<matrix.columns {
                    storage[offset(row: r, column: c)] = matrix[r, c]
                }
            }
        }

        func offset(row: Int, column: Int) -> Int {
            transposed ? column * leadingDimension + row : row * leadingDimension + column
        }

        subscript(row: Int, column: Int) -> Float { storage[offset(row: row, column: column)] }

        /// True when every storage element outside the logical matrix still holds the sentinel.
        var paddingIsIntact: Bool {
            let storedRows = transposed ? logical.columns : logical.rows
            let storedColumns = transposed ? logical.rows : logical.columns
            for row in 0..<storedRows {
                for index in row * leadingDimension + storedColumns ..< (row + 1) * leadingDimension
                where storage[index] != Self.sentinel {
                    return false
                }
            }
            return true
        }
    }

    /// `A · B` accumulated in Double, with `Σ_p |A(i,p)| |B(p,j)|` for the error bound.
    struct Reference: Sendable {
        let product: [Double]
        let magnitude: [Double]
        let rows: Int, columns: Int, depth: Int

        init(a: LogicalMatrix, b: LogicalMatrix) {
            rows = a.rows
            columns = b.columns
            depth = a.columns
            var product = [Double](repeating: 0, count: rows * columns)
            var magnitude = [Double](repeating: 0, count: rows * columns)
            for i in 0..<rows {
                for p in 0..<depth {
                    let aValue = Double(a[i, p])
                    for j in 0..<columns {
                        let bValue = Double(b[p, j])
                        product[i * columns + j] += aValue * bValue
                        magnitude[i * columns + j] += abs(aValue * bValue)
                    }
                }
            }
            self.product = product
            self.magnitude = magnitude
        }

        /// Descriptions of the elements of `c` that differ from `initialC + A·B` by more than
        /// Float rounding over `depth + 1` additions allows.
        func mismatches(in c: StoredMatrix, initialC: LogicalMatrix?) -> [String] {
            var found: [String] = []
            let unit = Double(Float.ulpOfOne)
            for i in 0..<rows {
                for j in 0..<columns {
                    let start = initialC.map { Double($0[i, j]) } ?? 0
                    let expected = start + product[i * columns + j]
                    let bound = unit * Double(depth + 2) * (magnitude[i * columns + j] + abs(start))
                        + Double(Float.leastNormalMagnitude)
                    let actual = Double(c[i, j])
                    if !(abs(actual - expected) <= bound) {
                        found.append("C[\(i), \(j)] = \(actual), expected \(expected)")
                    }
                }
            }
            return found
        }
    }
}
