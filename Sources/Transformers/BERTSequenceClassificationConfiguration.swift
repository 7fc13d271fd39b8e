import Foundation

/// The task part of a `BertForSequenceClassification` folder's `config.json` (the encoder's
/// part is ``BERTConfiguration``): the label names in class-id order, from `id2label`.
///
/// ```json
/// {"architectures": ["BertForSequenceClassification"], "id2label": {"0": "positive", "1": "negative", "2": "neutral"}, …}
/// ```
///
/// Checked as transformers' `text-classification` pipeline reads the folder: `id2label` maps
/// the ids `0..<n` exactly (keys written as decimal integers, `"0"`, `"1"`, …) to distinct,
/// non-empty names, `n ≥ 2`; `num_labels` (or the older `_num_labels`), when present, is `n`;
/// `architectures`, when present, names `BertForSequenceClassification`; `problem_type`, when
/// present, is `single_label_classification` (the pipeline's softmax; multi-label models
/// take a sigmoid per label, regression models have no labels). `label2id` is not read:
/// transformers does not use it to name a prediction either.
public struct BERTSequenceClassificationConfiguration: Equatable, Sendable {
    /// The architecture a folder with a trained classification head must name.
    public static let architecture = "BertForSequenceClassification"

    /// The label names; class `i` (row `i` of `classifier.weight`) is `labels[i]`.
    public let labels: [String]

    /// Reads and checks `config.json`. Every problem throws
    /// ``BERTClassifierError/invalidValue(path:key:expected:found:)`` naming the file and key
    /// (``BERTClassifierError/invalidFile(path:reason:)`` for a file that is missing or not a
    /// JSON object).
    public init(configurationFile path: String) throws(BERTClassifierError) {
        guard FileManager.default.fileExists(atPath: path) else { throw .invalidFile(path: path, reason: "no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw .invalidFile(path: path, reason: "it cannot be read") }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw .invalidFile(path: path, reason: "it is not a JSON object; expected a Hugging Face config.json")
        }
        func present(_ key: String) -> Any? {
            guard let value = root[key], !(value is NSNull) else { return nil }
            return value
        }

        if let architectures = present("architectures") {
            guard let names = architectures as? [Any], names.contains(where: { $0 as? String == Self.architecture }) else {
                throw .invalidValue(path: path, key: "architectures", expected: "a list naming \"\(Self.architecture)\" (or absent)",
                                    found: Self.describe(architectures))
            }
        }
        if let problemType = present("problem_type") {
            guard problemType as? String == "single_label_classification" else {
                throw .invalidValue(path: path, key: "problem_type",
                                    expected: "null or \"single_label_classification\" (one label per text, probabilities by softmax)",
                                    found: Self.describe(problemType))
            }
        }

        let expectedLabels = "an object mapping every class id 0, 1, …, n−1 (n ≥ 2, keys \"0\", \"1\", …) to a distinct, non-empty label name"
        guard let id2label = root["id2label"] else {
            throw .invalidValue(path: path, key: "id2label", expected: expectedLabels, found: "nothing (the key is missing)")
        }
        guard let entries = id2label as? [String: Any], entries.count >= 2 else {
            throw .invalidValue(path: path, key: "id2label", expected: expectedLabels, found: Self.describe(id2label))
        }
        var labels = [String?](repeating: nil, count: entries.count)
        for (key, value) in entries {
            guard let id = Int(key), String(id) == key, labels.indices.contains(id) else {
                throw .invalidValue(path: path, key: "id2label", expected: expectedLabels,
                                    found: "the key \(Self.describe(key)) in \(Self.describe(id2label))")
            }
            guard let name = value as? String, !name.isEmpty else {
                throw .invalidValue(path: path, key: "id2label[\"\(key)\"]", expected: "a non-empty label name", found: Self.describe(value))
            }
            labels[id] = name
        }
        let names = labels.compactMap { $0 }
        var seen: Set<String> = []
        for name in names where !seen.insert(name).inserted {
            throw .invalidValue(path: path, key: "id2label", expected: "distinct label names",
                                found: "\(Self.describe(name)) more than once in \(Self.describe(id2label))")
        }
        for key in ["num_labels", "_num_labels"] {
            guard let count = present(key) else { continue }
            guard let number = count as? NSNumber, number.doubleValue == Double(names.count) else {
                throw .invalidValue(path: path, key: key, expected: "\(names.count), the number of labels in id2label", found: Self.describe(count))
            }
        }
        self.labels = names
    }

    /// A JSON value as the file would show it (`"text"`, `[…]`, `{…}`, `3`).
    private static func describe(_ value: Any) -> String {
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]),
           let text = String(data: data, encoding: .utf8) {
            return text
        }
        return "\(value)"
    }
}
