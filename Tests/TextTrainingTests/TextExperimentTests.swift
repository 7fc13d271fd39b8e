import Foundation
import NN
import TensorCore
import Testing
import TestSupport
import TextTraining
import Tokenizers
import Training
import Transformers

@Suite("Text experiment and embeddings")
struct TextExperimentTests {
    @Test("The experiment runs probe, LoRA and DoRA with the same fresh head and counts their parameters")
    func experimentRunsThreeMethods() throws {
        let fixture = try TextFixture(trainingCount: 32, testCount: 12)
        defer { fixture.folder.remove() }
        var starts: [(TextMethod, Int)] = []
        var heads: [[Float]] = []
        let experiment = TextExperiment(configuration: TextExperimentConfiguration(), trainingData: fixture.training,
                                        testData: fixture.test) {
            let classifier = try fixture.classifier(seed: 9)
            heads.append(classifier.head.weight.scalars)
            return classifier
        }
        experiment.onMethodStart = { starts.append(($0, $1.trainable)) }
        let results = try experiment.run()
        #expect(results.map(\.method) == [.probe, .lora, .dora])
        // Head 32·3 + 3; LoRA r = 8 on query and value of 2 layers: 4·(8·32 + 32·8); DoRA adds 32 magnitudes each.
        #expect(results.map(\.trainableParameters) == [99, 99 + 2048, 99 + 2048 + 128])
        #expect(starts.map(\.1) == [99, 2147, 2275])
        #expect(heads.count == 3 && heads.allSatisfy { $0 == heads[0] })
        for result in results {
            #expect(result.epochs.count == 1)
            #expect(result.test.sampleCount == 12)
            #expect(result.seconds >= result.trainingSeconds)
            #expect(abs(result.testAccuracy - result.test.accuracy * 100) < 1e-9)
        }
    }

    @Test("Embeddings are each text's normalised mean-pooled state, in order, in any batch size")
    func embeddingsMatchTextsAlone() throws {
        let folder = try TinyBERTFolder()
        defer { folder.remove() }
        let encoder = try BERTEncoder(weights: BERTWeights(modelFolder: folder.path))
        encoder.eval()  // the texts alone below, without dropout, as the embedder runs
        let tokenizer = try WordPieceTokenizer(modelFolder: folder.path)
        let texts = TinyBERTFolder.sentences(count: 9).map(\.text) + ["good"]
        var embedder = SentenceEmbedder(encoder: encoder, tokenizer: tokenizer, maximumLength: 6, batchSize: 4)
        var rows: [[Float]] = []
        try embedder.embed(texts) { first, values in
            #expect(first == rows.count)
            for row in 0..<(values.count / 32) { rows.append(Array(values[row * 32..<(row + 1) * 32])) }
        }
        #expect(rows.count == texts.count)
        for (text, row) in zip(texts, rows) {
            let alone = try tokenizer.encodeBatch([text], maximumLength: 6)
            let input = BERTEncoderInput(tokenIDs: try IndexTensor(shape: [1, alone.sequenceLength], values: alone.inputIDs),
                                         attentionMask: try Tensor(shape: [1, alone.sequenceLength], values: alone.attentionMask.map(Float.init)))
            let expected = try withoutGradients { try encoder.sentenceEmbedding(input) }.scalars
            #expect(abs(row.map { Double($0 * $0) }.reduce(0, +) - 1) < 1e-5)
            for (a, b) in zip(row, expected) { #expect(abs(a - b) <= 1e-5) }
        }
        embedder.maximumLength = 1
        #expect(throws: EmbeddingSettingError.self) { try embedder.embed(texts) { _, _ in } }
    }
}
