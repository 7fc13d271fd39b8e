import Foundation
import Testing
import TensorCore
import TestSupport

/// Operations written the way a user of the library writes them: only the public API
/// (this target imports TensorCore without `@testable`).
enum UserOperations {
    /// Softplus, `y = log(1 + eˣ)` element-wise; `dx = dy·σ(x)`.
    static func softplus(_ x: Tensor) -> Tensor {
        Tensor.customOperation(inputs: [x], outputShape: x.shape) { inputs, y in
            for i in y.indices { y[i] = log1p(exp(inputs[0][i])) }
        } backward: { context in
            let x = context.inputs[0].elements, dy = context.outputGradient.elements
            context.accumulateGradient(ofInput: 0) { dx in
                for i in dx.indices { dx[i] += dy[i] / (1 + exp(-x[i])) }
            }
        }
    }

    struct ShapesDoNotFit: Error {}

    /// `z[r] = Σ_c x[r, c]·w[c]` for `x: [rows, columns]`, `w: [columns]`, `z: [rows]`;
    /// `dx[r, c] = dz[r]·w[c]`, `dw[c] = Σ_r dz[r]·x[r, c]`.
    static func weightedRowSums(_ x: Tensor, _ w: Tensor) throws -> Tensor {
        guard x.shape.rank == 2, w.shape == Shape([x.shape[1]]) else { throw ShapesDoNotFit() }
        let rows = x.shape[0], columns = x.shape[1]
        return try Tensor.customOperation(inputs: [x, w], outputShape: [rows]) { inputs, z in
            let x = inputs[0], w = inputs[1]
            for r in 0..<rows {
                var total: Float = 0
                for c in 0..<columns { total += x[r * columns + c] * w[c] }
                z[r] = total
            }
        } backward: { context in
            let x = context.inputs[0].elements, w = context.inputs[1].elements
            let dz = context.outputGradient.elements
            context.accumulateGradient(ofInput: 0) { dx in
                for r in 0..<rows { for c in 0..<columns { dx[r * columns + c] += dz[r] * w[c] } }
            }
            context.accumulateGradient(ofInput: 1) { dw in
                for r in 0..<rows { for c in 0..<columns { dw[c] += dz[r] * x[r * columns + c] } }
            }
        }
    }

    /// `y = x²` with the backward rule written with ops: `dx = 2x·dy`.
    static func square(_ x: Tensor) throws -> Tensor {
        Tensor.customOperation(inputs: [x], outputShape: x.shape) { inputs, y in
            for i in y.indices { y[i] = inputs[0][i] * inputs[0][i] }
        } backward: { context in
            let gradient = try! context.outputGradient * context.inputs[0] * 2  // equal shapes: cannot throw
            context.accumulateGradient(ofInput: 0, gradient)
        }
    }
}

@Suite("Custom operations through the public API")
struct CustomOperationTests {
    @Test func softplusMatchesItsFormulaAndFiniteDifferences() throws {
        let x = TestTensors.random([3, 5], low: -3, high: 3, seed: 11)
        let y = UserOperations.softplus(x)
        for (value, input) in zip(y.scalars, x.scalars) {
            let expected = Foundation.log(1 + Foundation.exp(Double(input)))
            #expect(abs(Double(value) - expected) <= 1e-6 * (1 + expected))
        }
        let error = try GradientCheck.maximumError(inputs: [x]) { UserOperations.softplus($0[0]) }
        #expect(error < 1e-3, "max error \(error)")
    }

    @Test func aTwoInputOperationMatchesFiniteDifferences() throws {
        let x = TestTensors.random([4, 3], seed: 12), w = TestTensors.random([3], seed: 13)
        let z = try UserOperations.weightedRowSums(x, w)
        let xs = x.scalars, ws = w.scalars
        for r in 0..<4 {
            let expected = (0..<3).reduce(0.0) { $0 + Double(xs[r * 3 + $1]) * Double(ws[$1]) }
            #expect(abs(Double(z.scalars[r]) - expected) <= 1e-6)
        }
        let error = try GradientCheck.maximumError(inputs: [x, w]) { try UserOperations.weightedRowSums($0[0], $0[1]) }
        #expect(error < 1e-3, "max error \(error)")
    }

