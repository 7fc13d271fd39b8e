import NN
import Testing
import TensorCore
import TestSupport

struct LayerNormTests {
    /// `(x − mean) / √(var + ε) · γ + β` per row, computed here in Double.
    @Test func normalisesEachRowOverTheLastAxis() throws {
        let x = TestTensors.random([2, 3, 4], seed: 5)
        let weight = try Tensor(shape: [4], values: [1, 2, 0.5, -1]), bias = try Tensor(shape: [4], values: [0, 0.1, -0.2, 3])
        let layer = try LayerNorm(weight: weight, bias: bias, epsilon: 1e-5)
        let y = try layer(x)
        #expect(y.shape == [2, 3, 4])
        let xs = x.scalars.map(Double.init), ys = y.scalars
        for row in 0..<6 {
            let values = xs[row * 4 ..< row * 4 + 4]
            let mean = values.reduce(0, +) / 4
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4
            for d in 0..<4 {
                let expected = (values[row * 4 + d] - mean) / (variance + 1e-5).squareRoot() * Double(weight.scalars[d]) + Double(bias.scalars[d])
                #expect(abs(Double(ys[row * 4 + d]) - expected) < 1e-5)
            }
        }
        #expect(layer.namedParameters().map(\.key) == ["weight", "bias"])
    }

    @Test func mismatchedShapesThrow() throws {
        #expect(throws: ShapeError.self) { try LayerNorm(weight: Tensor(zeros: [4]), bias: Tensor(zeros: [3]), epsilon: 1e-5) }
        #expect(throws: ShapeError.self) { try LayerNorm(weight: Tensor(zeros: [2, 2]), bias: Tensor(zeros: [2, 2]), epsilon: 1e-5) }
    }
}
