import SafeTensors
import Testing
import TensorCore
import TestSupport
import Transformers

/// Layer 0's self-attention of the real all-MiniLM-L6-v2, built from the rank-3/4 ops
/// (`linear` on `[batch, tokens, hidden]`, `reshaped`, `permuted`, batched `matmul`, a
/// broadcast mask add, `softmax`) and the embedding gather, against transformers' values.
@Suite(.enabled(if: MiniLMFixtures.modelFolder != nil, Comment(rawValue: MiniLMFixtures.skipReason)))
struct MiniLMAttentionTests {
    @Test(arguments: MiniLMFixtureFolder.all)
    func layerZerosAttentionMatchesTransformers(_ folder: MiniLMFixtureFolder) throws {
        let weights = try MiniLMModelTests.weights(), fixture = try MiniLMModelTests.fixture(folder.url), layer = weights.layers[0]
        let (batch, tokens) = try folder.batchShape(), (heads, headSize) = (12, 32)
        let input = try MiniLMModelTests.activation("embedding_output", [batch, tokens, heads * headSize], folder: folder.url)
        func split(_ projection: LinearWeights) throws -> Tensor {
            try Tensor.linear(input, weight: projection.weight, bias: projection.bias)
                .reshaped(to: [batch, tokens, heads, headSize]).permuted([0, 2, 1, 3])
        }
        let query = try split(layer.query), key = try split(layer.key), value = try split(layer.value)
        // transformers' additive mask: 0 where attended, the lowest Float where padded.
        let mask = try fixture.int64s(named: "attention_mask").map { $0 == 1 ? Float(0) : -Float.greatestFiniteMagnitude }
        let scores = try query.matmul(key, transposeOther: true) * (1 / Float(headSize).squareRoot())
        let probabilities = try (scores + Tensor(shape: [batch, 1, 1, tokens], values: mask)).softmax()
        #expect(MiniLMModelTests.maximumDifference(probabilities, try MiniLMModelTests.activation("layer0.attention_probs", [batch, heads, tokens, tokens], folder: folder.url)) < 1e-4)
        let context = try probabilities.matmul(value).permuted([0, 2, 1, 3]).reshaped(to: [batch, tokens, heads * headSize])
        #expect(MiniLMModelTests.maximumDifference(context, try MiniLMModelTests.activation("layer0.attention_context", [batch, tokens, heads * headSize], folder: folder.url)) < 1e-4)
    }

    @Test func theEmbeddingGatherReadsTheWordTable() throws {
        let weights = try MiniLMModelTests.weights(), fixture = try MiniLMModelTests.fixture()
        let ids = try IndexTensor(shape: [4, 21], values: try fixture.int64s(named: "input_ids").map { Int($0) })
        let gathered = try Tensor.embedding(ids, weight: weights.embeddings.wordEmbeddings)
        #expect(gathered.shape == [4, 21, 384])
        let table = weights.embeddings.wordEmbeddings.scalars, first = Int(ids.values[0])
        #expect(Array(gathered.scalars[0..<384]) == Array(table[first * 384 ..< first * 384 + 384]))
    }
}
