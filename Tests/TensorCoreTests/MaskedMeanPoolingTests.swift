import Testing
import TensorCore
import TestSupport

/// Masked mean pooling against sums written out in the test, the all-padding row's 1e-9
/// floor, and the gradient against central finite differences.
struct MaskedMeanPoolingTests {
    static let mask: [Float] = [1, 1, 1, 0, 0,
                                1, 0, 0, 0, 0,
                                1, 1, 1, 1, 1]

    @Test func forwardAveragesOnlyTheMaskedTokens() throws {
        let x = TestTensors.random([3, 5, 4], seed: 41)
        let mask = try Tensor(shape: [3, 5], values: Self.mask)
        let y = try Tensor.maskedMeanPooling(x, mask: mask)
        #expect(y.shape == [3, 4])
        let values = x.scalars, pooled = y.scalars
        for row in 0..<3 {
            let kept = (0..<5).filter { Self.mask[row * 5 + $0] == 1 }
            for d in 0..<4 {
                let expected = kept.map { Double(values[(row * 5 + $0) * 4 + d]) }.reduce(0, +) / Double(kept.count)
                #expect(abs(Double(pooled[row * 4 + d]) - expected) < 1e-6)
            }
        }
    }

    @Test func aRowWithNoTokensPoolsToZero() throws {
        let x = TestTensors.random([2, 3, 2], seed: 42)
        let mask = try Tensor(shape: [2, 3], values: [0, 0, 0, 1, 1, 0])
        let y = try Tensor.maskedMeanPooling(x, mask: mask).scalars
        #expect(y[0] == 0 && y[1] == 0)
    }

    @Test func gradientMatchesFiniteDifferences() throws {
        let mask = try Tensor(shape: [3, 5], values: Self.mask)
        let inputs = [TestTensors.random([3, 5, 4], seed: 43)]
        let error = try GradientCheck.maximumError(inputs: inputs) { try Tensor.maskedMeanPooling($0[0], mask: mask) }
        #expect(error < 1e-3)
    }

    @Test func aMaskOfTheWrongShapeIsAShapeError() {
        let x = TestTensors.random([2, 3, 4])
        #expect(throws: ShapeError.mismatch(operation: "maskedMeanPooling mask", lhs: [2, 3, 4], rhs: [2, 4])) {
            try Tensor.maskedMeanPooling(x, mask: Tensor(zeros: [2, 4]))
        }
        #expect(throws: ShapeError.rankMismatch(operation: "maskedMeanPooling", expectedRank: 3, actual: [6, 4])) {
            try Tensor.maskedMeanPooling(TestTensors.random([6, 4]), mask: Tensor(zeros: [6, 1]))
        }
    }
}
