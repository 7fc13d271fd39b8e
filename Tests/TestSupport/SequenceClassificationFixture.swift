import Foundation

/// The tiny `BertForSequenceClassification` fixture shipped with the tests
/// (`Fixtures/tiny-bert-seqcls`, made by its `make_fixture.py` with transformers): a model folder
/// as `save_pretrained` writes it (`model/`), the texts (`texts.csv`, column `text`) and what
/// transformers computed for each (`expected.json`). Nothing here needs Python.
public enum SequenceClassificationFixture {
    /// One text and transformers' outputs for it (the text alone, unpadded, eval mode).
    public struct Case: Sendable {
        public let text: String
        /// The tokenizer's ids, `[CLS]` and `[SEP]` included.
        public let inputIDs: [Int]
        /// The logits `[classes]`, Float32 values.
        public let logits: [Double]
        /// The softmax of the logits (in Float64), in class-id order.
        public let probabilities: [Double]
        /// The name of the most probable class.
        public let label: String
    }

    /// The fixture folder.
    public static var directory: URL {
        guard let url = Bundle.module.url(forResource: "tiny-bert-seqcls", withExtension: nil) else {
            preconditionFailure("The test bundle lacks its Fixtures/tiny-bert-seqcls resource.")
        }
        return url
    }

    /// The Hugging Face model folder (`config.json`, `model.safetensors`, `tokenizer.json`, `vocab.txt`).
    public static var modelFolder: String { directory.appendingPathComponent("model").path }

    /// `texts.csv`: a header row `text`, then each case's text in order.
    public static var textsFile: String { directory.appendingPathComponent("texts.csv").path }

    /// The label names in class-id order (`id2label`), as transformers read them.
    public static var labels: [String] { get throws { try expected().labels } }

    /// The cases of `expected.json`, in the order of `texts.csv`.
    public static var cases: [Case] { get throws { try expected().cases } }

    private static func expected() throws -> (labels: [String], cases: [Case]) {
        let path = directory.appendingPathComponent("expected.json").path
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let labels = root["labels"] as? [String], let entries = root["cases"] as? [[String: Any]] else {
            throw FixtureError(path: path, reason: "expected an object with 'labels' and 'cases'")
        }
        let cases = try entries.map { entry throws -> Case in
            guard let text = entry["text"] as? String, let ids = entry["input_ids"] as? [Int], let logits = entry["logits"] as? [Double],
                  let probabilities = entry["probabilities"] as? [Double], let label = entry["label"] as? String else {
                throw FixtureError(path: path, reason: "a case lacks text, input_ids, logits, probabilities or label")
            }
            return Case(text: text, inputIDs: ids, logits: logits, probabilities: probabilities, label: label)
        }
        return (labels, cases)
    }

    /// A fixture file that does not hold what the tests expect.
    public struct FixtureError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)." }
    }
}
