import CKernels
import Testing
import TensorCore
import TestSupport

@Suite("Norms of W + s·B·A without forming it")
struct LowRankNormTests {
    @Test(arguments: [(5, 7, 1), (16, 33, 4), (128, 784, 4), (10, 256, 16), (1, 1, 1)])
    func factoredNormsEqualTheNormsOfTheFormedMatrix(_ sizes: (Int, Int, Int)) throws {
        let (out, inFeatures, rank) = sizes
        let w = TestTensors.random([out, inFeatures], seed: 1), a = TestTensors.random([rank, inFeatures], seed: 2)
        let b = TestTensors.random([out, rank], seed: 3)
        let formed = try w + b.matmul(a) * 1.7
        for alongRows in [true, false] {
            let expected = try (alongRows ? formed.rowNorms() : formed.columnNorms()).scalars
            let factored = try Tensor.lowRankAdaptedNorms(weight: w, a: a, b: b, scale: 1.7, alongRows: alongRows).scalars
            var portable = [Float](repeating: 0, count: expected.count)
            w.withUnsafeBufferPointer { wp in a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in
                ck_low_rank_adapted_norms_portable(wp.baseAddress, ap.baseAddress, bp.baseAddress, 1.7, out, inFeatures, rank, alongRows, &portable)
            } } }
            for (index, value) in expected.enumerated() {
                #expect(abs(factored[index] - value) <= 1e-5 * max(1, value), "\(sizes) rows \(alongRows) [\(index)]")
                #expect(abs(portable[index] - value) <= 1e-5 * max(1, value), "\(sizes) portable rows \(alongRows) [\(index)]")
            }
        }
    }

    @Test func shapeMismatchesAreErrors() {
        #expect(throws: ShapeError.self) {
            try Tensor.lowRankAdaptedNorms(weight: Tensor(zeros: [4, 5]), a: Tensor(zeros: [2, 6]), b: Tensor(zeros: [4, 2]), scale: 1, alongRows: true)
        }
    }

    /// One NaN or infinity anywhere (inside the 64-float vector blocks or in the tail) is
    /// found; the largest finite float and subnormals are finite.
    @Test(arguments: [37, 64, 100, 1_000])
    func finiteness(count: Int) throws {
        let clean = TestTensors.random([count])
        clean.withUnsafeMutableBufferPointer { values in
            values[0] = .greatestFiniteMagnitude
            values[count - 1] = -.leastNonzeroMagnitude
        }
        #expect(clean.isAllFinite)
        for position in Set([0, 5, 17, count / 2, count - 1]) where position < count {
            for bad: Float in [.nan, .infinity, -.infinity] {
                let tensor = TestTensors.random([count])
                tensor.withUnsafeMutableBufferPointer { $0[position] = bad }
                #expect(!tensor.isAllFinite, "\(bad) at \(position) of \(count)")
            }
        }
    }
}

@Suite("Norms of W + s·B·A on two threads")
struct LowRankNormParallelTests {
    @Test func largeRowNormsMatchTheFormedMatrix() throws {
        // 1030 x 2048 x 16 multiply-adds: above the parallel threshold, rows split unevenly.
        let w = TestTensors.random([1030, 2048], seed: 4), a = TestTensors.random([16, 2048], seed: 5)
        let b = TestTensors.random([1030, 16], seed: 6)
        let expected = try (w + b.matmul(a) * 0.5).rowNorms().scalars
        let factored = try Tensor.lowRankAdaptedNorms(weight: w, a: a, b: b, scale: 0.5, alongRows: true).scalars
        #expect(factored.count == expected.count)
        for (index, value) in expected.enumerated() {
            #expect(abs(factored[index] - value) <= 1e-4 * max(1, value), "row \(index)")
        }
    }
}
