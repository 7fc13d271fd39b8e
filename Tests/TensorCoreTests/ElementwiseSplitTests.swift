import Testing
import TestSupport
@testable import TensorCore

/// Same-shape sums, differences and products large enough to be split over the worker pool:
/// the values of one thread, for every thread count, forward and backward, against the
/// element-by-element formula.
struct ElementwiseSplitTests {
    @Test func everyThreadCountGivesTheElementByElementResult() throws {
        let count = Tensor.elementwiseParallelMinimumCount * 3 + 5
        let a = TestTensors.random([count], seed: 1).scalars, b = TestTensors.random([count], seed: 2).scalars
        let weights = TestTensors.random([count], seed: 3)
        var results: [[Float]] = []
        for threads in [1, 2, 3] {
            results.append(try ThreadCountSetting.with(threads) {
                let x = try Tensor(shape: [count], values: a, requiresGradient: true)
                let y = try Tensor(shape: [count], values: b, requiresGradient: true)
                let sum = try x + y, difference = try x - y, product = try x * y
                try ((sum + difference) * weights + product).sum().backward()
                return sum.scalars + difference.scalars + product.scalars
                    + (try #require(x.gradient).scalars) + (try #require(y.gradient).scalars)
            })
        }
        #expect(results[1] == results[0])
        #expect(results[2] == results[0])
        // d/dx = 2w + y, d/dy = x (the sum's and difference's w cancel).
        let w = weights.scalars
        for index in stride(from: 0, to: count, by: 997) {
            #expect(results[0][index] == a[index] + b[index])
            #expect(results[0][count + index] == a[index] - b[index])
            #expect(abs(results[0][3 * count + index] - (2 * w[index] + b[index])) <= 1e-5)
            #expect(abs(results[0][4 * count + index] - a[index]) <= 1e-5)
        }
    }
}
