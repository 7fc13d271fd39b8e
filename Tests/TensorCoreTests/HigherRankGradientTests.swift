import Testing
import TensorCore
import TestSupport

private func random(_ shape: Shape, seed: UInt64) -> Tensor { TestTensors.random(shape, seed: seed) }

/// Ops on rank-3 and rank-4 tensors (a transformer's `[batch, tokens, features]` and
/// `[batch, heads, tokens, headDimension]`), each checked against central finite differences.
private let cases: [GradientCase] = [
    GradientCase("linear [2, 3, 6] with bias", { [random([2, 3, 6], seed: 1), random([4, 6], seed: 2), random([4], seed: 3)] }) {
        try Tensor.linear($0[0], weight: $0[1], bias: $0[2])
    },
    GradientCase("linear [2, 2, 2, 5] without bias", { [random([2, 2, 2, 5], seed: 4), random([3, 5], seed: 5)] }) {
        try Tensor.linear($0[0], weight: $0[1], bias: nil)
    },
    GradientCase("linear [5] (one row)", { [random([5], seed: 6), random([3, 5], seed: 7), random([3], seed: 8)] }) {
        try Tensor.linear($0[0], weight: $0[1], bias: $0[2])
    },
    GradientCase("low-rank adapted linear [2, 3, 6]", {
        [random([2, 3, 6], seed: 1), random([4, 6], seed: 2), random([4], seed: 3), random([2, 6], seed: 4), random([4, 2], seed: 5)]
    }) { try Tensor.lowRankAdaptedLinear($0[0], weight: $0[1], bias: $0[2], adapterInput: $0[0], a: $0[3], b: $0[4], scale: 1.5) },
    GradientCase("low-rank adapted linear [2, 2, 2, 5], own adapter input", {
        [random([2, 2, 2, 5], seed: 6), random([3, 5], seed: 7), random([2, 5], seed: 8), random([3, 2], seed: 9), random([2, 2, 2, 5], seed: 10)]
    }) { try Tensor.lowRankAdaptedLinear($0[0], weight: $0[1], bias: nil, adapterInput: $0[4], a: $0[2], b: $0[3], scale: 0.75) },
    GradientCase("scaled columns [2, 3, 4]", { [random([2, 3, 4], seed: 1), random([4], seed: 2), random([4], seed: 3)] }) {
        try Tensor.scaledColumns($0[0], scale: $0[1], bias: $0[2])
    },
    GradientCase("batched matmul [2, 3, 4]·[2, 4, 5]", { [random([2, 3, 4], seed: 1), random([2, 4, 5], seed: 2)] }) {
        try $0[0].matmul($0[1])
    },
    GradientCase("batched matmul q·kᵀ [2, 2, 3, 4]", { [random([2, 2, 3, 4], seed: 3), random([2, 2, 5, 4], seed: 4)] }) {
        try $0[0].matmul($0[1], transposeOther: true)
    },
    GradientCase("batched matmul Aᵀ·B [2, 2, 4, 3]", { [random([2, 2, 4, 3], seed: 5), random([2, 2, 4, 5], seed: 6)] }) {
        try $0[0].batchedMatmul($0[1], transposeSelf: true)
    },
    GradientCase("batched matmul Aᵀ·Bᵀ [3, 4, 3]", { [random([3, 4, 3], seed: 7), random([3, 2, 4], seed: 8)] }) {
        try $0[0].batchedMatmul($0[1], transposeSelf: true, transposeOther: true)
    },
    GradientCase("attention p·v", { [random([2, 2, 3, 3], seed: 9), random([2, 2, 3, 4], seed: 10)] }) {
        try $0[0].softmax().matmul($0[1])
    },
    GradientCase("permuted [0, 2, 1, 3]", { [random([2, 3, 2, 4], seed: 1)] }) { try $0[0].permuted([0, 2, 1, 3]) },
    GradientCase("permuted [3, 1, 0, 2]", { [random([2, 3, 2, 4], seed: 2)] }) { try $0[0].permuted([3, 1, 0, 2]) },
    GradientCase("permuted last two [0, 1, 3, 2]", { [random([2, 2, 3, 5], seed: 3)] }) { try $0[0].permuted([0, 1, 3, 2]) },
    GradientCase("permuted rank 3 [2, 0, 1]", { [random([2, 3, 4], seed: 4)] }) { try $0[0].permuted([2, 0, 1]) },
    GradientCase("reshaped [2, 3, 4] → [2, 3, 2, 2]", { [random([2, 3, 4], seed: 5)] }) {
        try $0[0].reshaped(to: [2, 3, 2, 2]) * $0[0].reshaped(to: [2, 3, 2, 2])
    },
    GradientCase("sum axis 1 of rank 4", { [random([2, 3, 2, 3], seed: 1)] }) { try $0[0].sum(alongAxes: [1]) },
    GradientCase("sum axes 0 and 3 of rank 4, keeping", { [random([2, 3, 2, 3], seed: 2)] }) {
        try $0[0].sum(alongAxes: [0, 3], keepingDimensions: true)
    },
    GradientCase("mean axis 1 of rank 3", { [random([2, 4, 3], seed: 3)] }) { try $0[0].mean(alongAxes: [1]) },
    GradientCase("mean axis -2 of rank 4", { [random([2, 2, 3, 2], seed: 4)] }) { try $0[0].mean(alongAxes: [-2]) },
    GradientCase("attention mask add [2, 2, 3, 3] + [2, 1, 1, 3]", { [random([2, 2, 3, 3], seed: 1), random([2, 1, 1, 3], seed: 2)] }) {
        try $0[0] + $0[1]
    },
    GradientCase("multiply [2, 3, 4] · [2, 3, 1]", { [random([2, 3, 4], seed: 3), random([2, 3, 1], seed: 4)] }) { try $0[0] * $0[1] },
    GradientCase("divide [2, 2, 3, 2] / [1, 2, 1, 2]", {
        [random([2, 2, 3, 2], seed: 5), TestTensors.random([1, 2, 1, 2], low: 1, high: 2, seed: 6)]
    }) { try $0[0] / $0[1] },
    GradientCase("subtract [2, 3, 4] − [2, 3, 4]", { [random([2, 3, 4], seed: 7), random([2, 3, 4], seed: 8)] }) { try $0[0] - $0[1] },
    GradientCase("softmax rank 2", { [TestTensors.random([3, 5], low: -2, high: 2, seed: 1)] }) { $0[0].softmax() },
    GradientCase("softmax rank 4", { [TestTensors.random([2, 2, 3, 4], low: -2, high: 2, seed: 2)] }) { $0[0].softmax() },
    GradientCase("logSoftmax rank 3", { [random([2, 3, 4], seed: 3)] }) { $0[0].logSoftmax() },
]

@Suite("Gradients of rank-3 and rank-4 ops against central finite differences")
struct HigherRankGradientTests {
    @Test(arguments: cases)
    func gradientMatchesFiniteDifferences(_ testCase: GradientCase) throws {
        let error = try GradientCheck.maximumError(inputs: testCase.makeInputs(), testCase.function)
        #expect(error < 2e-3, "\(testCase.name): worst relative error \(error)")
    }

    @Test func embeddingGradientMatchesFiniteDifferences() throws {
        // Repeated ids (2 three times, 0 twice) receive the sum of their rows.
        let ids = try IndexTensor(shape: [2, 3], values: [2, 0, 2, 4, 2, 0] as [Int])
        let error = try GradientCheck.maximumError(inputs: [random([5, 3], seed: 1)]) { try Tensor.embedding(ids, weight: $0[0]) }
        #expect(error < 2e-3)
    }

    @Test func reshapeIsAViewThatRecordsItsBackward() throws {
        let x = random([2, 3, 4], seed: 9)
        x.requiresGradient = true
        let y = try x.reshaped(to: [6, 4])
        #expect(!y.isLeaf)
        x.withUnsafeMutableBufferPointer { $0[5] = 42 }
        #expect(y.scalars[5] == 42)
    }
}
