import Foundation
import SafeTensors
import Testing
import TestSupport

/// A tiny random BERT folder and labelled CSV files for the text commands.
final class TextCommandFixture {
    let scratch: ScratchDirectory
    let model: String
    let training: String
    let test: String

    init(trainingCount: Int = 64, testCount: Int = 24) throws {
        scratch = try ScratchDirectory()
        model = try TinyBERTFolder(directory: scratch.file("model")).path
        training = scratch.file("train.csv")
        test = scratch.file("test.csv")
        try Self.write(TinyBERTFolder.sentences(count: trainingCount, seed: 3), to: training)
        try Self.write(TinyBERTFolder.sentences(count: testCount, seed: 4), to: test)
    }

    static func write(_ rows: [(text: String, label: String)], to path: String) throws {
        let lines = ["label,text"] + rows.map { "\($0.label),\"\($0.text)\"" }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    func file(_ name: String) -> String { scratch.file(name) }
    func json(_ name: String) throws -> [String: Any] { try scratch.json(name) }

    /// `finetune` with quick settings.
    func finetune(method: String, pooling: String = "mean", output: String, extra: [String] = []) throws -> CommandResult {
        try LoRAExecutable.run(["finetune", "--model", model, "--method", method, "--pooling", pooling, "--data", training,
                                "--test-data", test, "--output", output, "--epochs", "2", "--batch-size", "16",
                                "--learning-rate", "0.01", "--max-length", "16", "--quiet"] + extra)
    }
}

@Suite("lora text commands on a Hugging Face model folder", .serialized)
struct TextCommandTests {
    static let labels = ["negative", "neutral", "positive"]