    @Test func customOperationsComposeWithEachOtherAndWithBuiltInOps() throws {
        let x = TestTensors.random([2, 3], seed: 14), w = TestTensors.random([3], seed: 15)
        let error = try GradientCheck.maximumError(inputs: [x, w]) { inputs in
            try UserOperations.weightedRowSums(UserOperations.softplus(inputs[0] * 2), UserOperations.square(inputs[1])).exp()
        }
        #expect(error < 1e-3, "max error \(error)")
    }

    @Test func anOperationUsedTwiceAccumulatesBothUses() throws {
        let x = TestTensors.random([6], low: -2, high: 2, seed: 16)
        x.requiresGradient = true
        let loss = try (UserOperations.softplus(x) + UserOperations.softplus(x) * 3).sum()
        loss.backward()
        let sigmoid = x.scalars.map { 1 / (1 + Foundation.exp(-Double($0))) }
        let once = try #require(x.gradient).scalars
        for (gradient, s) in zip(once, sigmoid) { #expect(abs(Double(gradient) - 4 * s) <= 1e-6) }

        // A second backward pass adds to the gradient the first one left.
        try UserOperations.softplus(x).sum().backward()
        let twice = try #require(x.gradient).scalars
        for (gradient, s) in zip(twice, sigmoid) { #expect(abs(Double(gradient) - 5 * s) <= 1e-6) }
    }

    @Test func theResultOfAnOperationUsedTwiceGetsBothContributionsBeforeItsRuleRuns() throws {
        let x = try Tensor(shape: [2], values: [0.5, -1], requiresGradient: true)
        let y = try UserOperations.square(x)
        try (y * 3 + y).sum().backward()  // L = 4x², dL/dx = 8x
        #expect(x.gradient?.scalars == [4, -8])
    }

    @Test func withoutGradientsNothingIsRecorded() throws {
        let x = TestTensors.random([3], seed: 17)
        x.requiresGradient = true
        let y = withoutGradients { UserOperations.softplus(x) }
        #expect(!y.requiresGradient)
        #expect(y.isLeaf)
    }

    @Test func inputsThatNeedNoGradientGetNone() throws {
        let frozen = TestTensors.random([4, 3], seed: 18), trained = TestTensors.random([3], seed: 19)
        trained.requiresGradient = true
        #expect(!UserOperations.softplus(frozen).requiresGradient)
        let z = try UserOperations.weightedRowSums(frozen, trained)
        #expect(z.requiresGradient && !z.isLeaf)
        z.sum().backward()
        #expect(frozen.gradient == nil)
        // dw[c] = Σ_r x[r, c] for dz = 1.
        let xs = frozen.scalars
        let expected = (0..<3).map { c in (0..<4).reduce(Float(0)) { $0 + xs[$1 * 3 + c] } }
        let gradient = try #require(trained.gradient).scalars
        for (actual, wanted) in zip(gradient, expected) { #expect(abs(actual - wanted) <= 1e-6) }
    }

    @Test func theRuleSeesWhichInputsWantAGradient() throws {
        let a = Tensor(repeating: 1, shape: [2], requiresGradient: true), b = Tensor(repeating: 2, shape: [2])
        nonisolated(unsafe) var seen: [Bool] = []
        let y = Tensor.customOperation(inputs: [a, b], outputShape: [2]) { inputs, y in
            for i in y.indices { y[i] = inputs[0][i] * inputs[1][i] }
        } backward: { context in
            seen = [context.requiresGradient(ofInput: 0), context.requiresGradient(ofInput: 1)]
            let dy = context.outputGradient.elements, a = context.inputs[0].elements, b = context.inputs[1].elements
            context.accumulateGradient(ofInput: 0) { da in for i in da.indices { da[i] += dy[i] * b[i] } }
            context.accumulateGradient(ofInput: 1) { db in for i in db.indices { db[i] += dy[i] * a[i] } }
        }
        y.sum().backward()
        #expect(seen == [true, false])
        #expect(a.gradient?.scalars == [2, 2])
        #expect(b.gradient == nil)
    }

    @Test func aForwardThatThrowsPropagatesTheError() {
        let x = TestTensors.random([2, 3], seed: 20), w = TestTensors.random([2], seed: 21)
        #expect(throws: UserOperations.ShapesDoNotFit.self) { try UserOperations.weightedRowSums(x, w) }
    }

    @Test func elementViewsCheckTheirBounds() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor(zeros: [3]).elements[3]
        }
    }
}
