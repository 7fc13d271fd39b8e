import Foundation
import Testing
import TensorCore
import TestSupport

/// The two ops BERT's pooler adds: `tanh` and the first-token selection `x[:, 0]`.
struct PoolerOpsTests {
    @Test func tanhMatchesFoundationAndFiniteDifferences() throws {
        let x = TestTensors.random([3, 7], low: -3, high: 3, seed: 4)
        #expect(x.tanh().scalars == x.scalars.map { Foundation.tanh($0) })
        let error = try GradientCheck.maximumError(inputs: [x], step: 1e-2) { $0[0].tanh() }
        #expect(error < 1e-3, "\(error)")
    }

    @Test func firstTokenSelectsTokenZeroOfEveryRow() throws {
        let x = TestTensors.random([3, 4, 5], seed: 5)
        let first = try x.firstToken()
        #expect(first.shape == [3, 5])
        var expected: [Float] = []
        for row in 0..<3 { expected += x.scalars[(row * 20)..<(row * 20 + 5)] }
        #expect(first.scalars == expected)
        let error = try GradientCheck.maximumError(inputs: [x]) { try $0[0].firstToken() }
        #expect(error < 1e-3, "\(error)")
        // Only token 0 receives a gradient; a second use accumulates.
        let y = TestTensors.random([2, 3, 2], seed: 6)
        y.requiresGradient = true
        let once = try y.firstToken().sum(), twice = (try y.firstToken() * 2).sum()
        try (once + twice).backward()
        let expectedGradient: [Float] = [3, 3, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0]
        #expect(y.gradient?.scalars == expectedGradient)
        #expect(throws: ShapeError.self) { try TestTensors.random([2, 3]).firstToken() }
    }
}
