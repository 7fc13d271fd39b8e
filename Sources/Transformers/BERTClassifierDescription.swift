import Foundation
import SafeTensors

/// What `classifier.json` in a classifier's adapter directory records: the classifier kind,
/// the label names in class order (class id = index), and whether the directory holds PEFT
/// adapter files (false for a head trained alone on the frozen encoder, a linear probe).
///
/// ```json
/// {"format": "swift-lora-sequence-classifier", "has_adapters": true, "kind": "cls", "labels": ["negative", "positive"], "version": 1}
/// ```
public struct BERTClassifierDescription: Equatable, Sendable {
    /// The file name inside the adapter directory.
    public static let fileName = "classifier.json"
    /// The value of its `format` key.
    public static let formatName = "swift-lora-sequence-classifier"
    /// The value of its `version` key this library writes and reads.
    public static let version = 1

    public var kind: BERTSequenceClassifier.Kind
    /// The label names; class `i` is `labels[i]`.
    public var labels: [String]
    /// Whether the directory holds `adapter_config.json` and `adapter_model.safetensors`;
    /// without them the head is in `head.safetensors` for both kinds.
    public var hasAdapters: Bool

    /// A description after checking the labels: at least two, none empty, no duplicates.
    public init(kind: BERTSequenceClassifier.Kind, labels: [String], hasAdapters: Bool = true) throws(BERTClassifierError) {
        guard labels.count >= 2 else { throw .invalidLabels(reason: "a classifier needs at least 2 labels, got \(labels.count)") }
        if let index = labels.firstIndex(where: \.isEmpty) { throw .invalidLabels(reason: "label \(index) is empty") }
        var seen: Set<String> = []
        for label in labels where !seen.insert(label).inserted {
            throw .invalidLabels(reason: "'\(label)' appears more than once")
        }
        self.kind = kind
        self.labels = labels
        self.hasAdapters = hasAdapters
    }

    /// The JSON text (keys sorted, two-space indentation).
    public var json: String {
        let object: [String: Any] = ["format": Self.formatName, "version": Self.version, "kind": kind.rawValue, "labels": labels,
                                     "has_adapters": hasAdapters]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
              let text = String(data: data, encoding: .utf8) else {
            preconditionFailure("A dictionary of strings and an integer always serialises.")
        }
        return text
    }

    /// Writes `classifier.json` into `directory`, atomically.
    public func write(toDirectory directory: String) throws {
        let text = json
        try AtomicFileWriter.write(toPath: directory + "/" + Self.fileName) { sink in
            try sink.write(Data(text.utf8))
        }
    }

    /// Reads `classifier.json` from `directory`.
    public init(directory: String) throws(BERTClassifierError) {
        let path = directory + "/" + Self.fileName
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else { throw .invalidFile(path: path, reason: "it cannot be read") }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw .invalidFile(path: path, reason: "it is not a JSON object")
        }
        func describe(_ value: Any?) -> String { value.map { "\($0)" } ?? "nothing (the key is missing)" }
        guard object["format"] as? String == Self.formatName else {
            throw .invalidValue(path: path, key: "format", expected: "'\(Self.formatName)'", found: describe(object["format"]))
        }
        guard let version = object["version"] as? Int, version == Self.version else {
            throw .invalidValue(path: path, key: "version", expected: "\(Self.version)", found: describe(object["version"]))
        }
        guard let kindName = object["kind"] as? String, let kind = BERTSequenceClassifier.Kind(rawValue: kindName) else {
            throw .invalidValue(path: path, key: "kind", expected: "'mean' or 'cls'", found: describe(object["kind"]))
        }
        guard let labels = object["labels"] as? [Any], labels.allSatisfy({ $0 is String }) else {
            throw .invalidValue(path: path, key: "labels", expected: "a list of label names", found: describe(object["labels"]))
        }
        var hasAdapters = true
        if let value = object["has_adapters"] {
            guard let number = value as? NSNumber, String(cString: number.objCType) == "c" else {
                throw .invalidValue(path: path, key: "has_adapters", expected: "true or false", found: describe(value))
            }
            hasAdapters = number.boolValue
        }
        do {
            try self.init(kind: kind, labels: labels.compactMap { $0 as? String }, hasAdapters: hasAdapters)
        } catch {
            throw .invalidValue(path: path, key: "labels", expected: "at least 2 distinct, non-empty names", found: describe(object["labels"]))
        }
    }
}
