import Foundation
import Testing
import TestSupport
@testable import TensorCore

/// ``Tensor/variableLengthAttention(queries:keys:values:sequenceLengths:headCount:dropoutMask:)``
/// against softmax attention computed here in Double, against the padded batched ops with an
/// additive mask, against central finite differences, and across thread counts.
struct VariableLengthAttentionTests {
    /// `softmax(Q·Kᵀ/√d)·(M ⊙ ·)·V` per (sequence, head), in Double, from the packed values.
    static func reference(_ q: [Float], _ k: [Float], _ v: [Float], lengths: [Int], heads: Int, features: Int,
                          mask: [Float]? = nil) -> [Double] {
        let d = features / heads
        var output = [Double](repeating: 0, count: q.count)
        var offset = 0, block = 0
        for length in lengths {
            for h in 0..<heads {
                for i in 0..<length {
                    var scores = [Double](repeating: 0, count: length)
                    for j in 0..<length {
                        var dot = 0.0
                        for c in 0..<d { dot += Double(q[(offset + i) * features + h * d + c]) * Double(k[(offset + j) * features + h * d + c]) }
                        scores[j] = dot / Double(d).squareRoot()
                    }
                    let maximum = scores.max() ?? 0
                    let exps = scores.map { Foundation.exp($0 - maximum) }
                    let total = exps.reduce(0, +)
                    for j in 0..<length {
                        let weight = exps[j] / total * Double(mask?[block + h * length * length + i * length + j] ?? 1)
                        for c in 0..<d { output[(offset + i) * features + h * d + c] += weight * Double(v[(offset + j) * features + h * d + c]) }
                    }
                }
            }
            offset += length
            block += heads * length * length
        }
        return output
    }

    static func inputs(tokens: Int, features: Int, seed: UInt64) -> [Tensor] {
        (0..<3).map { TestTensors.random([tokens, features], low: -1.5, high: 1.5, seed: seed + UInt64($0)) }
    }

    static let cases: [(lengths: [Int], heads: Int, headSize: Int)] = [
        ([1], 1, 3), ([4], 2, 2), ([3, 1, 5], 2, 3), ([1, 1], 3, 2), ([6, 2, 0, 3], 1, 4),
    ]