    @Test("finetune, evaluate and predict agree, for each method and pooling",
          arguments: ["probe", "lora", "dora"], ["mean", "cls"])
    func finetuneEvaluatePredict(method: String, pooling: String) throws {
        let fixture = try TextCommandFixture()
        let adapter = fixture.file("adapter")
        let run = try fixture.finetune(method: method, pooling: pooling, output: adapter, extra: ["--json", fixture.file("f.json")])
        #expect(run.exitCode == 0, "\(run.standardError)")
        let finetune = try fixture.json("f.json")
        #expect(finetune["method"] as? String == method)
        #expect(finetune["pooling"] as? String == pooling)
        #expect(finetune["labels"] as? [String] == Self.labels)
        #expect((finetune["epochs"] as? [Any])?.count == 2)
        #expect(FileManager.default.fileExists(atPath: adapter + "/classifier.json"))

        let evaluate = try LoRAExecutable.run(["evaluate", "--model", fixture.model, "--adapter", adapter, "--data", fixture.test,
                                               "--max-length", "16", "--batch-size", "16", "--json", fixture.file("e.json")])
        #expect(evaluate.exitCode == 0, "\(evaluate.standardError)")
        #expect(evaluate.standardOutput.hasPrefix("Test accuracy: "))
        let evaluation = try fixture.json("e.json")
        // The saved classifier, on the same batches, gives the fine-tuning run's final figures.
        #expect(evaluation["test_accuracy"] as? Double == finetune["test_accuracy"] as? Double)
        let loss = try #require(evaluation["test_loss"] as? Double), trainedLoss = try #require(finetune["test_loss"] as? Double)
        #expect(abs(loss - trainedLoss) <= 1e-6)
        let matrix = try #require(evaluation["confusion_matrix"] as? [[Int]])
        #expect(matrix == finetune["confusion_matrix"] as? [[Int]])
        #expect(matrix.joined().reduce(0, +) == 24)

        let predict = try LoRAExecutable.run(["predict", "--model", fixture.model, "--adapter", adapter, "--data", fixture.test,
                                              "--max-length", "16", "--output", fixture.file("p.jsonl")])
        #expect(predict.exitCode == 0, "\(predict.standardError)")
        let lines = try String(contentsOfFile: fixture.file("p.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 24)
        var predictedCounts = [0, 0, 0]
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(Set(object.keys) == ["label", "probabilities"])
            let label = try #require(object["label"] as? String)
            let probabilities = try #require(object["probabilities"] as? [String: Double])
            #expect(Set(probabilities.keys) == Set(Self.labels))
            #expect(abs(probabilities.values.reduce(0, +) - 1) < 1e-4)
            #expect(probabilities[label] == probabilities.values.max())
            predictedCounts[try #require(Self.labels.firstIndex(of: label))] += 1
        }
        // Each column of the confusion matrix counts the texts predicted as that label.
        #expect(predictedCounts == (0..<3).map { column in matrix.reduce(0) { $0 + $1[column] } })
    }

    @Test("predict writes one line per input row, in input order, from a file or standard input")
    func predictOrder() throws {
        let fixture = try TextCommandFixture()
        let adapter = fixture.file("adapter")
        #expect(try fixture.finetune(method: "lora", output: adapter).exitCode == 0)
        let texts = ["good day", "the table is a chair", "awful film", "very nice film"]
        let predict = ["predict", "--model", fixture.model, "--adapter", adapter, "--max-length", "16"]
        let forward = try LoRAExecutable.run(predict, input: texts.joined(separator: "\n") + "\n")
        let backward = try LoRAExecutable.run(predict, input: texts.reversed().joined(separator: "\n") + "\n\n")
        #expect(forward.exitCode == 0, "\(forward.standardError)")
        let forwardLines = forward.standardOutput.split(separator: "\n")
        let backwardLines = backward.standardOutput.split(separator: "\n")
        #expect(forwardLines.count == 4)
        #expect(Array(forwardLines.reversed()) == backwardLines)
        // JSON Lines input: the text column only, no label needed; --max-samples takes the first rows.
        try (texts.map { #"{"text": "\#($0)"}"# }.joined(separator: "\n") + "\n").write(toFile: fixture.file("t.jsonl"), atomically: true, encoding: .utf8)
        let fromFile = try LoRAExecutable.run(predict + ["--data", fixture.file("t.jsonl"), "--max-samples", "3"])
        #expect(fromFile.exitCode == 0, "\(fromFile.standardError)")
        #expect(fromFile.standardOutput.split(separator: "\n") == Array(forwardLines.prefix(3)))
    }

    @Test("--resume continues a text run bit for bit")
    func resumeIsBitIdentical() throws {
        let fixture = try TextCommandFixture(trainingCount: 40, testCount: 8)
        for method in ["lora", "probe"] {
            let whole = fixture.file("whole-\(method)"), resumed = fixture.file("resumed-\(method)")
            let checkpoint = fixture.file("checkpoint-\(method)")
            #expect(try fixture.finetune(method: method, output: whole, extra: ["--epochs", "3"]).exitCode == 0)
            #expect(try fixture.finetune(method: method, output: resumed, extra: ["--epochs", "1", "--checkpoint-dir", checkpoint]).exitCode == 0)
            let again = try fixture.finetune(method: method, output: resumed, extra: ["--epochs", "3", "--checkpoint-dir", checkpoint, "--resume"])
            #expect(again.exitCode == 0, "\(again.standardError)")
            let files = try FileManager.default.contentsOfDirectory(atPath: whole).filter { $0.hasSuffix(".safetensors") }
            #expect(!files.isEmpty)
            for name in files {
                #expect(FileManager.default.contents(atPath: whole + "/" + name) == FileManager.default.contents(atPath: resumed + "/" + name),
                        "\(method) \(name)")
            }
            let refused = try fixture.finetune(method: method, output: resumed, extra: ["--checkpoint-dir", checkpoint])
            #expect(refused.exitCode != 0)
            #expect(refused.standardError.contains("already holds a checkpoint"))
        }
    }

    @Test("experiment --json has probe, lora and dora with accuracy in percent, seconds and trainable parameters")
    func experimentJSON() throws {
        let fixture = try TextCommandFixture(trainingCount: 48, testCount: 16)
        let run = try LoRAExecutable.run(["experiment", "--model", fixture.model, "--data", fixture.training, "--test-data", fixture.test,
                                          "--max-length", "16", "--json", fixture.file("x.json")])
        #expect(run.exitCode == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("method  trainable parameters  test accuracy"))
        let object = try fixture.json("x.json")
        #expect(Set(object.keys) == ["probe", "lora", "dora"])
        // Head 32·3 + 3; LoRA rank 8 on query and value of 2 layers: 4·(8·32 + 32·8); DoRA adds 4·32 magnitudes.
        for (method, trainable) in [("probe", 99), ("lora", 2147), ("dora", 2275)] {
            let entry = try #require(object[method] as? [String: Any])
            #expect(entry["trainable_parameters"] as? Int == trainable)
            let accuracy = try #require(entry["test_accuracy"] as? Double)
            let matrix = try #require(entry["confusion_matrix"] as? [[Int]])
            let correct = (0..<3).reduce(0) { $0 + matrix[$1][$1] }
            #expect(abs(accuracy - Double(correct) / 16 * 100) < 1e-3, "test_accuracy is in percent")
            #expect((entry["seconds"] as? Double ?? -1) >= 0)
        }
    }

    @Test("embed writes unit-length embeddings as JSON lines or a NumPy array")
    func embed() throws {
        let fixture = try TextCommandFixture(trainingCount: 10, testCount: 2)
        let lines = try LoRAExecutable.run(["embed", "--model", fixture.model, "--data", fixture.training, "--max-length", "16"])
        #expect(lines.exitCode == 0, "\(lines.standardError)")
        #expect(lines.standardError.contains("embedded 10 texts"))
        let vectors = try lines.standardOutput.split(separator: "\n").map {
            try #require((try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["embedding"] as? [Double])
        }
        #expect(vectors.count == 10 && vectors.allSatisfy { $0.count == 32 })
        for vector in vectors { #expect(abs(vector.map { $0 * $0 }.reduce(0, +) - 1) < 1e-4) }

        let array = try LoRAExecutable.run(["embed", "--model", fixture.model, "--data", fixture.training, "--max-length", "16",
                                            "--output", fixture.file("e.npy"), "--quiet"])
        #expect(array.exitCode == 0, "\(array.standardError)")
        let bytes = try #require(FileManager.default.contents(atPath: fixture.file("e.npy")))
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect(Array(bytes.prefix(6)) == [0x93] + Array("NUMPY".utf8))
        #expect((10 + headerLength) % 64 == 0)
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (10, 32), }"))
        #expect(bytes.count == 10 + headerLength + 10 * 32 * 4)
        let first = (0..<32).map { index -> Double in
            let offset = 10 + headerLength + index * 4
            let bits = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
            return Double(Float(bitPattern: bits))
        }
        for (a, b) in zip(first, vectors[0]) { #expect(abs(a - b) < 1e-6) }
    }

    @Test("bad flags and files give errors naming them")
    func errors() throws {
        let fixture = try TextCommandFixture(trainingCount: 12, testCount: 4)
        let notAModel = fixture.file("empty-folder")
        try FileManager.default.createDirectory(atPath: notAModel, withIntermediateDirectories: true)
        func error(_ arguments: [String], input: String? = nil) throws -> String {
            let result = try LoRAExecutable.run(arguments, input: input)
            #expect(result.exitCode != 0, "\(arguments)")
            return result.standardError
        }
        let base = ["finetune", "--model", fixture.model, "--method", "lora", "--data", fixture.training, "--output", fixture.file("a"),
                    "--max-length", "16"]
        #expect(try error(["finetune", "--model", notAModel, "--method", "lora", "--data", fixture.training])
            .contains("error: --model '\(notAModel)' is not a Hugging Face model folder: it has no config.json."))
        #expect(try error(base + ["--method", "full"]).contains("full"))
        #expect(try error(base + ["--pooling", "max"]).contains("max"))
        #expect(try error(base + ["--test-data", fixture.file("missing.csv")]).contains("error: --test-data '\(fixture.file("missing.csv"))' does not exist."))
        #expect(try error(base + ["--max-length", "1"]).contains("error: --max-length must be at least 2 ([CLS] and [SEP]), got 1."))
        #expect(try error(base + ["--label-column", "sentiment"])
            .contains("error: The file '\(fixture.training)' has no column 'sentiment'; its columns are 'label', 'text'."))
        #expect(try error(base + ["--epochs", "0"]).contains("error: --epochs must be at least 1, got 0."))
        #expect(try error(["experiment", "--model", fixture.model, "--data", fixture.training, "--methods", "probe,full"])
            .contains("error: --methods takes probe, lora and dora, got 'full'."))
        #expect(try error(["experiment", "--model", fixture.file("model.safetensors"), "--data", fixture.training])
            .contains("error: --model '\(fixture.file("model.safetensors"))' does not exist."))

        // A label the adapter does not know, named with its file and line.
        let adapter = fixture.file("adapter")
        #expect(try fixture.finetune(method: "probe", output: adapter, extra: ["--epochs", "1"]).exitCode == 0)
        try "label,text\npositive,good day\nsurprised,a film\n".write(toFile: fixture.file("odd.csv"), atomically: true, encoding: .utf8)
        let unknown = try error(["evaluate", "--model", fixture.model, "--adapter", adapter, "--data", fixture.file("odd.csv"), "--max-length", "16"])
        #expect(unknown.contains("error: The label 'surprised' at line 3, column 1 of '\(fixture.file("odd.csv"))' is not one of the model's labels"))
        #expect(try error(["evaluate", "--model", fixture.model, "--adapter", fixture.file("nowhere"), "--data", fixture.test])
            .contains("error: --adapter '\(fixture.file("nowhere"))' does not exist."))
        #expect(try error(["predict", "--model", fixture.model, "--adapter", adapter, "--max-length", "16"], input: "\n")
            .contains("error: No texts on standard input: give one text per line, or pass --data FILE."))
        #expect(try error(["evaluate", "--model", fixture.model, "--adapter", adapter, "--data", fixture.test])
            .contains("error: --max-length 64 is more than the model's 32 positions"))
    }

    @Test("The MiniLM model folder runs a short experiment", .enabled(if: MiniLMFixtures.modelFolder != nil))
    func miniLMExperiment() throws {
        let folder = try #require(MiniLMFixtures.modelFolder)
        let scratch = try ScratchDirectory()
        let rows = TinyBERTFolder.sentences(count: 16, seed: 8)
        try TextCommandFixture.write(rows, to: scratch.file("train.csv"))
        let run = try LoRAExecutable.run(["experiment", "--model", folder, "--data", scratch.file("train.csv"), "--held-out-every", "4",
                                          "--batch-size", "4", "--max-length", "16", "--json", scratch.file("x.json"), "--quiet"])
        #expect(run.exitCode == 0, "\(run.standardError)")
        let object = try scratch.json("x.json")
        // Head 384·3 + 3; LoRA rank 8 on query and value of 6 layers: 12·(8·384 + 384·8); DoRA adds 12·384.
        #expect((object["probe"] as? [String: Any])?["trainable_parameters"] as? Int == 1155)
        #expect((object["lora"] as? [String: Any])?["trainable_parameters"] as? Int == 1155 + 73728)
        #expect((object["dora"] as? [String: Any])?["trainable_parameters"] as? Int == 1155 + 73728 + 4608)
    }
}
