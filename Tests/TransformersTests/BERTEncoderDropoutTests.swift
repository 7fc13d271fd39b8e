import Adapters
import NN
import Testing
import TensorCore
import TestSupport
import Transformers

/// BERT's dropout: at Hugging Face's module paths with `config.json`'s probabilities, on in
/// training mode (a new encoder's mode), seeded and differentiable; off in evaluation mode,
/// where outputs are bit-identical whatever the generators and whatever ran before.
struct BERTEncoderDropoutTests {
    static func encoder(seed: UInt64 = 0) throws -> BERTEncoder {
        var generator = RandomGenerator(seed: seed)
        return try BERTEncoder(weights: try BERTWeights(modelFolder: try RandomBERTFolder().path), using: &generator)
    }

    static func input() throws -> BERTEncoderInput {
        BERTEncoderInput(tokenIDs: try IndexTensor(shape: [2, 5], values: [3, 4, 5, 6, 7, 8, 9, 10, 0, 0]),
                         attentionMask: try Tensor(shape: [2, 5], values: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]))
    }

    @Test func dropoutLayersSitAtTransformersPathsWithTheConfiguredProbabilities() throws {
        let config = RandomBERTFolder.configJSON.replacingOccurrences(of: "\"hidden_dropout_prob\": 0.1", with: "\"hidden_dropout_prob\": 0.25")
            .replacingOccurrences(of: "\"attention_probs_dropout_prob\": 0.1", with: "\"attention_probs_dropout_prob\": 0.05")
        let encoder = try BERTEncoder(weights: try BERTWeights(modelFolder: try RandomBERTFolder(config: config).path))
        let dropouts = encoder.namedModules().compactMap { entry in (entry.module as? Dropout).map { (entry.path, $0.probability) } }
        var expected: [(String, Float)] = [("embeddings.dropout", 0.25)]
        for layer in 0..<2 {
            expected += [("encoder.layer.\(layer).attention.self.dropout", 0.05), ("encoder.layer.\(layer).attention.output.dropout", 0.25),
                         ("encoder.layer.\(layer).output.dropout", 0.25)]
        }
        #expect(dropouts.map(\.0) == expected.map(\.0))
        #expect(dropouts.map(\.1) == expected.map(\.1))
        #expect(encoder.namedGenerators().map(\.path) == expected.map(\.0))
        #expect(encoder.namedParameters().allSatisfy { !$0.key.contains("dropout") })
    }

    @Test func evaluationIgnoresDropout() throws {
        let input = try Self.input()
        let fresh = try Self.encoder()
        #expect(fresh.isTraining && fresh.embeddings.dropout.isTraining)
        fresh.eval()
        #expect(!fresh.encoder.layers[1].attention.selfAttention.dropout.isTraining)
        let reference = try fresh(input).scalars, pooledReference = try fresh.pooledHiddenState(input, pooling: .mean).scalars
        let other = try Self.encoder(seed: 99)
        other.train()
        _ = try other(input)
        _ = try other.pooledHiddenState(input, pooling: .mean)
        other.eval()
        #expect(try other(input).scalars == reference)
        #expect(try other.pooledHiddenState(input, pooling: .mean).scalars == pooledReference)
    }

    /// Training-mode outputs differ from evaluation, are reproduced by an encoder built from the
    /// same seed, differ for another seed, and pass gradients to the adapters.
    @Test(arguments: [false, true])
    func trainingModeDropsSeededAndDifferentiably(packed: Bool) throws {
        let input = try Self.input()
        func output(seed: UInt64, training: Bool) throws -> (values: [Float], gradients: [[Float]]) {
            let encoder = try Self.encoder(seed: seed)
            var generator = RandomGenerator(seed: 4)
            try AdapterInjection.inject(LoRAConfiguration(rank: 2, alpha: 4, targetModules: ["query", "value"]), into: encoder, using: &generator)
            for (key, parameter) in encoder.namedParameters() where key.hasSuffix("lora_B.weight") {
                try parameter.assign(Tensor.uniform(parameter.shape, low: -0.2, high: 0.2, using: &generator))
            }
            encoder.train(training)
            let result = packed ? try encoder.pooledHiddenState(input, pooling: .mean)
                                : try Tensor.maskedMeanPooling(try encoder(input), mask: input.attentionMask)
            try (result * TestTensors.random(result.shape, seed: 3)).sum().backward()
            return (result.scalars, try encoder.trainableParameters().map { try #require($0.gradient).scalars })
        }
        let evaluation = try output(seed: 1, training: false)
        let training = try output(seed: 1, training: true)
        let again = try output(seed: 1, training: true)
        let otherSeed = try output(seed: 2, training: true)
        #expect(training.values != evaluation.values)
        #expect(training.values == again.values && training.gradients == again.gradients)
        #expect(training.values != otherSeed.values)
        #expect(training.gradients.count == 8)
        #expect(training.gradients.allSatisfy { gradient in gradient.allSatisfy(\.isFinite) && gradient.contains { $0 != 0 } })
        #expect(training.gradients != evaluation.gradients)
    }
}
