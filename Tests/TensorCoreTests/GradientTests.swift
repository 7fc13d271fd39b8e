import Testing
import TensorCore
import TestSupport

/// One differentiable operation to check: how to make its inputs and how to apply it.
struct GradientCase: Sendable, CustomTestStringConvertible {
    let name: String
    let makeInputs: @Sendable () -> [Tensor]
    let function: @Sendable ([Tensor]) throws -> Tensor
    var testDescription: String { name }

    init(_ name: String, _ makeInputs: @escaping @Sendable () -> [Tensor], _ function: @escaping @Sendable ([Tensor]) throws -> Tensor) {
        self.name = name
        self.makeInputs = makeInputs
        self.function = function
    }
}

private func random(_ shape: Shape, seed: UInt64) -> Tensor { TestTensors.random(shape, seed: seed) }

private let cases: [GradientCase] = [
    GradientCase("matmul", { [random([3, 5], seed: 1), random([5, 4], seed: 2)] }) { try $0[0].matmul($0[1]) },
    GradientCase("matmul Aᵀ", { [random([5, 3], seed: 1), random([5, 4], seed: 2)] }) { try $0[0].matmul($0[1], transposeSelf: true) },
    GradientCase("matmul Bᵀ", { [random([3, 5], seed: 1), random([4, 5], seed: 2)] }) { try $0[0].matmul($0[1], transposeOther: true) },
    GradientCase("matmul AᵀBᵀ", { [random([5, 3], seed: 1), random([4, 5], seed: 2)] }) {
        try $0[0].matmul($0[1], transposeSelf: true, transposeOther: true)
    },
    GradientCase("matmul 1x1", { [random([1, 1], seed: 1), random([1, 7], seed: 2)] }) { try $0[0].matmul($0[1]) },
    GradientCase("linear with bias", { [random([4, 6], seed: 1), random([3, 6], seed: 2), random([3], seed: 3)] }) {
        try Tensor.linear($0[0], weight: $0[1], bias: $0[2])
    },
    GradientCase("linear without bias", { [random([4, 6], seed: 1), random([3, 6], seed: 2)] }) {
        try Tensor.linear($0[0], weight: $0[1], bias: nil)
    },
    GradientCase("low-rank adapted linear, shared input", {
        [random([4, 6], seed: 1), random([3, 6], seed: 2), random([3], seed: 3), random([2, 6], seed: 4), random([3, 2], seed: 5)]
    }) { try Tensor.lowRankAdaptedLinear($0[0], weight: $0[1], bias: $0[2], adapterInput: $0[0], a: $0[3], b: $0[4], scale: 1.5) },
    GradientCase("low-rank adapted linear, own adapter input, no bias", {
        [random([4, 6], seed: 6), random([5, 6], seed: 7), random([3, 6], seed: 8), random([5, 3], seed: 9), random([4, 6], seed: 10)]
    }) { try Tensor.lowRankAdaptedLinear($0[0], weight: $0[1], bias: nil, adapterInput: $0[4], a: $0[2], b: $0[3], scale: 0.75) },
    GradientCase("low-rank adapted linear, precomputed x·Wᵀ + b", {
        [random([4, 6], seed: 11), random([3, 6], seed: 12), random([3], seed: 13), random([2, 6], seed: 14), random([3, 2], seed: 15)]
    }) { inputs in
        let affine = try withoutGradients { try Tensor.linear(inputs[0], weight: inputs[1], bias: inputs[2]) }
        return try Tensor.lowRankAdaptedLinear(inputs[0], weight: inputs[1], bias: inputs[2], adapterInput: inputs[0],
                                               a: inputs[3], b: inputs[4], scale: 1.5, precomputedAffine: affine)
    },
    GradientCase("scaled columns with bias", { [random([4, 6], seed: 1), random([6], seed: 2), random([6], seed: 3)] }) {
        try Tensor.scaledColumns($0[0], scale: $0[1], bias: $0[2])
    },
    GradientCase("scaled columns without bias", { [random([3, 5], seed: 4), random([5], seed: 5)] }) {
        try Tensor.scaledColumns($0[0], scale: $0[1], bias: nil)
    },
    GradientCase("add", { [random([3, 4], seed: 1), random([3, 4], seed: 2)] }) { try $0[0] + $0[1] },
    GradientCase("add row broadcast", { [random([3, 4], seed: 1), random([4], seed: 2)] }) { try $0[0] + $0[1] },
    GradientCase("add column broadcast", { [random([3, 1], seed: 1), random([1, 4], seed: 2)] }) { try $0[0] + $0[1] },
    GradientCase("subtract broadcast", { [random([4], seed: 1), random([2, 3, 4], seed: 2)] }) { try $0[0] - $0[1] },
    GradientCase("multiply", { [random([2, 5], seed: 1), random([2, 5], seed: 2)] }) { try $0[0] * $0[1] },
    GradientCase("multiply rank-3 broadcast", { [random([2, 3, 4], seed: 1), random([3, 1], seed: 2)] }) { try $0[0] * $0[1] },
    GradientCase("multiply rank-4 broadcast", { [random([2, 1, 3, 2], seed: 1), random([2, 1, 2], seed: 2)] }) { try $0[0] * $0[1] },
    GradientCase("multiply row vector rank 3", { [random([2, 3, 4], seed: 1), random([4], seed: 2)] }) { try $0[0] * $0[1] },
    GradientCase("divide by row vector", { [random([3, 4], seed: 1), TestTensors.random([4], low: 1, high: 2, seed: 2)] }) { try $0[0] / $0[1] },
    GradientCase("subtract row vector", { [random([5, 3], seed: 1), random([3], seed: 2)] }) { try $0[0] - $0[1] },
    GradientCase("divide", { [random([3, 4], seed: 1), TestTensors.random([3, 4], low: 1, high: 2, seed: 2)] }) { try $0[0] / $0[1] },
    GradientCase("divide broadcast", { [random([3, 4], seed: 1), TestTensors.random([3, 1], low: 1, high: 2, seed: 2)] }) { try $0[0] / $0[1] },
    GradientCase("scalar arithmetic", { [random([3, 4], seed: 1)] }) { ((($0[0] * 3) + 1) - 0.5) / 2 },
    GradientCase("negate", { [random([5], seed: 1)] }) { -$0[0] },
    GradientCase("relu", { [TestTensors.awayFromZero([4, 5], seed: 1)] }) { $0[0].relu() },
    GradientCase("exp", { [random([3, 3], seed: 1)] }) { $0[0].exp() },
    GradientCase("log", { [TestTensors.random([3, 3], low: 0.5, high: 2, seed: 1)] }) { $0[0].log() },
    GradientCase("squareRoot", { [TestTensors.random([3, 3], low: 0.5, high: 2, seed: 1)] }) { $0[0].squareRoot() },
    GradientCase("squared", { [random([3, 3], seed: 1)] }) { $0[0].squared() },
    GradientCase("sum", { [random([3, 4], seed: 1)] }) { $0[0].sum() },
    GradientCase("mean", { [random([3, 4], seed: 1)] }) { $0[0].mean() },
    GradientCase("sum axis 0", { [random([3, 4], seed: 1)] }) { try $0[0].sum(alongAxes: [0]) },
    GradientCase("sum axis -1 keeping", { [random([2, 3, 4], seed: 1)] }) { try $0[0].sum(alongAxes: [-1], keepingDimensions: true) },
    GradientCase("mean axes 0 and 2", { [random([2, 3, 4], seed: 1)] }) { try $0[0].mean(alongAxes: [0, 2]) },
    GradientCase("logSoftmax", { [random([4, 6], seed: 1)] }) { $0[0].logSoftmax() },
    GradientCase("crossEntropy", { [TestTensors.random([5, 4], low: -3, high: 3, seed: 1)] }) {
        try Tensor.crossEntropy(logits: $0[0], targets: [0, 3, 1, 1, 2])
    },
    GradientCase("rowNorms", { [random([4, 5], seed: 1)] }) { try $0[0].rowNorms() },
    GradientCase("columnNorms", { [random([4, 5], seed: 1)] }) { try $0[0].columnNorms() },
    GradientCase("reshaped", { [random([3, 4], seed: 1)] }) { try $0[0].reshaped(to: [2, 6]) * $0[0].reshaped(to: [2, 6]) },
    GradientCase("transposed", { [random([3, 5], seed: 1)] }) { try $0[0].transposed() },
    GradientCase("rows", { [random([6, 3], seed: 1)] }) { try $0[0].rows(1..<4) },
    GradientCase("concatenate", { [random([2, 3], seed: 1), random([4, 3], seed: 2)] }) { try Tensor.concatenate([$0[0], $0[1], $0[0]]) },
    GradientCase("two-layer network", { [random([4, 6], seed: 1), random([5, 6], seed: 2), random([5], seed: 3), random([3, 5], seed: 4)] }) {
        let hidden = try Tensor.linear($0[0], weight: $0[1], bias: $0[2]).relu()
        return try Tensor.crossEntropy(logits: try Tensor.linear(hidden, weight: $0[3], bias: nil), targets: [0, 2, 1, 2])
    },
]

@Suite("Gradients against central finite differences")
struct GradientTests {
    @Test(arguments: cases)
    func gradientMatchesFiniteDifferences(_ testCase: GradientCase) throws {
        let error = try GradientCheck.maximumError(inputs: testCase.makeInputs(), testCase.function)
        #expect(error < 2e-3, "\(testCase.name): worst relative error \(error)")
    }
}
