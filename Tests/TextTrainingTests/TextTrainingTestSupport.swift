import Datasets
import Foundation
import TestSupport
import TextClassification
import TextTraining
import Tokenizers
import Training
import Transformers

/// A tiny model folder and labelled token batches for one test.
struct TextFixture {
    static let labels = try! LabelMapping(names: ["negative", "neutral", "positive"])

    let folder: TinyBERTFolder
    let weights: BERTWeights
    let training: TextClassificationBatches
    let test: TextClassificationBatches

    init(trainingCount: Int = 96, testCount: Int = 40) throws {
        folder = try TinyBERTFolder()
        weights = try BERTWeights(modelFolder: folder.path)
        let tokenizer = try WordPieceTokenizer(modelFolder: folder.path)
        func batches(_ rows: [(text: String, label: String)]) throws -> TextClassificationBatches {
            let texts = LabeledTexts(texts: rows.map(\.text), labels: rows.map { Self.labels.id(of: $0.label)! }, labelMapping: Self.labels)
            return try TextClassificationBatches(texts: texts, tokenizer: tokenizer, maximumLength: 16)
        }
        training = try batches(TinyBERTFolder.sentences(count: trainingCount, seed: 3))
        test = try batches(TinyBERTFolder.sentences(count: testCount, seed: 4))
    }

    func classifier(seed: UInt64 = 11, kind: BERTSequenceClassifier.Kind = .mean) throws -> BERTSequenceClassifier {
        try BERTSequenceClassifier(weights: weights, kind: kind, classCount: 3, seed: seed)
    }
}
