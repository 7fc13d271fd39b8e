import Foundation
import Adapters
import NN
import SafeTensors
import Testing
import TensorCore
import TestSupport
import Transformers

/// The fixtures' PEFT 0.21.2 LoRA and DoRA adapters (`Fixtures/minilm/lora`, `…/dora`: rank 8,
/// alpha 16 on every `query` and `value`) loaded by ``PEFTAdapterDirectory`` into the real
/// all-MiniLM-L6-v2 encoder, with the fixtures' mean-pooling classifier
///
/// ```
/// pooled[b] = Σ_t mask[b,t]·x[b,t] / max(Σ_t mask[b,t], 1e-9)     [4, 384]  (x = last hidden state)
/// logits    = pooled·headᵀ + bias                                  [4, 3]
/// loss      = cross_entropy(logits, labels = [0, 2, 1, 0])          (mean over the rows)
/// ```
///
/// give PEFT's logits, loss and every gradient the fixture stores (each adapter tensor and
/// the head's weight and bias), each within 1e-4 of the tensor's largest magnitude.
@Suite(.enabled(if: MiniLMFixtures.modelFolder != nil, Comment(rawValue: MiniLMFixtures.skipReason)))
struct MiniLMPEFTParityTests {
    /// `max |actual − expected| / max |expected|` over a whole tensor.
    static func relativeDifference(_ actual: [Float], _ expected: [Float]) -> Float {
        precondition(actual.count == expected.count, "\(actual.count) values against \(expected.count)")
        let difference = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
        let magnitude = expected.map { abs($0) }.max() ?? 0
        return difference / max(magnitude, .leastNormalMagnitude)
    }

    @Test(arguments: ["lora", "dora"])
    func theAdaptedEncoderMatchesPEFT(_ adapterName: String) throws {
        let (encoder, input) = try MiniLMEncoderTests.encoderAndInput()
        let directory = MiniLMFixtures.path(adapterName)
        let (configuration, adapters) = try PEFTAdapterDirectory.load(from: directory, into: encoder)
        #expect(configuration.rank == 8 && configuration.alpha == 16 && configuration.usesDoRA == (adapterName == "dora"))
        #expect(adapters.count == 12)
        AdapterInjection.setTraining(false, in: encoder)

        let headFile = try SafeTensorsFile(path: MiniLMFixtures.path("head.safetensors"))
        let head = try Linear(weight: try Tensor(shape: [3, 384], values: try headFile.floats(named: "head.weight"), requiresGradient: true),
                              bias: try Tensor(shape: [3], values: try headFile.floats(named: "head.bias"), requiresGradient: true))
        let labels = try headFile.int64s(named: "labels").map { Int($0) }
        #expect(labels == [0, 2, 1, 0])

        let expected = try SafeTensorsFile(path: directory + "/expected.safetensors")
        func compare(_ actual: [Float], _ key: String) throws {
            let difference = Self.relativeDifference(actual, try expected.floats(named: key))
            #expect(difference < 1e-4, "\(adapterName) \(key): relative difference \(difference)")
        }

        let pooled = try Tensor.maskedMeanPooling(try encoder(input), mask: input.attentionMask)
        try compare(pooled.scalars, "pooled")
        let logits = try head(pooled)
        try compare(logits.scalars, "logits")
        let loss = try Tensor.crossEntropy(logits: logits, targets: labels)
        try compare([loss.scalarValue], "loss")

        loss.backward()
        var gradientKeys: [String] = []
        let adapterTensors = adapters.flatMap { PEFTAdapterDirectory.tensors(of: $0.adapter, at: $0.path) }
        for (key, tensor) in adapterTensors + [("head.weight", head.weight), ("head.bias", try #require(head.bias))] {
            let gradient = try #require(tensor.gradient, "\(key) has no gradient")
            try compare(gradient.scalars, "grad." + key)
            gradientKeys.append("grad." + key)
        }
        // Every gradient the fixture stores was compared (LoRA: 12 × (A, B); DoRA: also m), and the head's two.
        #expect(Set(gradientKeys) == Set(expected.names.filter { $0.hasPrefix("grad.") }))
        #expect(gradientKeys.count == (adapterName == "dora" ? 36 : 24) + 2)
    }
}

/// Every adapter folder of every MiniLM fixture folder (``MiniLMFixtures/directories``: the
/// bundled sets and `MINILM_FIXTURES`), loaded into a ``BERTSequenceClassifier`` on the real
/// encoder: a mean-pooling folder (`task_type` null) into a `mean` classifier with the
/// folder's shared head, a `SEQ_CLS` folder into a `cls` classifier (pooler, tanh,
/// `classifier` from `modules_to_save`). Pooled output, logits, loss and every gradient the
/// folder stores match PEFT within 1e-4 relative; the classifier's own adapter directory
/// holds PEFT's keys with the same values and the same configuration fields.
@Suite(.enabled(if: MiniLMFixtures.modelFolder != nil, Comment(rawValue: MiniLMFixtures.skipReason)))
struct MiniLMAdapterFolderParityTests {
    @Test func everyFixtureFolderHasAdapterFolders() {
        for folder in MiniLMFixtureFolder.all {
            #expect(!folder.adapterFolders().isEmpty, "no adapter folders in \(folder.path)")
        }
        #expect(MiniLMFixtureFolder.all.first?.adapterFolders().map(\.name) == ["dora", "lora"])
    }

