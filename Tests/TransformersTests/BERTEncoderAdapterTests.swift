import Adapters
import NN
import Testing
import TensorCore
import TestSupport
import Transformers

/// LoRA injected into ``BERTEncoder`` by PEFT's module names reaches the attention
/// projections, leaves a fresh model's outputs unchanged (PEFT's B = 0) and trains.
struct BERTEncoderAdapterTests {
    @Test func loRAReachesQueryAndValueByName() throws {
        let encoder = try BERTEncoder(weights: try BERTWeights(modelFolder: try RandomBERTFolder().path))
        encoder.eval()
        let input = BERTEncoderInput(tokenIDs: try IndexTensor(shape: [2, 4], values: [3, 4, 5, 6, 7, 8, 0, 0]),
                                     attentionMask: try Tensor(shape: [2, 4], values: [1, 1, 1, 1, 1, 1, 0, 0]))
        let before = try encoder(input).scalars
        var generator = RandomGenerator(seed: 11)
        let adapters = try AdapterInjection.inject(LoRAConfiguration(rank: 4, alpha: 8, targetModules: ["query", "value"]),
                                                   into: encoder, using: &generator)
        #expect(adapters.map(\.path) == ["encoder.layer.0.attention.self.query", "encoder.layer.0.attention.self.value",
                                         "encoder.layer.1.attention.self.query", "encoder.layer.1.attention.self.value"])
        #expect(try encoder(input).scalars == before)
        let trainable = encoder.namedParameters().filter { $0.parameter.requiresGradient }
        #expect(trainable.count == 8)
        let weighting = try Tensor(shape: [2, 32], values: (0..<64).map { Float($0 % 5) - 2 })
        try (encoder.sentenceEmbedding(input) * weighting).sum().backward()
        for (key, parameter) in trainable {
            #expect(parameter.gradient != nil, "\(key)")
        }
        let loRAB = trainable.filter { $0.key.contains("lora_B") }
        #expect(loRAB.count == 4)
        #expect(loRAB.allSatisfy { entry in entry.parameter.gradient?.scalars.contains { abs($0) > 0 } ?? false })
    }
}
