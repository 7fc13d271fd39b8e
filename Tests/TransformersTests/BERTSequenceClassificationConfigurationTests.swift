import Foundation
import Testing
import TestSupport
import Transformers

/// The task keys of a `BertForSequenceClassification` folder's `config.json`: the label names
/// in id order from `id2label`, and a typed error naming the file and key for each broken or
/// inconsistent key.
struct BERTSequenceClassificationConfigurationTests {
    /// The fixture's `config.json` (written by transformers' `save_pretrained`) after `edit`,
    /// in a new temporary file.
    static func configurationFile(_ edit: (inout [String: Any]) -> Void = { _ in }) throws -> String {
        let source = SequenceClassificationFixture.modelFolder + "/config.json"
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source))) as? [String: Any])
        edit(&object)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString).json").path
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func labelsComeInIDOrder() throws {
        let configuration = try BERTSequenceClassificationConfiguration(configurationFile: try Self.configurationFile())
        #expect(configuration.labels == ["positive", "negative", "neutral"])
        #expect(configuration.labels == (try SequenceClassificationFixture.labels))
    }

    @Test func consistentOptionalKeysAreAccepted() throws {
        let path = try Self.configurationFile {
            $0["num_labels"] = 3
            $0["problem_type"] = "single_label_classification"
            $0["architectures"] = nil
            $0["id2label"] = ["2": "c", "0": "a", "1": "b"]
        }
        #expect(try BERTSequenceClassificationConfiguration(configurationFile: path).labels == ["a", "b", "c"])
    }

    /// A broken `config.json`, the key its error must name and part of what it must say was found.
    static let brokenConfigurations: [(key: String, found: String, edit: @Sendable (inout [String: Any]) -> Void)] = [
        ("id2label", "nothing (the key is missing)", { $0["id2label"] = nil }),
        ("id2label", "null", { $0["id2label"] = NSNull() }),
        ("id2label", "the key \"3\"", { $0["id2label"] = ["0": "positive", "1": "negative", "3": "neutral"] }),
        ("id2label", "the key \"01\"", { $0["id2label"] = ["0": "positive", "01": "negative", "2": "neutral"] }),
        ("id2label", "the key \"-1\"", { $0["id2label"] = ["-1": "positive", "1": "negative", "2": "neutral"] }),
        ("id2label", "the key \"first\"", { $0["id2label"] = ["first": "positive", "1": "negative", "2": "neutral"] }),
        ("id2label", "[\"positive\",\"negative\",\"neutral\"]", { $0["id2label"] = ["positive", "negative", "neutral"] }),
        ("id2label", "{\"0\":\"positive\"}", { $0["id2label"] = ["0": "positive"] }),
        ("id2label[\"1\"]", "\"\"", { $0["id2label"] = ["0": "positive", "1": "", "2": "neutral"] }),
        ("id2label[\"2\"]", "7", { $0["id2label"] = ["0": "positive", "1": "negative", "2": 7] }),
        ("id2label", "\"positive\" more than once", { $0["id2label"] = ["0": "positive", "1": "negative", "2": "positive"] }),
        ("num_labels", "4", { $0["num_labels"] = 4 }),
        ("_num_labels", "2", { $0["_num_labels"] = 2 }),
        ("architectures", "[\"BertModel\"]", { $0["architectures"] = ["BertModel"] }),
        ("architectures", "\"BertForSequenceClassification\"", { $0["architectures"] = "BertForSequenceClassification" }),
        ("problem_type", "\"multi_label_classification\"", { $0["problem_type"] = "multi_label_classification" }),
    ]

    @Test(arguments: brokenConfigurations.indices)
    func aBrokenKeyIsNamedWithTheFile(_ index: Int) throws {
        let (key, found, edit) = Self.brokenConfigurations[index]
        let path = try Self.configurationFile(edit)
        var caught: (any Error)?
        do { _ = try BERTSequenceClassificationConfiguration(configurationFile: path) } catch { caught = error }
        guard case let .invalidValue(errorPath, errorKey, _, errorFound)? = caught as? BERTClassifierError else {
            Issue.record("expected BERTClassifierError.invalidValue, got \(String(describing: caught))")
            return
        }
        #expect(errorPath == path)
        #expect(errorKey == key)
        #expect(errorFound.contains(found), "\(errorFound)")
        let message: String = caught.map { "\($0)" } ?? ""
        #expect(message.hasPrefix("\(path): '\(key)' must be "))
    }

    @Test func aFileThatIsNotAJSONObjectIsNamed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString).json").path
        try "[1, 2]".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: BERTClassifierError.invalidFile(path: path, reason: "it is not a JSON object; expected a Hugging Face config.json")) {
            try BERTSequenceClassificationConfiguration(configurationFile: path)
        }
        let missing = path + ".missing"
        #expect(throws: BERTClassifierError.invalidFile(path: missing, reason: "no such file")) {
            try BERTSequenceClassificationConfiguration(configurationFile: missing)
        }
    }
}
