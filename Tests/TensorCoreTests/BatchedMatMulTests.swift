import Testing
import TensorCore
import TestSupport

@Suite("Batched matrix products")
struct BatchedMatMulTests {
    /// The rank-2 slice `index` of a `[..., rows, columns]` tensor.
    private func slice(_ tensor: Tensor, _ index: Int) throws -> Tensor {
        let rank = tensor.shape.rank
        let rows = tensor.shape[rank - 2], columns = tensor.shape[rank - 1]
        let matrices = try tensor.reshaped(to: [tensor.elementCount / (rows * columns), rows * columns])
        return try matrices.rows(index..<index + 1).reshaped(to: [rows, columns])
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func eachEntryEqualsItsRankTwoProduct(_ transposes: (Bool, Bool)) throws {
        let (transposeSelf, transposeOther) = transposes
        // q [2, 3, 16, 8] and k [2, 3, 16, 8] (or transposed layouts): 6 products of 16x16x8.
        let a = TestTensors.random(transposeSelf ? [2, 3, 8, 16] : [2, 3, 16, 8], seed: 1)
        let b = TestTensors.random(transposeOther ? [2, 3, 16, 8] : [2, 3, 8, 16], seed: 2)
        let c = try a.matmul(b, transposeSelf: transposeSelf, transposeOther: transposeOther)
        #expect(c.shape == [2, 3, 16, 16])
        for entry in 0..<6 {
            let expected = try slice(a, entry).matmul(slice(b, entry), transposeSelf: transposeSelf, transposeOther: transposeOther)
            #expect(try slice(c, entry).scalars == expected.scalars)
        }
    }

    @Test func gradientsEqualTheRankTwoProducts() throws {
        let a = TestTensors.random([3, 5, 4], seed: 3), b = TestTensors.random([3, 6, 4], seed: 4)
        let weights = TestTensors.random([3, 5, 6], seed: 5)
        a.requiresGradient = true
        b.requiresGradient = true
        try (a.batchedMatmul(b, transposeOther: true) * weights).sum().backward()
        for entry in 0..<3 {
            let a2 = try slice(a, entry).detached(), b2 = try slice(b, entry).detached()
            a2.requiresGradient = true
            b2.requiresGradient = true
            try (a2.matmul(b2, transposeOther: true) * slice(weights, entry)).sum().backward()
            #expect(try slice(try #require(a.gradient), entry).scalars == a2.gradient?.scalars)
            #expect(try slice(try #require(b.gradient), entry).scalars == b2.gradient?.scalars)
        }
    }

    @Test func shapeErrorsNameTheOpAndBothShapes() throws {
        let a = TestTensors.random([2, 3, 4], seed: 1)
        #expect(throws: ShapeError.mismatch(operation: "batchedMatmul", lhs: [2, 3, 4], rhs: [3, 4, 5])) {
            try a.matmul(TestTensors.random([3, 4, 5], seed: 2))
        }
        #expect(throws: ShapeError.mismatch(operation: "batchedMatmul", lhs: [2, 3, 4], rhs: [2, 5, 5])) {
            try a.matmul(TestTensors.random([2, 5, 5], seed: 2))
        }
        #expect(throws: ShapeError.mismatch(operation: "batchedMatmul", lhs: [2, 3, 4], rhs: [4, 5])) {
            try a.matmul(TestTensors.random([4, 5], seed: 2))
        }
        #expect(throws: ShapeError.mismatch(operation: "batchedMatmul", lhs: [3, 4], rhs: [2, 4, 5])) {
            try TestTensors.random([3, 4], seed: 1).matmul(TestTensors.random([2, 4, 5], seed: 2))
        }
        #expect(throws: ShapeError.rankMismatch(operation: "batchedMatmul", expectedRank: 3, actual: [3, 4])) {
            try TestTensors.random([3, 4], seed: 1).batchedMatmul(TestTensors.random([4, 5], seed: 2))
        }
    }
}
