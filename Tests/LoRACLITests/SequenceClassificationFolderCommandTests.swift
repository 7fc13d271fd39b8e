import Foundation
import Testing
import TestSupport

/// `lora predict` and `lora evaluate` without `--adapter`, on a Hugging Face
/// `BertForSequenceClassification` folder (the fixture `make_fixture.py` made with
/// transformers): transformers' labels and probabilities, and the errors for folders
/// without a usable head.
@Suite("lora predict and evaluate on a BertForSequenceClassification folder", .serialized)
struct SequenceClassificationFolderCommandTests {
    static var model: String { SequenceClassificationFixture.modelFolder }

    /// Runs `arguments`, expects a non-zero exit, and returns standard error.
    static func failure(_ arguments: [String]) throws -> String {
        let result = try LoRAExecutable.run(arguments)
        #expect(result.exitCode != 0, "\(arguments)")
        #expect(result.standardOutput.isEmpty)
        return result.standardError
    }

    @Test("predict without --adapter gives transformers' label and probabilities for each text, in order")
    func predictMatchesTransformers() throws {
        let scratch = try ScratchDirectory()
        let cases = try SequenceClassificationFixture.cases
        let labels = try SequenceClassificationFixture.labels
        let run = try LoRAExecutable.run(["predict", "--model", Self.model, "--data", SequenceClassificationFixture.textsFile,
                                          "--output", scratch.file("out.jsonl")])
        #expect(run.exitCode == 0, "\(run.standardError)")
        let lines = try String(contentsOfFile: scratch.file("out.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == cases.count)
        for (line, expected) in zip(lines, cases) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["label"] as? String == expected.label, "\(expected.text)")
            let probabilities = try #require(object["probabilities"] as? [String: Double])
            #expect(Set(probabilities.keys) == Set(labels))
            for (label, reference) in zip(labels, expected.probabilities) {
                // The file holds six decimals.
                #expect(abs(try #require(probabilities[label]) - reference) <= 1e-5, "\(label) of \(expected.text)")
            }
        }
        // The same texts on standard input give the same lines.
        let piped = try LoRAExecutable.run(["predict", "--model", Self.model], input: cases.map(\.text).joined(separator: "\n") + "\n")
        #expect(piped.exitCode == 0, "\(piped.standardError)")
        #expect(piped.standardOutput.split(separator: "\n") == lines)
    }

    @Test("evaluate without --adapter scores the folder's own head")
    func evaluateMatchesTransformers() throws {
        let scratch = try ScratchDirectory()
        let cases = try SequenceClassificationFixture.cases
        let labels = try SequenceClassificationFixture.labels
        // Each text labelled with transformers' prediction, except the first, labelled with its least likely class.
        var rows = cases.map { (text: $0.text, label: $0.label) }
        let first = cases[0].probabilities
        let leastLikely = try #require(first.indices.min { first[$0] < first[$1] })
        rows[0].label = labels[leastLikely]
        let quoted = rows.map { "\($0.label),\"\($0.text.replacingOccurrences(of: "\"", with: "\"\""))\"" }
        try (["label,text"] + quoted).joined(separator: "\n").appending("\n")
            .write(toFile: scratch.file("labelled.csv"), atomically: true, encoding: .utf8)
        let run = try LoRAExecutable.run(["evaluate", "--model", Self.model, "--data", scratch.file("labelled.csv"),
                                          "--json", scratch.file("e.json"), "--quiet"])
        #expect(run.exitCode == 0, "\(run.standardError)")
        let object = try scratch.json("e.json")
        #expect(object["labels"] as? [String] == labels)
        #expect(object["adapter"] is NSNull)
        let accuracy = try #require(object["test_accuracy"] as? Double)
        #expect(abs(accuracy - Double(cases.count - 1) / Double(cases.count)) <= 1e-6)
        // The mean cross-entropy of transformers' probabilities at the given labels.
        let expectedLoss = zip(rows, cases).map { row, reference in
            -log(reference.probabilities[labels.firstIndex(of: row.label) ?? 0])
        }.reduce(0, +) / Double(cases.count)
        #expect(abs(try #require(object["test_loss"] as? Double) - expectedLoss) <= 1e-5)
    }

    @Test("a model folder without a trained head needs --adapter, and the error says so")
    func aBareEncoderFolderNeedsAnAdapter() throws {
        let scratch = try ScratchDirectory()
        let model = try TinyBERTFolder(directory: scratch.file("model")).path
        try "text\ngood day\n".write(toFile: scratch.file("texts.csv"), atomically: true, encoding: .utf8)
        let message = "error: '\(model)/model.safetensors' has no tensor 'classifier.weight': this model folder has no trained "
            + "classification head. Pass --adapter DIR written by 'lora finetune', or use a BertForSequenceClassification folder"
        #expect(try Self.failure(["predict", "--model", model, "--data", scratch.file("texts.csv"), "--max-length", "16",
                                  "--output", scratch.file("out.jsonl")]).contains(message))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("out.jsonl")))
        try "label,text\npositive,good day\n".write(toFile: scratch.file("labelled.csv"), atomically: true, encoding: .utf8)
        #expect(try Self.failure(["evaluate", "--model", model, "--data", scratch.file("labelled.csv"), "--max-length", "16"])
            .contains(message))
    }

    @Test("a malformed id2label is an error naming config.json and the key")
    func malformedLabelNames() throws {
        let scratch = try ScratchDirectory()
        let model = scratch.file("model")
        try FileManager.default.copyItem(atPath: Self.model, toPath: model)
        let configuration = model + "/config.json"
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configuration))) as? [String: Any])
        object["id2label"] = ["0": "positive", "1": "negative", "5": "neutral"]
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: configuration))
        #expect(try Self.failure(["predict", "--model", model, "--data", SequenceClassificationFixture.textsFile])
            .contains("error: \(configuration): 'id2label' must be an object mapping every class id 0, 1, …, n−1 (n ≥ 2, keys \"0\", \"1\", …) "
                      + "to a distinct, non-empty label name, found the key \"5\" in "))

        object["id2label"] = ["0": "positive", "1": "negative"]
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: configuration))
        #expect(try Self.failure(["predict", "--model", model, "--data", SequenceClassificationFixture.textsFile])
            .contains("error: \(configuration): 'id2label' must be 3 labels, one per row of classifier.weight [3, 32] in '\(model)/model.safetensors', "
                      + "found 2 labels [\"positive\", \"negative\"]."))
    }
}
