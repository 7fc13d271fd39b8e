import Foundation
import Testing
import TensorCore
import TestSupport

@Suite("Softmax along the last axis")
struct SoftmaxTests {
    @Test func rowsOfARankFourTensorAreNormalisedExponentials() throws {
        let x = TestTensors.random([2, 2, 3, 5], low: -30, high: 30, seed: 4)
        let y = x.softmax()
        let xs = x.scalars, ys = y.scalars
        for row in 0..<12 {
            let values = xs[row * 5 ..< row * 5 + 5].map(Double.init)
            let maximum = values.max()!
            let total = values.reduce(0) { $0 + Foundation.exp($1 - maximum) }
            for column in 0..<5 {
                let expected = Foundation.exp(values[column] - maximum) / total
                #expect(abs(Double(ys[row * 5 + column]) - expected) < 1e-6)
            }
        }
    }

    @Test func aLargeNegativeMaskZeroesAColumn() throws {
        let scores = TestTensors.random([1, 2, 2, 3], seed: 5)
        let mask = try Tensor(shape: [1, 1, 1, 3], values: [0, 0, -Float.greatestFiniteMagnitude])
        let probabilities = try (scores + mask).softmax().scalars
        #expect(probabilities[2] == 0 && probabilities[5] == 0 && probabilities[8] == 0 && probabilities[11] == 0)
        #expect(abs(probabilities[0] + probabilities[1] - 1) < 1e-6)
    }
}
