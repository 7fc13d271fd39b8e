import Foundation
import SafeTensors
import Testing
import TensorCore
import TestSupport
import Tokenizers
import Transformers

/// The real all-MiniLM-L6-v2 folder against the fixtures' PyTorch activations: the weights
/// load, the tokenizer gives the fixture batch, and the embedding LayerNorm, the attention
/// output LayerNorm, the feed-forward block (exact GELU), mean pooling and L2 normalisation
/// reproduce transformers' values from the fixture's own inputs to each step.
@Suite(.enabled(if: MiniLMFixtures.modelFolder != nil, Comment(rawValue: MiniLMFixtures.skipReason)))
struct MiniLMModelTests {
    static let hidden = 384

    static func weights() throws -> BERTWeights {
        try BERTWeights(modelFolder: try #require(MiniLMFixtures.modelFolder))
    }

    /// `encoder.safetensors` of `folder` (the bundled fixture folder by default).
    static func fixture(_ folder: URL = MiniLMFixtures.directory) throws -> SafeTensorsFile {
        try SafeTensorsFile(path: folder.appendingPathComponent("encoder.safetensors").path)
    }

    /// A fixture activation as a tensor of the given shape.
    static func activation(_ name: String, _ shape: Shape, folder: URL = MiniLMFixtures.directory) throws -> Tensor {
        try Tensor(shape: shape, values: try fixture(folder).floats(named: name))
    }

    static func maximumDifference(_ lhs: Tensor, _ rhs: Tensor) -> Float {
        zip(lhs.scalars, rhs.scalars).map { abs($0 - $1) }.max() ?? 0
    }

    @Test func theWeightsLoadAndMatchTheFile() throws {
        let folder = try #require(MiniLMFixtures.modelFolder)
        let file = try SafeTensorsFile(path: folder + "/model.safetensors")
        #expect(file.tensors.count == 104)
        let weights = try Self.weights()
        #expect(weights.configuration == BERTConfiguration(vocabularySize: 30522, hiddenSize: 384, layerCount: 6, attentionHeadCount: 12,
                                                           intermediateSize: 1536, maximumPositions: 512, typeVocabularySize: 2,
                                                           layerNormEpsilon: 1e-12, paddingTokenID: 0))
        let named = weights.namedTensors
        // Every tensor of the file but the I64 position ids, each with the file's values.
        #expect(named.count == 103)
        #expect(Set(named.map(\.name)) == Set(file.names).subtracting(["embeddings.position_ids"]))
        for (name, tensor) in named {
            #expect(tensor.shape.dimensions == (try file.info(named: name)).shape, "\(name)")
        }
        #expect(weights.layers[5].output.weight.scalars == (try file.floats(named: "encoder.layer.5.output.dense.weight")))
    }

    @Test(arguments: MiniLMFixtureFolder.all)
    func theTokenizerGivesTheFixtureBatch(_ folder: MiniLMFixtureFolder) throws {
        let fixture = try Self.fixture(folder.url)
        let sentences = try JSONSerialization.jsonObject(with: Data(try #require(fixture.metadata["sentences"]).utf8)) as? [String]
        let tokenizer = try WordPieceTokenizer(modelFolder: try #require(MiniLMFixtures.modelFolder))
        let batch = try tokenizer.encodeBatch(try #require(sentences), maximumLength: try folder.maximumLength())
        #expect(batch.inputIDs == (try fixture.int64s(named: "input_ids")).map { Int($0) })
        #expect(batch.attentionMask == (try fixture.int64s(named: "attention_mask")).map { Int($0) })
    }

    /// `LN(word[ids] + position[t] + type[0])` with a plain row gather.
    @Test(arguments: MiniLMFixtureFolder.all)
    func theEmbeddingLayerNormMatchesTransformers(_ folder: MiniLMFixtureFolder) throws {
        let weights = try Self.weights(), fixture = try Self.fixture(folder.url)
        let ids = try fixture.int64s(named: "input_ids").map { Int($0) }
        let (batch, tokens) = try folder.batchShape(), hidden = Self.hidden
        let word = weights.embeddings.wordEmbeddings.scalars, position = weights.embeddings.positionEmbeddings.scalars
        let type = weights.embeddings.tokenTypeEmbeddings.scalars
        var summed = [Float](repeating: 0, count: batch * tokens * hidden)
        for row in 0..<batch {
            for token in 0..<tokens {
                let id = ids[row * tokens + token], offset = (row * tokens + token) * hidden
                for d in 0..<hidden { summed[offset + d] = word[id * hidden + d] + position[token * hidden + d] + type[d] }
            }
        }
        let embedded = try Tensor.layerNormalization(try Tensor(shape: [batch, tokens, hidden], values: summed),
                                                     weight: weights.embeddings.layerNorm.weight, bias: weights.embeddings.layerNorm.bias,
                                                     epsilon: weights.configuration.layerNormEpsilon)
        let expected = try Self.activation("embedding_output", [batch, tokens, 384], folder: folder.url)
        #expect(Self.maximumDifference(embedded, expected) < 1e-4)
    }

    /// Layer 0 after its attention: `a = LN(ctx·Woᵀ + bo + x)`, then
    /// `i = gelu(a·Wiᵀ + bi)`, `y = LN(i·Wo2ᵀ + bo2 + a)`, each from the fixture's own input.
    @Test(arguments: MiniLMFixtureFolder.all)
    func layerZerosDenseBlocksMatchTransformers(_ folder: MiniLMFixtureFolder) throws {
        let weights = try Self.weights(), layer = weights.layers[0], epsilon = weights.configuration.layerNormEpsilon
        let (batch, tokens) = try folder.batchShape(), rows = batch * tokens
        let context = try Self.activation("layer0.attention_context", [rows, 384], folder: folder.url)
        let input = try Self.activation("embedding_output", [rows, 384], folder: folder.url)
        let attentionOutput = try Tensor.layerNormalization(
            try Tensor.linear(context, weight: layer.attentionOutput.weight, bias: layer.attentionOutput.bias) + input,
            weight: layer.attentionLayerNorm.weight, bias: layer.attentionLayerNorm.bias, epsilon: epsilon)
        #expect(Self.maximumDifference(attentionOutput, try Self.activation("layer0.attention_output", [rows, 384], folder: folder.url)) < 1e-4)

        let a = try Self.activation("layer0.attention_output", [rows, 384], folder: folder.url)
        let intermediate = try Tensor.linear(a, weight: layer.intermediate.weight, bias: layer.intermediate.bias).gelu()
        #expect(Self.maximumDifference(intermediate, try Self.activation("layer0.intermediate_output", [rows, 1536], folder: folder.url)) < 1e-4)

        let i = try Self.activation("layer0.intermediate_output", [rows, 1536], folder: folder.url)
        let output = try Tensor.layerNormalization(
            try Tensor.linear(i, weight: layer.output.weight, bias: layer.output.bias) + a,
            weight: layer.outputLayerNorm.weight, bias: layer.outputLayerNorm.bias, epsilon: epsilon)
        #expect(Self.maximumDifference(output, try Self.activation("layer0_output", [rows, 384], folder: folder.url)) < 1e-4)
    }

    /// sentence-transformers' pooling and normalisation of the fixture's last hidden state.
    @Test(arguments: MiniLMFixtureFolder.all)
    func poolingAndNormalisationMatchSentenceTransformers(_ folder: MiniLMFixtureFolder) throws {
        let fixture = try Self.fixture(folder.url), (batch, tokens) = try folder.batchShape()
        let mask = try Tensor(shape: [batch, tokens], values: try fixture.int64s(named: "attention_mask").map { Float($0) })
        let pooled = try Tensor.maskedMeanPooling(try Self.activation("last_hidden_state", [batch, tokens, 384], folder: folder.url), mask: mask)
        #expect(Self.maximumDifference(pooled, try Self.activation("mean_pooled", [batch, 384], folder: folder.url)) < 1e-4)
        #expect(Self.maximumDifference(pooled.l2Normalized(), try Self.activation("sentence_embedding", [batch, 384], folder: folder.url)) < 1e-5)
    }
}

/// Fails when `MINILM_MODEL` (or the default location) holds a file that is not the expected
/// model, rather than skipping the tests above silently.
struct MiniLMModelLocationTests {
    @Test func aModelFolderThatIsPresentHasTheExpectedWeights() {
        if case let .wrongFile(reason) = MiniLMFixtures.model { Issue.record(Comment(rawValue: reason)) }
    }
}
