import Adapters
import Foundation
import NN
import TensorCore
import TestSupport
import TextTraining
import Tokenizers
import Training
import Transformers

/// A mean-pooling classifier for the driver's tests: `logits = masked_mean(encoder(x))·Wᵀ + b`.
final class MeanPoolingTestClassifier: TextClassifier {
    @Child var bert: BERTEncoder
    @Child var classifier: Linear
    let classCount: Int

    init(folder: String, classCount: Int, seed: UInt64) throws {
        bert = try BERTEncoder(weights: BERTWeights(modelFolder: folder))
        var generator = RandomGenerator(seed: seed)
        classifier = Linear(inFeatures: TinyBERTFolder.hiddenSize, outFeatures: classCount, using: &generator)
        self.classCount = classCount
    }

    var encoder: BERTEncoder { bert }
    var headModules: [any Module] { [classifier] }

    func injectAdapters(_ configuration: LoRAConfiguration, using generator: inout RandomGenerator) throws
        -> [(path: String, adapter: any AdapterLayer)] {
        let adapters = try AdapterInjection.inject(configuration, into: bert, using: &generator)
        return adapters
    }

    func headInput(_ input: BERTEncoderInput) throws -> Tensor {
        try Tensor.maskedMeanPooling(try bert(input), mask: input.attentionMask)
    }

    func logits(headInput: Tensor) throws -> Tensor { try classifier(headInput) }

    func forward(_ input: BERTEncoderInput) throws -> Tensor { try logits(headInput: try headInput(input)) }
}

struct TestTokenBatch: LabeledTokenBatch {
    let encoderInput: BERTEncoderInput
    let classLabels: ArraySlice<Int>
}

/// Tokenised labelled sentences in memory, each batch padded to its longest row.
final class TestTokenData: TrainingData {
    let rows: [[Int]]
    let labels: [Int]

    init(tokenizer: WordPieceTokenizer, sentences: [(text: String, label: String)]) throws {
        let names = ["negative", "neutral", "positive"]
        rows = try sentences.map { try tokenizer.encode($0.text, maximumLength: 16).ids }
        labels = sentences.map { names.firstIndex(of: $0.label)! }
    }

    var sampleCount: Int { rows.count }

    func loadBatch<Indices: Collection<Int>>(samples indices: Indices) throws -> TestTokenBatch {
        let batch = TokenizedBatch(rows: indices.map { rows[$0] }, paddingTokenID: 0)
        let shape: Shape = [batch.rowCount, batch.sequenceLength]
        return TestTokenBatch(encoderInput: BERTEncoderInput(tokenIDs: try IndexTensor(shape: shape, values: batch.inputIDs),
                                                             attentionMask: try Tensor(shape: shape, values: batch.attentionMask.map(Float.init))),
                              classLabels: indices.map { labels[$0] }[...])
    }
}

/// A tiny model folder and labelled data for one test.
struct TextFixture {
    let folder: TinyBERTFolder
    let training: TestTokenData
    let test: TestTokenData

    init(trainingCount: Int = 96, testCount: Int = 40) throws {
        folder = try TinyBERTFolder()
        let tokenizer = try WordPieceTokenizer(modelFolder: folder.path)
        training = try TestTokenData(tokenizer: tokenizer, sentences: TinyBERTFolder.sentences(count: trainingCount, seed: 3))
        test = try TestTokenData(tokenizer: tokenizer, sentences: TinyBERTFolder.sentences(count: testCount, seed: 4))
    }

    func classifier(seed: UInt64 = 11) throws -> MeanPoolingTestClassifier {
        try MeanPoolingTestClassifier(folder: folder.path, classCount: 3, seed: seed)
    }
}
