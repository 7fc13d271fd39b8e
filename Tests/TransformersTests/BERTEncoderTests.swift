import NN
import Testing
import TensorCore
import TestSupport
import Transformers

/// ``BERTEncoder`` on a small random BERT (2 layers, hidden 32, 4 heads): the module paths
/// and parameter keys are Hugging Face's, the shapes are right, padding does not change the
/// real tokens' outputs, and gradients reach the query projection.
struct BERTEncoderTests {
    static func encoder() throws -> BERTEncoder {
        let folder = try RandomBERTFolder()
        let encoder = try BERTEncoder(weights: try BERTWeights(modelFolder: folder.path))
        encoder.eval()
        return encoder
    }

    @Test func theModulePathsAreHuggingFaces() throws {
        let encoder = try Self.encoder()
        var expected = ["", "embeddings", "embeddings.word_embeddings", "embeddings.position_embeddings",
                        "embeddings.token_type_embeddings", "embeddings.LayerNorm", "embeddings.dropout", "encoder", "encoder.layer"]
        for layer in 0..<2 {
            let base = "encoder.layer.\(layer)"
            expected += [base, base + ".attention", base + ".attention.self", base + ".attention.self.query",
                         base + ".attention.self.key", base + ".attention.self.value", base + ".attention.self.dropout",
                         base + ".attention.output", base + ".attention.output.dense", base + ".attention.output.LayerNorm",
                         base + ".attention.output.dropout", base + ".intermediate", base + ".intermediate.dense", base + ".output",
                         base + ".output.dense", base + ".output.LayerNorm", base + ".output.dropout"]
        }
        #expect(encoder.namedModules().map(\.path) == expected)
        #expect(encoder.module(at: "encoder.layer.1.attention.self.value") is Linear)
        #expect(encoder.module(at: "encoder.layer.0.output.dense") is Linear)
    }

    @Test func theParameterKeysAreTheStateDictKeysInOrder() throws {
        let encoder = try Self.encoder()
        let weights = try BERTWeights(modelFolder: try RandomBERTFolder().path)
        let expected = weights.namedTensors.map(\.name).filter { !$0.hasPrefix("pooler.") }
        #expect(encoder.namedParameters().map(\.key) == expected)
        let values = RandomBERTFolder.values
        for (key, parameter) in encoder.namedParameters() {
            #expect(parameter.scalars == values[key], "\(key)")
        }
    }

    @Test func aProjectionCanBeReplacedByPath() throws {
        let encoder = try Self.encoder()
        let attention = try #require(encoder.module(at: "encoder.layer.0.attention.self"))
        var generator = RandomGenerator(seed: 3)
        let replacement = Linear(inFeatures: 32, outFeatures: 32, using: &generator)
        try attention.replaceChild(named: "query", with: replacement)
        #expect(encoder.module(at: "encoder.layer.0.attention.self.query") === replacement)
    }

    @Test func theOutputsHaveTheRightShapes() throws {
        let encoder = try Self.encoder()
        let ids = try IndexTensor(shape: [2, 5], values: [1, 7, 9, 3, 2, 1, 4, 2, 0, 0])
        let mask = try Tensor(shape: [2, 5], values: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0])
        let input = BERTEncoderInput(tokenIDs: ids, attentionMask: mask)
        let states = try encoder.hiddenStates(input)
        #expect(states.count == 3)
        #expect(states.map(\.shape) == [Shape](repeating: [2, 5, 32], count: 3))
        #expect(try encoder(input).shape == [2, 5, 32])
        let embedding = try encoder.sentenceEmbedding(input)
        #expect(embedding.shape == [2, 32])
        for row in 0..<2 {
            let norm = embedding.scalars[row * 32 ..< row * 32 + 32].reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
        #expect(throws: ShapeError.self) {
            try encoder(BERTEncoderInput(tokenIDs: ids, attentionMask: try Tensor(shape: [2, 4], values: [Float](repeating: 1, count: 8))))
        }
    }

    /// A row padded with two extra tokens gives, on its real tokens, the outputs of the same
    /// row alone without padding: the mask hides the padding from every query.
    @Test func paddingDoesNotChangeTheRealTokens() throws {
        let encoder = try Self.encoder()
        let alone = try encoder(BERTEncoderInput(tokenIDs: try IndexTensor(shape: [1, 3], values: [5, 11, 2]),
                                                 attentionMask: try Tensor(shape: [1, 3], values: [1, 1, 1])))
        // The padding ids (17, 23) are not the pad id on purpose: only the mask may hide them.
        let padded = try encoder(BERTEncoderInput(tokenIDs: try IndexTensor(shape: [2, 5], values: [8, 9, 10, 12, 13, 5, 11, 2, 17, 23]),
                                                  attentionMask: try Tensor(shape: [2, 5], values: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0])))
        let realTokens = Array(padded.scalars[5 * 32 ..< 5 * 32 + 3 * 32])
        let difference = zip(realTokens, alone.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(difference < 1e-5)
        // Without the mask the padding tokens are attended to and the outputs change.
        let unmasked = try encoder(BERTEncoderInput(tokenIDs: try IndexTensor(shape: [1, 5], values: [5, 11, 2, 17, 23]),
                                                    attentionMask: try Tensor(shape: [1, 5], values: [1, 1, 1, 1, 1])))
        let unmaskedDifference = zip(unmasked.scalars.prefix(3 * 32), alone.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(unmaskedDifference > 1e-3)
        #expect(try BERTEncoder.additiveMask(try Tensor(shape: [1, 3], values: [1, 0, 1])).scalars == [0, -Float.greatestFiniteMagnitude, 0])
    }

    /// Backward through the whole encoder to layer 0's query weight agrees with central
    /// finite differences of the sentence embedding.
    @Test func gradientsReachTheQueryWeight() throws {
        let encoder = try Self.encoder()
        let query = try #require(encoder.namedParameters().first { $0.key == "encoder.layer.0.attention.self.query.weight" }).parameter
        let input = BERTEncoderInput(tokenIDs: try IndexTensor(shape: [2, 4], values: [3, 4, 5, 6, 7, 8, 0, 0]),
                                     attentionMask: try Tensor(shape: [2, 4], values: [1, 1, 1, 1, 1, 1, 0, 0]))
        let error = try GradientCheck.maximumError(inputs: [query]) { _ in try encoder.sentenceEmbedding(input) }
        let gradient = try #require(query.gradient)
        #expect(gradient.shape == [32, 32])
        #expect(gradient.scalars.contains { abs($0) > 1e-4 })
        #expect(error < 1e-3, "\(error)")
    }
}
