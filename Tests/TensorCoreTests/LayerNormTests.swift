import CKernels
import Foundation
import Testing
import TensorCore
import TestSupport

/// Layer normalisation against the formula computed in Double, and its three gradients
/// against central finite differences, for rank-2 and rank-3 inputs; the C kernel's
/// instruction sets against each other.
struct LayerNormTests {
    @Test(arguments: [Shape([5, 7]), Shape([2, 3, 6]), Shape([9, 40]), Shape([3, 384])])
    func forwardMatchesTheFormulaInDouble(shape: Shape) throws {
        let x = TestTensors.random(shape, low: -3, high: 3, seed: 11)
        let features = shape.lastDimension
        let weight = TestTensors.random([features], low: 0.5, high: 1.5, seed: 12)
        let bias = TestTensors.random([features], seed: 13)
        let epsilon: Float = 1e-5
        let y = try Tensor.layerNormalization(x, weight: weight, bias: bias, epsilon: epsilon).scalars
        #expect(y.count == shape.elementCount)
        let values = x.scalars, w = weight.scalars, b = bias.scalars
        for row in 0..<shape.rowCount {
            let slice = values[(row * features)..<((row + 1) * features)].map(Double.init)
            let mean = slice.reduce(0, +) / Double(features)
            let variance = slice.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(features)
            for j in 0..<features {
                let expected = (slice[j] - mean) / (variance + Double(epsilon)).squareRoot() * Double(w[j]) + Double(b[j])
                #expect(abs(Double(y[row * features + j]) - expected) < 1e-5, "row \(row), feature \(j)")
            }
        }
    }

    @Test(arguments: [Shape([4, 6]), Shape([2, 3, 5]), Shape([2, 37])])
    func gradientsMatchFiniteDifferences(shape: Shape) throws {
        let features = shape.lastDimension
        let inputs = [
            TestTensors.random(shape, low: -2, high: 2, seed: 21),
            TestTensors.random([features], low: 0.5, high: 1.5, seed: 22),
            TestTensors.random([features], seed: 23),
        ]
        let error = try GradientCheck.maximumError(inputs: inputs, step: 1e-2) {
            try Tensor.layerNormalization($0[0], weight: $0[1], bias: $0[2], epsilon: 1e-5)
        }
        #expect(error < 2e-3)
    }

    /// The kernel chosen for this CPU gives the bits of the baseline loops, forward and input
    /// gradient (accumulating too), on rows with a tail past the 16 partial sums.
    @Test func everyInstructionSetGivesTheSameBits() throws {
        let rows = 5, features = 45
        let x = TestTensors.random([rows, features], low: -3, high: 3, seed: 31).scalars
        let weight = TestTensors.random([features], low: 0.5, high: 1.5, seed: 32).scalars
        let bias = TestTensors.random([features], seed: 33).scalars
        let dy = TestTensors.random([rows, features], seed: 34).scalars
        var outputs: [[Float]] = [], gradients: [[Float]] = []
        for portable in [false, true] {
            var y = [Float](repeating: 0, count: rows * features), statistics = [Float](repeating: 0, count: 2 * rows)
            ck_layer_norm_forward(x, &y, &statistics, weight, bias, rows, features, 1e-5, portable)
            var dx = [Float](repeating: 0.5, count: rows * features)
            ck_layer_norm_backward(x, dy, &dx, statistics, weight, rows, features, true, portable)
            outputs.append(y + statistics)
            gradients.append(dx)
        }
        #expect(outputs[0] == outputs[1])
        #expect(gradients[0] == gradients[1])
    }

    @Test func aConstantRowNormalisesToTheBias() throws {
        let x = Tensor(repeating: 4, shape: [2, 3])
        let weight = Tensor(repeating: 2, shape: [3])
        let bias = try Tensor(shape: [3], values: [0.5, -1, 3])
        let y = try Tensor.layerNormalization(x, weight: weight, bias: bias, epsilon: 1e-12).scalars
        #expect(y == [0.5, -1, 3, 0.5, -1, 3])
    }

    @Test func aWeightOfTheWrongLengthIsAShapeError() {
        let x = TestTensors.random([2, 4])
        #expect(throws: ShapeError.mismatch(operation: "layerNormalization weight", lhs: [2, 4], rhs: [3])) {
            try Tensor.layerNormalization(x, weight: Tensor(zeros: [3]), bias: Tensor(zeros: [4]), epsilon: 1e-5)
        }
        #expect(throws: ShapeError.mismatch(operation: "layerNormalization bias", lhs: [2, 4], rhs: [4, 1])) {
            try Tensor.layerNormalization(x, weight: Tensor(zeros: [4]), bias: Tensor(zeros: [4, 1]), epsilon: 1e-5)
        }
    }
}
