import Testing
import TensorCore

/// ReLU's C loops against the definition, over a length that is not a multiple of any
/// vector width, with NaN, infinities, signed zeros, and gradients that accumulate.
struct ReLUTests {
    static let inputs: [Float] = (0..<103).map { index in
        switch index % 11 {
        case 0: return .nan
        case 1: return .infinity
        case 2: return -.infinity
        case 3: return 0
        case 4: return -0.0
        default: return Float(index % 7) - 3.25 + Float(index) / 64
        }
    }

    @Test func forwardKeepsPositivesZeroesNegativesAndPropagatesNaN() throws {
        let x = try Tensor(shape: [103], values: Self.inputs)
        let y = x.relu().scalars
        for (input, output) in zip(Self.inputs, y) {
            if input.isNaN {
                #expect(output.isNaN)
            } else {
                #expect(output == (input > 0 ? input : 0))
            }
        }
    }

    @Test func backwardPassesTheGradientWhereTheInputIsPositiveAndAccumulates() throws {
        let x = try Tensor(shape: [103], values: Self.inputs, requiresGradient: true)
        let weights = try Tensor(shape: [103], values: (0..<103).map { Float($0 + 1) })
        // x is used twice, so its gradient is written once and then added to.
        let loss = try ((x.relu() * weights).sum() + (x.relu() * weights).sum())
        loss.backward()
        let gradient = try #require(x.gradient).scalars
        for (index, input) in Self.inputs.enumerated() {
            // PyTorch's threshold_backward: zero where x <= 0, dy elsewhere (NaN included).
            let expected: Float = input <= 0 ? 0 : 2 * Float(index + 1)
            #expect(gradient[index] == expected, "element \(index), x = \(input)")
        }
    }
}
