import NN
import SafeTensors
import Testing
import TensorCore
import TestSupport
import Transformers

/// The whole all-MiniLM-L6-v2 encoder on the fixture batch (4 sentences padded to 21
/// tokens) against transformers' activations: the embedding output, every layer's output,
/// and sentence-transformers' pooled and normalised embeddings, all within 1e-4.
@Suite(.enabled(if: MiniLMFixtures.modelFolder != nil, Comment(rawValue: MiniLMFixtures.skipReason)))
struct MiniLMEncoderTests {
    static func encoderAndInput() throws -> (BERTEncoder, BERTEncoderInput) {
        let fixture = try MiniLMModelTests.fixture()
        let ids = try IndexTensor(shape: [4, 21], values: try fixture.int64s(named: "input_ids").map { Int($0) })
        let mask = try Tensor(shape: [4, 21], values: try fixture.int64s(named: "attention_mask").map { Float($0) })
        let encoder = try BERTEncoder(weights: try MiniLMModelTests.weights())
        encoder.eval()
        return (encoder, BERTEncoderInput(tokenIDs: ids, attentionMask: mask))
    }

    /// Every fixture folder's batch (``MiniLMFixtures/directories``): each layer's output and
    /// the pooled and normalised embeddings within 1e-4, with the batch shape read from the file.
    @Test(arguments: MiniLMFixtureFolder.all)
    func everyLayerMatchesTransformers(_ folder: MiniLMFixtureFolder) throws {
        let encoder = try BERTEncoder(weights: try MiniLMModelTests.weights()), input = try folder.input()
        encoder.eval()
        let (batch, tokens) = try folder.batchShape()
        if folder.url == MiniLMFixtures.directory { #expect(batch == 4 && tokens == 21) }
        let states = try encoder.hiddenStates(input)
        #expect(states.count == 7)
        let names = ["embedding_output"] + (0..<5).map { "layer\($0)_output" } + ["last_hidden_state"]
        for (state, name) in zip(states, names) {
            #expect(state.shape == [batch, tokens, 384], "\(name)")
            let difference = MiniLMModelTests.maximumDifference(state, try folder.activation(name))
            #expect(difference < 1e-4, "\(folder.testDescription) \(name): \(difference)")
        }
        #expect(try encoder(input).scalars == states[6].scalars)
    }

    @Test(arguments: MiniLMFixtureFolder.all)
    func theSentenceEmbeddingsMatchSentenceTransformers(_ folder: MiniLMFixtureFolder) throws {
        let encoder = try BERTEncoder(weights: try MiniLMModelTests.weights()), input = try folder.input()
        encoder.eval()
        let batch = try folder.batchShape().batch
        let pooled = try Tensor.maskedMeanPooling(try encoder(input), mask: input.attentionMask)
        #expect(MiniLMModelTests.maximumDifference(pooled, try folder.activation("mean_pooled")) < 1e-4)
        #expect(MiniLMModelTests.maximumDifference(try encoder.pooledHiddenState(input, pooling: .mean), try folder.activation("mean_pooled")) < 1e-4)
        let embedding = try encoder.sentenceEmbedding(input)
        #expect(embedding.shape == [batch, 384])
        #expect(MiniLMModelTests.maximumDifference(embedding, try folder.activation("sentence_embedding")) < 1e-4)
    }

    /// The module tree's paths and parameter keys are transformers' (the file's names).
    @Test func theParameterKeysAreTheStateDictKeys() throws {
        let (encoder, _) = try Self.encoderAndInput()
        let folder = try #require(MiniLMFixtures.modelFolder)
        let file = try SafeTensorsFile(path: folder + "/model.safetensors")
        let expected = Set(file.names).subtracting(["embeddings.position_ids", "pooler.dense.weight", "pooler.dense.bias"])
        let keys = encoder.namedParameters().map(\.key)
        #expect(keys.count == expected.count)
        #expect(Set(keys) == expected)
        for (key, parameter) in encoder.namedParameters() {
            #expect(parameter.shape.dimensions == (try file.info(named: key)).shape, "\(key)")
        }
    }
}