    @Test(arguments: MiniLMFixtureFolder.allAdapterFolders)
    func everyAdapterFolderMatchesPEFT(_ folder: MiniLMAdapterFolder) throws {
        let weights = try MiniLMModelTests.weights()
        let input = try folder.fixtures.input()
        let expected = try SafeTensorsFile(path: folder.path + "/expected.safetensors")
        let adapterFile = try SafeTensorsFile(path: folder.path + "/adapter_model.safetensors")
        let isCls = try folder.isSequenceClassification()
        func compare(_ actual: [Float], _ key: String) throws {
            let difference = MiniLMPEFTParityTests.relativeDifference(actual, try expected.floats(named: key))
            #expect(difference < 1e-4, "\(folder.testDescription) \(key): relative difference \(difference)")
        }

        let classifier: BERTSequenceClassifier
        var labels = try folder.fixtures.head().labels
        if isCls {
            let classes = try adapterFile.info(named: "base_model.model.classifier.weight").shape[0]
            classifier = try BERTSequenceClassifier(weights: weights, kind: .cls, classCount: classes, seed: 0)
            try classifier.loadPEFTAdapter(from: folder.path)
            if expected.contains("labels") { labels = try expected.int64s(named: "labels").map { Int($0) } }
        } else {
            let head = try folder.fixtures.head()
            classifier = try BERTSequenceClassifier(weights: weights, kind: .mean, classCount: head.weight.shape[0], seed: 0)
            try classifier.loadPEFTAdapter(from: folder.path)
            try classifier.head.weight.assign(head.weight)
            try #require(classifier.head.bias).assign(head.bias)
        }
        classifier.eval()
        let configuration = try #require(classifier.adapterConfiguration)

        let pooled = try classifier.pooledOutput(input)
        try compare(pooled.scalars, isCls ? "pooler_output" : "pooled")
        if expected.contains("last_hidden_state") {
            // Real tokens only: pad rows are ~10x less stable between two correct implementations.
            let hidden = try classifier.encoder(input).scalars, reference = try expected.floats(named: "last_hidden_state")
            let mask = input.attentionMask.scalars, features = hidden.count / mask.count
            var difference: Float = 0
            for (token, kept) in mask.enumerated() where kept == 1 {
                for d in 0..<features { difference = max(difference, abs(hidden[token * features + d] - reference[token * features + d])) }
            }
            #expect(difference < 1e-3, "\(folder.testDescription) last_hidden_state: \(difference)")
        }
        let logits = try classifier(input)
        try compare(logits.scalars, "logits")
        let loss = try Tensor.crossEntropy(logits: logits, targets: labels)
        try compare([loss.scalarValue], "loss")
        loss.backward()

        // Every tensor of the adapter file by its key, and the mean head under its fixture names.
        var tensors: [String: Tensor] = [:]
        for (path, adapter) in AdapterInjection.adapters(in: classifier.adapterRoot) {
            for (key, tensor) in PEFTAdapterDirectory.tensors(of: adapter, at: path) { tensors[key] = tensor }
        }
        for (key, parameter) in AdapterInjection.savedModuleParameters(of: classifier.adapterRoot, configuration: configuration) {
            tensors[PEFTAdapterDirectory.keyPrefix + key] = parameter
        }
        #expect(Set(tensors.keys) == Set(adapterFile.names), "\(folder.testDescription)")
        if !isCls {
            tensors["head.weight"] = classifier.head.weight
            tensors["head.bias"] = try #require(classifier.head.bias)
        }
        let gradientKeys = expected.names.filter { $0.hasPrefix("grad.") }
        #expect(Set(gradientKeys) == Set(tensors.keys.map { "grad." + $0 }), "\(folder.testDescription)")
        for key in gradientKeys {
            let tensor = try #require(tensors[String(key.dropFirst("grad.".count))], "\(key) has no tensor")
            let gradient = try #require(tensor.gradient, "\(folder.testDescription) \(key) has no gradient")
            try compare(gradient.scalars, key)
        }

        // Saved again by swift-lora: PEFT's keys with the file's values, PEFT's configuration fields.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minilm-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try classifier.save(to: directory, labels: (0..<classifier.classCount).map { "class \($0)" })
        let saved = try SafeTensorsFile(path: directory + "/adapter_model.safetensors")
        #expect(Set(saved.names) == Set(adapterFile.names))
        for name in adapterFile.names {
            #expect(try saved.floats(named: name) == adapterFile.floats(named: name), "\(name)")
        }
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.path + "/adapter_config.json"))) as? [String: Any]
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/adapter_config.json"))) as? [String: Any]
        for key in ["task_type", "modules_to_save", "r", "lora_alpha", "use_dora", "use_rslora", "bias", "layers_to_transform",
                    "rank_pattern", "alpha_pattern", "peft_type", "lora_dropout"] {
            let same = (original?[key] as? NSObject).map { value in (written?[key] as? NSObject).map { value.isEqual($0) } ?? false } ?? (written?[key] == nil)
            #expect(same, "\(folder.testDescription) \(key): \(original?[key] ?? "missing") against \(written?[key] ?? "missing")")
        }
        let targets = { (object: [String: Any]?) -> String in
            (object?["target_modules"] as? [String]).map { "\(Set($0).sorted())" } ?? "\(object?["target_modules"] ?? "missing")"
        }
        #expect(targets(original) == targets(written), "\(folder.testDescription) target_modules")
        let (reloaded, _) = try BERTSequenceClassifier.load(from: directory, weights: weights)
        reloaded.eval()
        #expect(try reloaded(input).scalars == logits.scalars)
    }
}
