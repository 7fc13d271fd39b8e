import Testing
import TensorCore
import TestSupport

/// `linear`, the fused LoRA op and `scaledColumns` on `[batch, tokens, features]` must equal,
/// bit for bit, the rank-2 computation on the flattened `[batch·tokens, features]` input,
/// outputs and gradients alike.
@Suite("Linear ops on inputs of rank 3 and 4")
struct LinearHigherRankTests {
    /// Runs `function` on `input` (any rank) and on its flattened copy, with fresh copies of
    /// `parameters`, and returns the outputs and every gradient of `Σ output ⊙ R` for both.
    private func outputsAndGradients(
        input: Tensor, parameters: [Tensor], _ function: (Tensor, [Tensor]) throws -> Tensor
    ) throws -> (ranked: [[Float]], flat: [[Float]]) {
        func run(_ x: Tensor) throws -> [[Float]] {
            let copies = parameters.map { parameter -> Tensor in
                let copy = parameter.copy()
                copy.requiresGradient = true
                return copy
            }
            x.requiresGradient = true
            let output = try function(x, copies)
            let weights = TestTensors.random(output.shape, seed: 77)
            try (output * weights).sum().backward()
            return [output.scalars, x.gradient?.scalars ?? []] + copies.map { $0.gradient?.scalars ?? [] }
        }
        let flat = try Tensor(shape: [input.shape.rowCount, input.shape.lastDimension], values: input.scalars)
        return (try run(input.copy()), try run(flat))
    }

    @Test(arguments: [Shape([2, 3, 6]), Shape([2, 2, 2, 6]), Shape([6])])
    func linearEqualsTheFlattenedProduct(_ shape: Shape) throws {
        let input = TestTensors.random(shape, seed: 1)
        let result = try outputsAndGradients(input: input, parameters: [TestTensors.random([5, 6], seed: 2), TestTensors.random([5], seed: 3)]) {
            try Tensor.linear($0, weight: $1[0], bias: $1[1])
        }
        #expect(result.ranked == result.flat)
        let output = try Tensor.linear(input, weight: TestTensors.random([5, 6], seed: 2), bias: nil)
        #expect(output.shape == shape.replacing(axis: shape.rank - 1, with: 5))
    }

    @Test func linearOnALargeWeightEqualsTheFlattenedProduct() throws {
        // A weight of 1 M elements takes the transposed product (yᵀ = W·xᵀ).
        let input = TestTensors.random([2, 3, 1024], seed: 4)
        #expect(Tensor.usesTransposedProduct(batch: 6, inFeatures: 1024, outFeatures: 1024))
        let result = try outputsAndGradients(input: input, parameters: [TestTensors.random([1024, 1024], seed: 5)]) {
            try Tensor.linear($0, weight: $1[0], bias: nil)
        }
        #expect(result.ranked == result.flat)
    }

    @Test func lowRankAdaptedLinearEqualsTheFlattenedProduct() throws {
        let input = TestTensors.random([2, 4, 6], seed: 6)
        let parameters = [TestTensors.random([5, 6], seed: 7), TestTensors.random([5], seed: 8),
                          TestTensors.random([2, 6], seed: 9), TestTensors.random([5, 2], seed: 10)]
        let result = try outputsAndGradients(input: input, parameters: parameters) {
            try Tensor.lowRankAdaptedLinear($0, weight: $1[0], bias: $1[1], adapterInput: $0, a: $1[2], b: $1[3], scale: 2)
        }
        #expect(result.ranked == result.flat)
    }

    @Test func scaledColumnsEqualsTheFlattenedOp() throws {
        let input = TestTensors.random([3, 2, 4], seed: 11)
        let result = try outputsAndGradients(input: input, parameters: [TestTensors.random([4], seed: 12), TestTensors.random([4], seed: 13)]) {
            try Tensor.scaledColumns($0, scale: $1[0], bias: $1[1])
        }
        #expect(result.ranked == result.flat)
    }

    @Test func mismatchedFeaturesNameTheOpAndBothShapes() throws {
        let error = #expect(throws: ShapeError.self) {
            try Tensor.linear(TestTensors.random([2, 3, 7], seed: 1), weight: TestTensors.random([5, 6], seed: 2), bias: nil)
        }
        #expect(error == .mismatch(operation: "linear", lhs: [2, 3, 7], rhs: [5, 6]))
        #expect(error?.description.contains("[2, 3, 7]") == true && error?.description.contains("[5, 6]") == true)
    }
}
