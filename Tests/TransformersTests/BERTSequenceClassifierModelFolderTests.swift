import Foundation
import SafeTensors
import Testing
import TensorCore
import TestSupport
import Tokenizers
import Transformers

/// A `cls` classifier read from a `BertForSequenceClassification` folder alone
/// (``BERTSequenceClassifier/load(modelFolder:weights:allowingNonFiniteValues:)``), against
/// the probabilities transformers computed for the fixture made by
/// `Fixtures/tiny-bert-seqcls/make_fixture.py`, and a typed error naming the file and key for
/// every folder that does not hold a usable head.
struct BERTSequenceClassifierModelFolderTests {
    /// A copy of the fixture's model folder that a test may edit.
    static func copiedFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("seqcls-\(UUID().uuidString)").path
        try FileManager.default.copyItem(atPath: SequenceClassificationFixture.modelFolder, toPath: path)
        return path
    }

    /// Rewrites `config.json` of `folder` after `edit`.
    static func editConfiguration(_ folder: String, _ edit: (inout [String: Any]) -> Void) throws {
        let path = folder + "/config.json"
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        edit(&object)
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
    }

    /// Rewrites `model.safetensors` of `folder` with `edit` applied to its tensors (name →
    /// shape and values; nil drops the tensor).
    static func editWeights(_ folder: String, _ edit: (inout [String: (shape: [Int], values: [Float])?]) -> Void) throws {
        let path = folder + "/model.safetensors"
        var tensors: [String: (shape: [Int], values: [Float])?] = [:]
        do {
            let file = try SafeTensorsFile(path: path)
            for info in file.tensors { tensors[info.name] = (info.shape, try file.floats(named: info.name)) }
        }
        edit(&tensors)
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        for (name, entry) in tensors.sorted(by: { $0.key < $1.key }) {
            guard let entry else { continue }
            try writer.addTensor(named: name, shape: entry.shape, floats: entry.values)
        }
        try writer.write(toPath: path)
    }

    static func load(_ folder: String, allowingNonFiniteValues: Bool = false) throws -> (classifier: BERTSequenceClassifier, labels: [String]) {
        try BERTSequenceClassifier.load(modelFolder: folder, weights: try BERTWeights(modelFolder: folder),
                                        allowingNonFiniteValues: allowingNonFiniteValues)
    }

    /// The error `body` throws.
    static func error(_ body: () throws -> Void) -> (any Error)? {
        do { try body() } catch { return error }
        return nil
    }

    /// The error's description, empty for none.
    static func message(_ error: (any Error)?) -> String {
        guard let error else { return "" }
        return "\(error)"
    }

    /// The softmax of each row of `logits` `[rows, classes]`, in Double.
    static func softmax(_ logits: Tensor) -> [[Double]] {
        let classes = logits.shape[1]
        return stride(from: 0, to: logits.scalars.count, by: classes).map { start in
            let row = logits.scalars[start..<start + classes].map(Double.init)
            let largest = row.max() ?? 0
            let exponentials = row.map { exp($0 - largest) }
            let sum = exponentials.reduce(0, +)
            return exponentials.map { $0 / sum }
        }
    }

    @Test func probabilitiesMatchTransformersWithLabelsInIDOrder() throws {
        let folder = SequenceClassificationFixture.modelFolder
        let cases = try SequenceClassificationFixture.cases
        let (classifier, labels) = try Self.load(folder)
        classifier.eval()
        #expect(classifier.kind == .cls)
        // id2label order, which is not the sorted order a training file's labels would get.
        #expect(labels == ["positive", "negative", "neutral"])
        #expect(labels == (try SequenceClassificationFixture.labels))
        #expect(labels != labels.sorted())

        let tokenizer = try WordPieceTokenizer(modelFolder: folder)
        let batch = try tokenizer.encodeBatch(cases.map(\.text))
        for (row, expected) in cases.enumerated() {
            #expect(Array(batch.ids(ofRow: row).prefix(batch.lengths[row])) == expected.inputIDs, "\(expected.text)")
        }
        // All texts in one batch padded to the longest: the masked positions must not count.
        let input = BERTEncoderInput(tokenIDs: try IndexTensor(shape: [batch.rowCount, batch.sequenceLength], values: batch.inputIDs),
                                     attentionMask: try Tensor(shape: [batch.rowCount, batch.sequenceLength],
                                                               values: batch.attentionMask.map(Float.init)))
        let logits = try classifier(input)
        #expect(logits.shape.dimensions == [cases.count, 3])
        let probabilities = Self.softmax(logits)
        for (row, expected) in cases.enumerated() {
            for (actual, reference) in zip(logits.scalars[row * 3..<row * 3 + 3], expected.logits) {
                #expect(abs(Double(actual) - reference) <= 1e-5 + 1e-5 * abs(reference), "logits of \(expected.text)")
            }
            for (actual, reference) in zip(probabilities[row], expected.probabilities) {
                #expect(abs(actual - reference) <= 1e-5, "probabilities of \(expected.text): \(probabilities[row]) vs \(expected.probabilities)")
            }
            let predicted = probabilities[row].indices.max { probabilities[row][$0] < probabilities[row][$1] } ?? -1
            #expect(labels[predicted] == expected.label)
        }
        // The fixture is only a test if its texts get clearly different answers.
        #expect(Set(cases.map(\.label)).count == 3)
    }

    @Test func theHeadIsTheFilesClassifier() throws {
        let folder = SequenceClassificationFixture.modelFolder
        let (classifier, _) = try Self.load(folder)
        let file = try SafeTensorsFile(path: folder + "/model.safetensors")
        #expect(classifier.head.weight.scalars == (try file.floats(named: "classifier.weight")))
        #expect(classifier.head.bias?.scalars == (try file.floats(named: "classifier.bias")))
        #expect(classifier.pooler != nil)
    }

    @Test func aFolderWithoutAClassifierHeadSaysSoAndHowToFixIt() throws {
        let bare = try RandomBERTFolder()
        let error = Self.error { _ = try Self.load(bare.path) }
        #expect(error as? BERTClassifierError == .missingClassificationHead(path: bare.path + "/model.safetensors", key: "classifier.weight"))
        let expected: String = "'\(bare.path)/model.safetensors' has no tensor 'classifier.weight': "
            + "this model folder has no trained classification head. Pass --adapter DIR written by 'lora finetune', "
            + "or use a BertForSequenceClassification folder (saved by transformers' save_pretrained: classifier.weight and "
            + "classifier.bias in model.safetensors, id2label in config.json)."
        #expect(Self.message(error) == expected)
        // A weight without its bias.
        let halfHead = try Self.copiedFolder()
        try Self.editWeights(halfHead) { $0["classifier.bias"] = .some(nil) }
        #expect(throws: BERTClassifierError.missingClassificationHead(path: halfHead + "/model.safetensors", key: "classifier.bias")) {
            try Self.load(halfHead)
        }
    }

    @Test(.enabled(if: MiniLMFixtures.modelFolder != nil, Comment(rawValue: MiniLMFixtures.skipReason)))
    func theMiniLMEncoderFolderHasNoClassifierHead() throws {
        let folder = try #require(MiniLMFixtures.modelFolder)
        #expect(throws: BERTClassifierError.missingClassificationHead(path: folder + "/model.safetensors", key: "classifier.weight")) {
            try Self.load(folder)
        }
    }

    @Test func id2labelMustNameEveryRowOfTheClassifier() throws {
        let folder = try Self.copiedFolder()
        let configuration = folder + "/config.json", weights = folder + "/model.safetensors"
        try Self.editConfiguration(folder) { $0["id2label"] = ["0": "positive", "1": "negative"] }
        #expect(throws: BERTClassifierError.invalidValue(
            path: configuration, key: "id2label",
            expected: "3 labels, one per row of classifier.weight [3, 32] in '\(weights)'", found: "2 labels [\"positive\", \"negative\"]")) {
            try Self.load(folder)
        }
        try Self.editConfiguration(folder) { $0["id2label"] = nil }
        let missing = Self.error { _ = try Self.load(folder) }
        #expect(Self.message(missing).hasPrefix("\(configuration): 'id2label' must be an object mapping every class id"))
        #expect(Self.message(missing).hasSuffix("found nothing (the key is missing)."))
    }

    @Test func aHeadOfTheWrongShapeOrTypeIsNamed() throws {
        let weights = try Self.copiedFolder() + "/model.safetensors"
        let folder = (weights as NSString).deletingLastPathComponent
        try Self.editWeights(folder) { $0["classifier.weight"] = ([3, 16], [Float](repeating: 0.1, count: 48)) }
        #expect(throws: BERTClassifierError.headMismatch(path: weights, key: "classifier.weight",
                                                         expected: "shape [3, 32] (labels in id2label, hidden_size)", found: "shape [3, 16]")) {
            try Self.load(folder)
        }
        try Self.editWeights(folder) {
            $0["classifier.weight"] = ([3, 32], [Float](repeating: 0.1, count: 96))
            $0["classifier.bias"] = ([4], [0, 0, 0, 0])
        }
        #expect(throws: BERTClassifierError.headMismatch(path: weights, key: "classifier.bias", expected: "shape [3]", found: "shape [4]")) {
            try Self.load(folder)
        }
        var writer = SafeTensorsWriter()
        let file = try SafeTensorsFile(path: SequenceClassificationFixture.modelFolder + "/model.safetensors")
        for info in file.tensors where info.name != "classifier.bias" {
            try writer.addTensor(named: info.name, shape: info.shape, floats: try file.floats(named: info.name))
        }
        try writer.addTensor(named: "classifier.bias", shape: [3], int64s: [0, 1, 2])
        try writer.write(toPath: weights)
        #expect(throws: BERTClassifierError.headMismatch(path: weights, key: "classifier.bias", expected: "F32, F16, BF16 or F64 elements", found: "I64")) {
            try Self.load(folder)
        }
    }

    @Test func nonFiniteHeadValuesAreRefusedUnlessAllowed() throws {
        let folder = try Self.copiedFolder()
        try Self.editWeights(folder) { $0["classifier.bias"] = ([3], [0, .nan, 0]) }
        #expect(throws: BERTClassifierError.nonFiniteValues(path: folder + "/model.safetensors", key: "classifier.bias")) {
            try Self.load(folder)
        }
        let (classifier, _) = try Self.load(folder, allowingNonFiniteValues: true)
        #expect(classifier.head.bias?.scalars[1].isNaN == true)
    }

    @Test func aClassifierHeadWithoutAPoolerIsRefused() throws {
        let folder = try Self.copiedFolder()
        try Self.editWeights(folder) {
            $0["bert.pooler.dense.weight"] = .some(nil)
            $0["bert.pooler.dense.bias"] = .some(nil)
        }
        #expect(throws: BERTClassifierError.missingPooler) { try Self.load(folder) }
    }
}
