import Adapters
import Foundation
import NN
import SafeTensors
import Testing
import TensorCore
import TestSupport
import Transformers

/// A classifier's adapter directory (``BERTSequenceClassifier/save(to:labels:)``,
/// ``BERTSequenceClassifier/load(from:weights:allowingNonFiniteValues:)``) on the small
/// random BERT: bit-exact round trips of both kinds with LoRA and DoRA, PEFT's key names and
/// configuration fields, and a typed error naming the file and key for every broken file.
struct BERTClassifierDirectoryTests {
    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("classifier-\(UUID().uuidString)").path
    }

    /// A classifier with adapters on query and value whose every trained tensor is random
    /// (so a value lost or swapped in the round trip shows), and its weights.
    static func trainedClassifier(kind: BERTSequenceClassifier.Kind, usesDoRA: Bool,
                                  classCount: Int = 3) throws -> (BERTSequenceClassifier, BERTWeights) {
        let weights = try BERTSequenceClassifierTests.weights()
        let classifier = try BERTSequenceClassifier(weights: weights, kind: kind, classCount: classCount, seed: 7)
        var generator = RandomGenerator(seed: 8)
        try classifier.injectAdapters(LoRAConfiguration(rank: 2, alpha: 5, usesDoRA: usesDoRA, targetModules: ["query", "value"]),
                                      using: &generator)
        for (index, parameter) in classifier.trainableParameters().enumerated() {
            let noise = TestTensors.random(parameter.shape, low: -0.2, high: 0.2, seed: UInt64(200 + index))
            try parameter.assign(try parameter + noise)
        }
        classifier.eval()
        return (classifier, weights)
    }

    static func adapterKeys(prefix: String, usesDoRA: Bool) -> [String] {
        var keys: [String] = []
        for layer in 0..<2 {
            for module in ["query", "value"] {
                let base = "base_model.model.\(prefix)encoder.layer.\(layer).attention.self.\(module)."
                keys += [base + "lora_A.weight", base + "lora_B.weight"] + (usesDoRA ? [base + "lora_magnitude_vector"] : [])
            }
        }
        return keys
    }

    static func jsonObject(_ path: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    static func writeJSON(_ object: [String: Any], to path: String) throws {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
    }

    @Test(arguments: [BERTSequenceClassifier.Kind.mean, .cls], [false, true])
    func aSavedDirectoryLoadsBackWithBitExactLogits(kind: BERTSequenceClassifier.Kind, usesDoRA: Bool) throws {
        let (classifier, weights) = try Self.trainedClassifier(kind: kind, usesDoRA: usesDoRA)
        let input = BERTSequenceClassifierTests.input
        let logits = try classifier(input).scalars
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try classifier.save(to: directory, labels: ["anger", "joy", "neutral"])

        let (loaded, labels) = try BERTSequenceClassifier.load(from: directory, weights: weights)
        #expect(labels == ["anger", "joy", "neutral"])
        #expect(loaded.kind == kind && loaded.classCount == 3)
        #expect(loaded.adapterConfiguration == classifier.adapterConfiguration)
        loaded.eval()
        #expect(try loaded(input).scalars == logits)
        // The same parameters train: adapters and the head.
        #expect(loaded.namedParameters().filter(\.parameter.requiresGradient).map(\.key)
                == classifier.namedParameters().filter(\.parameter.requiresGradient).map(\.key))
    }

    /// A classifier without adapters (a head trained on the frozen encoder) saves its head
    /// and `classifier.json` only, and loads back with bit-identical logits.
    @Test(arguments: [BERTSequenceClassifier.Kind.mean, .cls])
    func aClassifierWithoutAdaptersSavesItsHeadAlone(kind: BERTSequenceClassifier.Kind) throws {
        let weights = try BERTSequenceClassifierTests.weights()
        let classifier = try BERTSequenceClassifier(weights: weights, kind: kind, classCount: 2, seed: 9)
        try classifier.head.weight.assign(TestTensors.random(classifier.head.weight.shape, seed: 10))
        try #require(classifier.head.bias).assign(TestTensors.random([2], seed: 11))
        classifier.eval()
        let logits = try classifier(BERTSequenceClassifierTests.input).scalars
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try classifier.save(to: directory, labels: ["no", "yes"])
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory)) == ["head.safetensors", "classifier.json"])
        let prefix = kind == .mean ? "head" : "classifier"
        #expect(Set(try SafeTensorsFile(path: directory + "/head.safetensors").names) == [prefix + ".weight", prefix + ".bias"])
        #expect(try Self.jsonObject(directory + "/classifier.json")["has_adapters"] as? Bool == false)

        let (loaded, labels) = try BERTSequenceClassifier.load(from: directory, weights: weights)
        #expect(labels == ["no", "yes"] && loaded.adapterConfiguration == nil)
        #expect(AdapterInjection.adapters(in: loaded).isEmpty)
        #expect(loaded.trainableParameters().count == 2)
        loaded.eval()
        #expect(try loaded(BERTSequenceClassifierTests.input).scalars == logits)
    }

    /// mean: PEFT's keys for the bare BertModel, the head in `head.safetensors`.
    @Test func aMeanDirectoryHasPEFTsBertModelKeysAndTheHeadBesideThem() throws {
        let (classifier, _) = try Self.trainedClassifier(kind: .mean, usesDoRA: true)
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try classifier.save(to: directory, labels: ["a", "b", "c"])
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory))
                == ["adapter_config.json", "adapter_model.safetensors", "head.safetensors", "classifier.json"])
        let adapterFile = try SafeTensorsFile(path: directory + "/adapter_model.safetensors")
        #expect(Set(adapterFile.names) == Set(Self.adapterKeys(prefix: "", usesDoRA: true)))
        #expect(adapterFile.metadata == ["format": "pt"])
        let head = try SafeTensorsFile(path: directory + "/head.safetensors")
        #expect(Set(head.names) == ["head.weight", "head.bias"])
        #expect(try head.info(named: "head.weight").shape == [3, 32])
        #expect(try head.floats(named: "head.weight") == classifier.head.weight.scalars)
        let config = try Self.jsonObject(directory + "/adapter_config.json")
        #expect(config["task_type"] is NSNull && config["modules_to_save"] is NSNull)
        #expect(config["target_modules"] as? [String] == ["query", "value"])
        let description = try Self.jsonObject(directory + "/classifier.json")
        #expect(description["kind"] as? String == "mean" && description["labels"] as? [String] == ["a", "b", "c"])
    }

    /// cls: PEFT's keys for BertForSequenceClassification with task_type SEQ_CLS: adapters
    /// under `base_model.model.bert.`, the classifier through `modules_to_save` as
    /// `base_model.model.classifier.weight`/`.bias` (PEFT's ModulesToSaveWrapper keys).
    @Test func aClsDirectoryHasPEFTsSequenceClassificationKeys() throws {
        let (classifier, _) = try Self.trainedClassifier(kind: .cls, usesDoRA: false, classCount: 2)
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try classifier.save(to: directory, labels: ["negative", "positive"])
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory))
                == ["adapter_config.json", "adapter_model.safetensors", "classifier.json"])
        let adapterFile = try SafeTensorsFile(path: directory + "/adapter_model.safetensors")
        let expected = Self.adapterKeys(prefix: "bert.", usesDoRA: false) + ["base_model.model.classifier.weight", "base_model.model.classifier.bias"]
        #expect(Set(adapterFile.names) == Set(expected))
        #expect(try adapterFile.info(named: "base_model.model.classifier.weight").shape == [2, 32])
        #expect(try adapterFile.floats(named: "base_model.model.classifier.bias") == classifier.head.bias?.scalars)
        let config = try Self.jsonObject(directory + "/adapter_config.json")
        #expect(config["task_type"] as? String == "SEQ_CLS")
        #expect(config["modules_to_save"] as? [String] == ["classifier", "score"])
        #expect(config["peft_type"] as? String == "LORA" && config["r"] as? Int == 2 && config["lora_alpha"] as? Int == 5)
    }

    /// Every broken file gives a typed error naming it (and the key).
    @Test func brokenDirectoriesGiveTypedErrorsNamingTheFileAndKey() throws {
        let (mean, weights) = try Self.trainedClassifier(kind: .mean, usesDoRA: false)
        let (cls, _) = try Self.trainedClassifier(kind: .cls, usesDoRA: false)
        let labels = ["x", "y", "z"]
        #expect(throws: BERTClassifierError.invalidLabels(reason: "2 labels for a classifier of 3 classes")) {
            try mean.save(to: Self.temporaryDirectory(), labels: ["x", "y"])
        }
        #expect(throws: BERTClassifierError.invalidLabels(reason: "'x' appears more than once")) {
            try mean.save(to: Self.temporaryDirectory(), labels: ["x", "y", "x"])
        }

        /// A fresh saved directory of `classifier`, broken by `damage`, must fail to load with `error`.
        func expectFailure(_ classifier: BERTSequenceClassifier, _ what: String, damage: (String) throws -> Void,
                           matches: (any Error, String) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let directory = Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try classifier.save(to: directory, labels: labels)
            try damage(directory)
            do {
                _ = try BERTSequenceClassifier.load(from: directory, weights: weights)
                Issue.record("\(what): loaded", sourceLocation: sourceLocation)
            } catch {
                #expect(matches(error, directory), "\(what): \(error)", sourceLocation: sourceLocation)
            }
        }
        let fileManager = FileManager.default

        try expectFailure(mean, "no classifier.json", damage: { try fileManager.removeItem(atPath: $0 + "/classifier.json") }) { error, directory in
            error as? BERTClassifierError == .missingFile(path: directory + "/classifier.json")
        }
        try expectFailure(mean, "unknown kind", damage: { directory in
            var object = try Self.jsonObject(directory + "/classifier.json")
            object["kind"] = "pooled"
            try Self.writeJSON(object, to: directory + "/classifier.json")
        }) { error, directory in
            error as? BERTClassifierError == .invalidValue(path: directory + "/classifier.json", key: "kind", expected: "'mean' or 'cls'", found: "pooled")
        }
        try expectFailure(mean, "duplicate labels", damage: { directory in
            var object = try Self.jsonObject(directory + "/classifier.json")
            object["labels"] = ["x", "x", "z"]
            try Self.writeJSON(object, to: directory + "/classifier.json")
        }) { error, directory in
            guard case let .invalidValue(path, key, _, _) = error as? BERTClassifierError else { return false }
            return path == directory + "/classifier.json" && key == "labels"
        }
        try expectFailure(mean, "not JSON", damage: { try "{".write(toFile: $0 + "/classifier.json", atomically: true, encoding: .utf8) }) { error, directory in
            error as? BERTClassifierError == .invalidFile(path: directory + "/classifier.json", reason: "it is not a JSON object")
        }
        try expectFailure(mean, "no head", damage: { try fileManager.removeItem(atPath: $0 + "/head.safetensors") }) { error, directory in
            error as? BERTClassifierError == .missingFile(path: directory + "/head.safetensors")
        }
        try expectFailure(mean, "head of another shape", damage: { directory in
            var writer = SafeTensorsWriter()
            try writer.addTensor(named: "head.weight", shape: [3, 31], floats: [Float](repeating: 0, count: 93))
            try writer.addTensor(named: "head.bias", shape: [3], floats: [0, 0, 0])
            try writer.write(toPath: directory + "/head.safetensors")
        }) { error, directory in
            error as? BERTClassifierError == .headMismatch(path: directory + "/head.safetensors", key: "head.weight", expected: "shape [3, 32]", found: "shape [3, 31]")
        }
        try expectFailure(mean, "head with NaN", damage: { directory in
            var writer = SafeTensorsWriter()
            try writer.addTensor(named: "head.weight", shape: [3, 32], floats: [Float](repeating: .nan, count: 96))
            try writer.addTensor(named: "head.bias", shape: [3], floats: [0, 0, 0])
            try writer.write(toPath: directory + "/head.safetensors")
        }) { error, directory in
            error as? BERTClassifierError == .nonFiniteValues(path: directory + "/head.safetensors", key: "head.weight")
        }
        try expectFailure(mean, "no adapter file", damage: { try fileManager.removeItem(atPath: $0 + "/adapter_model.safetensors") }) { error, directory in
            error as? PEFTFormatError == .missingFile(path: directory + "/adapter_model.safetensors")
        }
        try expectFailure(mean, "no adapter config", damage: { try fileManager.removeItem(atPath: $0 + "/adapter_config.json") }) { error, directory in
            error as? PEFTFormatError == .missingFile(path: directory + "/adapter_config.json")
        }
        try expectFailure(cls, "cls without SEQ_CLS", damage: { directory in
            var object = try Self.jsonObject(directory + "/adapter_config.json")
            object["task_type"] = NSNull()
            try Self.writeJSON(object, to: directory + "/adapter_config.json")
        }) { error, directory in
            guard case let .invalidValue(path, key, _, found) = error as? BERTClassifierError else { return false }
            return path == directory + "/adapter_config.json" && key == "task_type" && found == "null"
        }
        try expectFailure(cls, "cls without the classifier saved", damage: { directory in
            var object = try Self.jsonObject(directory + "/adapter_config.json")
            object["modules_to_save"] = ["score"]
            try Self.writeJSON(object, to: directory + "/adapter_config.json")
        }) { error, directory in
            guard case let .invalidValue(path, key, _, _) = error as? BERTClassifierError else { return false }
            return path == directory + "/adapter_config.json" && key == "modules_to_save"
        }
        try expectFailure(cls, "more labels than classifier rows", damage: { directory in
            var object = try Self.jsonObject(directory + "/classifier.json")
            object["labels"] = ["x", "y", "z", "w"]
            try Self.writeJSON(object, to: directory + "/classifier.json")
        }) { error, directory in
            error as? PEFTFormatError == .shapeMismatch(path: directory + "/adapter_model.safetensors", key: "base_model.model.classifier.weight",
                                                        expected: [4, 32], found: [3, 32])
        }
        try expectFailure(cls, "classifier tensor missing", damage: { directory in
            let file = try SafeTensorsFile(path: directory + "/adapter_model.safetensors")
            var writer = SafeTensorsWriter(metadata: ["format": "pt"])
            for name in file.names where name != "base_model.model.classifier.bias" {
                try writer.addTensor(named: name, shape: try file.info(named: name).shape, floats: try file.floats(named: name))
            }
            try writer.write(toPath: directory + "/adapter_model.safetensors")
        }) { error, directory in
            error as? PEFTFormatError == .missingKeys(path: directory + "/adapter_model.safetensors", keys: ["base_model.model.classifier.bias"])
        }
        try expectFailure(mean, "a mean directory given a cls adapter file", damage: { directory in
            var object = try Self.jsonObject(directory + "/adapter_config.json")
            object["modules_to_save"] = ["classifier", "score"]
            try Self.writeJSON(object, to: directory + "/adapter_config.json")
        }) { error, directory in
            guard case let .invalidValue(path, key, _, _) = error as? BERTClassifierError else { return false }
            return path == directory + "/adapter_config.json" && key == "modules_to_save"
        }
        #expect(throws: BERTClassifierError.missingFile(path: "/nonexistent-classifier/classifier.json")) {
            try BERTSequenceClassifier.load(from: "/nonexistent-classifier", weights: weights)
        }
    }
}
