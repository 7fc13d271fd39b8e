import Adapters
import NN
import Testing
import TensorCore
import TestSupport
import Transformers

/// The packed real-token path of ``BERTEncoder`` (``BERTPackedBatch``,
/// ``BERTEncoder/packedLastHiddenState(_:)``, ``BERTEncoder/pooledHiddenState(_:pooling:)``)
/// against the padded path on a small random BERT: outputs and adapter gradients within
/// 1e-5, and bit-identical results at 1, 2 and 3 threads.
struct BERTPackedEncoderTests {
    /// Rows of 6, 1, 4 and 3 real tokens (one with a hole: left padding) padded to 6.
    static func input() throws -> BERTEncoderInput {
        let mask: [Float] = [1, 1, 1, 1, 1, 1,
                             1, 0, 0, 0, 0, 0,
                             1, 1, 1, 1, 0, 0,
                             0, 0, 0, 1, 1, 1]
        let ids = (0..<24).map { mask[$0] == 0 ? 0 : 3 + ($0 * 7) % 40 }
        return BERTEncoderInput(tokenIDs: try IndexTensor(shape: [4, 6], values: ids), attentionMask: try Tensor(shape: [4, 6], values: mask))
    }

    /// A random BERT with LoRA (B made non-zero) on every Linear, so gradients reach every layer.
    static func adaptedEncoder() throws -> BERTEncoder {
        let encoder = try BERTEncoder(weights: try BERTWeights(modelFolder: try RandomBERTFolder().path))
        var generator = RandomGenerator(seed: 21)
        try AdapterInjection.inject(LoRAConfiguration(rank: 2, alpha: 4, targetModules: ["query", "key", "value", "dense"]),
                                    into: encoder, using: &generator)
        for (key, parameter) in encoder.namedParameters() where key.hasSuffix("lora_B.weight") {
            try parameter.assign(Tensor.uniform(parameter.shape, low: -0.2, high: 0.2, using: &generator))
        }
        encoder.eval()
        return encoder
    }

    @Test func packingKeepsTheRealTokensInOrder() throws {
        let batch = try BERTPackedBatch(try Self.input())
        #expect(batch.sequenceLengths == [6, 1, 4, 3])
        #expect(batch.tokenCount == 14)
        #expect(batch.paddedIndices == [0, 1, 2, 3, 4, 5, 6, 12, 13, 14, 15, 21, 22, 23])
        #expect(batch.positionIDs.values == [0, 1, 2, 3, 4, 5, 0, 0, 1, 2, 3, 3, 4, 5])
        let mean = batch.poolingMatrix(.mean).scalars
        #expect(mean[0 * 14 + 5] == 1 / Float(6) && mean[2 * 14 + 7] == 0.25 && mean[3 * 14 + 10] == 0)
        #expect(batch.poolingMatrix(.first).scalars.enumerated().filter { $0.element != 0 }.map(\.offset) == [0, 14 + 6, 28 + 7, 42 + 11])
    }

    @Test func packedHiddenStatesEqualThePaddedOnes() throws {
        let encoder = try Self.adaptedEncoder(), input = try Self.input()
        let batch = try BERTPackedBatch(input)
        let padded = try encoder.hiddenStates(input), packed = try encoder.packedHiddenStates(batch)
        #expect(packed.count == padded.count)
        for (packedState, paddedState) in zip(packed, padded) {
            #expect(packedState.shape == [14, 32])
            let spread = try batch.padded(packedState).scalars, reference = paddedState.scalars
            for index in batch.paddedIndices {
                for feature in 0..<32 { #expect(abs(spread[index * 32 + feature] - reference[index * 32 + feature]) < 1e-5) }
            }
        }
        #expect(try encoder.packedLastHiddenState(batch).scalars == packed[packed.count - 1].scalars)
    }

    /// Mean and first-token pooling on the packed path against pooling the padded output,
    /// values and every adapter gradient.
    @Test(arguments: [TokenPooling.mean, .first])
    func pooledOutputsAndGradientsEqualThePaddedPath(pooling: TokenPooling) throws {
        let input = try Self.input()
        let weighting = TestTensors.random([4, 32], seed: 5)
        func run(packed: Bool) throws -> (pooled: [Float], gradients: [String: [Float]]) {
            let encoder = try Self.adaptedEncoder()
            let pooled: Tensor
            if packed {
                pooled = try encoder.pooledHiddenState(input, pooling: pooling)
            } else if pooling == .mean {
                pooled = try Tensor.maskedMeanPooling(try encoder(input), mask: input.attentionMask)
            } else {
                // The first real token of each row: positions 0, 0, 0 and 3.
                let selector = try Tensor(shape: [4, 24], values: (0..<96).map { [0, 30, 60, 93].contains($0) ? Float(1) : 0 })
                pooled = try selector.matmul(try encoder(input).reshaped(to: [24, 32]))
            }
            try (pooled * weighting).sum().backward()
            var gradients: [String: [Float]] = [:]
            for (key, parameter) in encoder.namedParameters() where parameter.requiresGradient {
                gradients[key] = try #require(parameter.gradient).scalars
            }
            return (pooled.scalars, gradients)
        }
        let packed = try run(packed: true), padded = try run(packed: false)
        #expect(packed.pooled.count == 4 * 32)
        for (a, b) in zip(packed.pooled, padded.pooled) { #expect(abs(a - b) < 1e-5) }
        #expect(packed.gradients.count == padded.gradients.count && packed.gradients.count == 2 * 6 * 2)
        for (key, gradient) in packed.gradients {
            let reference = try #require(padded.gradients[key])
            let largest = gradient.map(abs).max() ?? 0
            #expect(largest > 0, "\(key)")
            for (a, b) in zip(gradient, reference) { #expect(abs(a - b) < 1e-5 * max(1, largest), "\(key)") }
        }
    }

    @Test func sentenceEmbeddingsAreTheNormalisedMaskedMean() throws {
        let encoder = try Self.adaptedEncoder(), input = try Self.input()
        let reference = try Tensor.maskedMeanPooling(try encoder(input), mask: input.attentionMask).l2Normalized().scalars
        for (a, b) in zip(try encoder.sentenceEmbedding(input).scalars, reference) { #expect(abs(a - b) < 1e-5) }
    }

    /// Training mode (dropout on) and evaluation mode, forward and gradients: the same bits at
    /// 1, 2 and 3 threads.
    @Test(arguments: [false, true])
    func everyThreadCountGivesTheSameBits(training: Bool) throws {
        let ids = (0..<8 * 16).map { 3 + ($0 * 11) % 45 }
        let lengths = [16, 3, 9, 1, 12, 16, 7, 5]
        let mask = (0..<8 * 16).map { Float($0 % 16 < lengths[$0 / 16] ? 1 : 0) }
        let input = BERTEncoderInput(tokenIDs: try IndexTensor(shape: [8, 16], values: ids), attentionMask: try Tensor(shape: [8, 16], values: mask))
        var results: [[[Float]]] = []
        for threads in [1, 2, 3] {
            results.append(try ThreadCountSetting.with(threads) {
                let encoder = try Self.adaptedEncoder()
                encoder.train(training)
                let pooled = try encoder.pooledHiddenState(input, pooling: .mean)
                try (pooled * TestTensors.random([8, 32], seed: 9)).sum().backward()
                return [pooled.scalars] + (try encoder.trainableParameters().map { try #require($0.gradient).scalars })
            })
        }
        #expect(results[1] == results[0])
        #expect(results[2] == results[0])
    }
}