    @Test(arguments: 0..<cases.count)
    func matchesSoftmaxAttentionInDouble(index: Int) throws {
        let (lengths, heads, headSize) = Self.cases[index]
        let features = heads * headSize, tokens = lengths.reduce(0, +)
        let x = Self.inputs(tokens: tokens, features: features, seed: 10)
        let output = try Tensor.variableLengthAttention(queries: x[0], keys: x[1], values: x[2], sequenceLengths: lengths, headCount: heads)
        #expect(output.shape == [tokens, features])
        let expected = Self.reference(x[0].scalars, x[1].scalars, x[2].scalars, lengths: lengths, heads: heads, features: features)
        for (actual, wanted) in zip(output.scalars, expected) { #expect(abs(Double(actual) - wanted) < 1e-5) }
    }

    /// Heads of 40 features (a tile of 32 and a tail of 8), sequences of even and odd length
    /// (rows are computed two at a time, the last odd one alone), with and without a dropout
    /// mask: the forward that keeps the probabilities for a backward and the one that does not
    /// both match the Double reference, and each other bit for bit.
    @Test func wideHeadsWithAndWithoutABackwardMatchDouble() throws {
        let lengths = [7, 2, 33, 1], heads = 2, features = 80, tokens = lengths.reduce(0, +)
        let count = Tensor.attentionProbabilityCount(sequenceLengths: lengths, headCount: heads)
        let maskValues = (0..<count).map { Float(($0 &* 2_654_435_761) % 5 == 0 ? 0 : 1.25) }
        for mask in [nil, try Tensor(shape: [count], values: maskValues)] {
            let x = Self.inputs(tokens: tokens, features: features, seed: 30)
            let inference = try Tensor.variableLengthAttention(queries: x[0], keys: x[1], values: x[2], sequenceLengths: lengths,
                                                               headCount: heads, dropoutMask: mask)
            for tensor in x { tensor.requiresGradient = true }
            let training = try Tensor.variableLengthAttention(queries: x[0], keys: x[1], values: x[2], sequenceLengths: lengths,
                                                              headCount: heads, dropoutMask: mask)
            #expect(inference.scalars == training.scalars)
            let expected = Self.reference(x[0].scalars, x[1].scalars, x[2].scalars, lengths: lengths, heads: heads,
                                          features: features, mask: mask?.scalars)
            let error = zip(inference.scalars, expected).map { abs(Double($0) - $1) }.max() ?? .infinity
            #expect(error < 1e-5, "mask \(mask != nil): \(error)")
        }
    }

    /// The backward on heads of 40 features (a tile of 32 and a tail), with sequences of odd and
    /// even length, against central finite differences, with and without a dropout mask.
    @Test(arguments: [false, true])
    func wideHeadGradientsMatchFiniteDifferences(masked: Bool) throws {
        let lengths = [5, 2, 3], heads = 2, features = 80, tokens = lengths.reduce(0, +)
        let count = Tensor.attentionProbabilityCount(sequenceLengths: lengths, headCount: heads)
        let mask = masked ? try Tensor(shape: [count], values: (0..<count).map { Float($0 % 4 == 1 ? 0 : 4.0 / 3) }) : nil
        let error = try GradientCheck.maximumError(inputs: Self.inputs(tokens: tokens, features: features, seed: 40)) { x in
            try Tensor.variableLengthAttention(queries: x[0], keys: x[1], values: x[2], sequenceLengths: lengths, headCount: heads,
                                               dropoutMask: mask)
        }
        #expect(error < 2e-3, "masked \(masked): \(error)")
    }

    @Test(arguments: 0..<cases.count)
    func gradientsMatchFiniteDifferences(index: Int) throws {
        let (lengths, heads, headSize) = Self.cases[index]
        let features = heads * headSize, tokens = lengths.reduce(0, +)
        let error = try GradientCheck.maximumError(inputs: Self.inputs(tokens: tokens, features: features, seed: 20)) { x in
            try Tensor.variableLengthAttention(queries: x[0], keys: x[1], values: x[2], sequenceLengths: lengths, headCount: heads)
        }
        #expect(error < 2e-3, "\(lengths) heads \(heads): \(error)")
    }

    /// Inverted dropout on the probabilities: the forward uses `P ⊙ M`, the gradients match
    /// finite differences with the mask held fixed.
    @Test func dropoutMaskScalesTheProbabilities() throws {
        let lengths = [3, 1, 4], heads = 2, features = 4, tokens = 8
        let count = Tensor.attentionProbabilityCount(sequenceLengths: lengths, headCount: heads)
        #expect(count == 2 * (9 + 1 + 16))
        var generator = RandomGenerator(seed: 5)
        let mask = try Tensor(shape: [count], values: (0..<count).map { _ in generator.nextUnitFloat() < 0.3 ? Float(0) : 1 / 0.7 })
        let x = Self.inputs(tokens: tokens, features: features, seed: 30)
        let output = try Tensor.variableLengthAttention(queries: x[0], keys: x[1], values: x[2], sequenceLengths: lengths,
                                                        headCount: heads, dropoutMask: mask)
        let expected = Self.reference(x[0].scalars, x[1].scalars, x[2].scalars, lengths: lengths, heads: heads, features: features,
                                      mask: mask.scalars)
        for (actual, wanted) in zip(output.scalars, expected) { #expect(abs(Double(actual) - wanted) < 1e-5) }
        let error = try GradientCheck.maximumError(inputs: x) { x in
            try Tensor.variableLengthAttention(queries: x[0], keys: x[1], values: x[2], sequenceLengths: lengths, headCount: heads,
                                               dropoutMask: mask)
        }
        #expect(error < 2e-3)
    }

    /// A padded batch `[batch, heads, tokens, headSize]` through batchedMatmul, the additive
    /// mask and softmax gives the same real-token outputs and gradients as the packed op.
    @Test func equalsThePaddedBatchWithAnAdditiveMask() throws {
        let lengths = [5, 2, 7, 1], heads = 3, headSize = 4, features = 12, padded = 7, batch = 4
        let tokens = lengths.reduce(0, +)
        let x = Self.inputs(tokens: tokens, features: features, seed: 40)
        for tensor in x { tensor.requiresGradient = true }
        let weights = TestTensors.random([tokens, features], seed: 44)
        try (Tensor.variableLengthAttention(queries: x[0], keys: x[1], values: x[2], sequenceLengths: lengths, headCount: heads) * weights)
            .sum().backward()
        // The same values spread over a padded batch (padding rows random, masked out).
        var rowOf: [Int] = []
        for (b, length) in lengths.enumerated() { for t in 0..<length { rowOf.append(b * padded + t) } }
        func spread(_ packed: Tensor, seed: UInt64) throws -> Tensor {
            var values = TestTensors.random([batch * padded, features], seed: seed).scalars
            let source = packed.scalars
            for (n, row) in rowOf.enumerated() { for c in 0..<features { values[row * features + c] = source[n * features + c] } }
            return try Tensor(shape: [batch, padded, features], values: values, requiresGradient: true)
        }
        let paddedInputs = try x.enumerated().map { try spread($0.element, seed: 50 + UInt64($0.offset)) }
        let paddedWeights = try spread(weights, seed: 60)
        let maskValues = (0..<batch).flatMap { b in (0..<padded).map { $0 < lengths[b] ? Float(0) : -Float.greatestFiniteMagnitude } }
        let additive = try Tensor(shape: [batch, 1, 1, padded], values: maskValues)
        func heads4(_ t: Tensor) throws -> Tensor { try t.reshaped(to: [batch, padded, heads, headSize]).permuted([0, 2, 1, 3]) }
        let q = try heads4(paddedInputs[0]), k = try heads4(paddedInputs[1]), v = try heads4(paddedInputs[2])
        let p = (try q.matmul(k, transposeOther: true) * (1 / Float(headSize).squareRoot()) + additive).softmax()
        let y = try p.matmul(v).permuted([0, 2, 1, 3]).reshaped(to: [batch, padded, features])
        // Padding rows of the output are not compared: weight them by zero.
        let realWeights = paddedWeights.scalars.enumerated().map { index, value in rowOf.contains(index / features) ? value : 0 }
        try (y * (try Tensor(shape: [batch, padded, features], values: realWeights))).sum().backward()
        let packedOutput = try Tensor.variableLengthAttention(queries: x[0], keys: x[1], values: x[2], sequenceLengths: lengths, headCount: heads)
        let paddedOutput = y.scalars
        for (n, row) in rowOf.enumerated() {
            for c in 0..<features { #expect(abs(packedOutput.scalars[n * features + c] - paddedOutput[row * features + c]) < 1e-5) }
        }
        for (packed, spreadInput) in zip(x, paddedInputs) {
            let packedGradient = try #require(packed.gradient).scalars, paddedGradient = try #require(spreadInput.gradient).scalars
            for (n, row) in rowOf.enumerated() {
                for c in 0..<features { #expect(abs(packedGradient[n * features + c] - paddedGradient[row * features + c]) < 1e-5) }
            }
        }
    }

    /// Forward and every gradient are bit-identical at 1, 2 and 3 threads.
    @Test func everyThreadCountGivesTheSameBits() throws {
        let lengths = [40, 7, 33, 64, 1, 18], heads = 4, features = 64
        let tokens = lengths.reduce(0, +)
        let weights = TestTensors.random([tokens, features], seed: 71)
        var results: [[[Float]]] = []
        for threads in [1, 2, 3] {
            results.append(try ThreadCountSetting.with(threads) {
                let x = Self.inputs(tokens: tokens, features: features, seed: 70)
                for tensor in x { tensor.requiresGradient = true }
                let output = try Tensor.variableLengthAttention(queries: x[0], keys: x[1], values: x[2], sequenceLengths: lengths, headCount: heads)
                try (output * weights).sum().backward()
                return [output.scalars] + (try x.map { try #require($0.gradient).scalars })
            })
        }
        #expect(results[1] == results[0])
        #expect(results[2] == results[0])
    }

    @Test func lengthsThatDoNotCoverTheRowsThrow() throws {
        let x = Self.inputs(tokens: 5, features: 4, seed: 80)
        #expect(throws: ShapeError.self) {
            try Tensor.variableLengthAttention(queries: x[0], keys: x[1], values: x[2], sequenceLengths: [2, 2], headCount: 2)
        }
        #expect(throws: ShapeError.self) {
            try Tensor.variableLengthAttention(queries: x[0], keys: x[1], values: x[2], sequenceLengths: [5], headCount: 3)
        }
        #expect(throws: ShapeError.self) {
            try Tensor.variableLengthAttention(queries: x[0], keys: x[1], values: x[2], sequenceLengths: [5], headCount: 2,
                                               dropoutMask: Tensor(zeros: [3]))
        }
    }
}
