import Foundation
import Testing
import SafeTensors
import TensorCore
import TestSupport
import Transformers

/// One MiniLM fixture folder (`Fixtures/minilm`, a bundled extra set, or the folder named by
/// `MINILM_FIXTURES`): its batch (`encoder.safetensors`), head (`head.safetensors`) and
/// adapter folders, with the batch shape read from the files.
struct MiniLMFixtureFolder: Sendable, CustomTestStringConvertible {
    let url: URL
    var path: String { url.path }
    var testDescription: String { url.lastPathComponent }

    /// ``MiniLMFixtures/directories`` as folders.
    static var all: [MiniLMFixtureFolder] { MiniLMFixtures.directories.map(MiniLMFixtureFolder.init(url:)) }

    func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// `encoder.safetensors`.
    func encoderFile() throws -> SafeTensorsFile { try SafeTensorsFile(path: file("encoder.safetensors")) }

    /// `[batch, tokens]` of the fixture batch.
    func batchShape() throws -> (batch: Int, tokens: Int) {
        let shape = try encoderFile().info(named: "input_ids").shape
        return (shape[0], shape[1])
    }

    /// The fixture batch as encoder input.
    func input() throws -> BERTEncoderInput {
        let encoder = try encoderFile(), (batch, tokens) = try batchShape()
        return BERTEncoderInput(tokenIDs: try IndexTensor(shape: [batch, tokens], values: try encoder.int64s(named: "input_ids").map { Int($0) }),
                                attentionMask: try Tensor(shape: [batch, tokens], values: try encoder.int64s(named: "attention_mask").map { Float($0) }))
    }

    /// An activation of `encoder.safetensors` with its stored shape.
    func activation(_ name: String) throws -> Tensor {
        let encoder = try encoderFile()
        return try Tensor(shape: Shape.validated(try encoder.info(named: name).shape), values: try encoder.floats(named: name))
    }

    /// The sentences of the batch (metadata `sentences`).
    func sentences() throws -> [String] {
        let text = try encoderFile().metadata["sentences"] ?? "[]"
        return (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String]) ?? []
    }

    /// The truncation used for the batch: metadata `max_length`, else 128 (the first set's).
    func maximumLength() throws -> Int {
        try encoderFile().metadata["max_length"].flatMap { Int($0) } ?? 128
    }

    /// The shared head's weight `[classes, hidden]`, bias and the batch's labels.
    func head() throws -> (weight: Tensor, bias: Tensor, labels: [Int]) {
        let head = try SafeTensorsFile(path: file("head.safetensors"))
        let shape = try head.info(named: "head.weight").shape
        return (try Tensor(shape: Shape.validated(shape), values: try head.floats(named: "head.weight"), requiresGradient: true),
                try Tensor(shape: [shape[0]], values: try head.floats(named: "head.bias"), requiresGradient: true),
                try head.int64s(named: "labels").map { Int($0) })
    }

    /// Every subfolder holding an `adapter_config.json`, sorted.
    func adapterFolders() -> [MiniLMAdapterFolder] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().filter { FileManager.default.fileExists(atPath: file($0 + "/adapter_config.json")) }
            .map { MiniLMAdapterFolder(fixtures: self, name: $0) }
    }

    /// The adapter folders of every fixture folder.
    static var allAdapterFolders: [MiniLMAdapterFolder] { all.flatMap { $0.adapterFolders() } }
}

/// One adapter folder of a MiniLM fixture folder: a mean-pooling adapter of the bare
/// `BertModel` (`task_type` null), or a `BertForSequenceClassification` `SEQ_CLS` adapter
/// (`task_type` `"SEQ_CLS"`, the classifier saved through `modules_to_save`).
struct MiniLMAdapterFolder: Sendable, CustomTestStringConvertible {
    let fixtures: MiniLMFixtureFolder
    let name: String
    var path: String { fixtures.file(name) }
    var testDescription: String { fixtures.testDescription + "/" + name }

    /// Whether `adapter_config.json` says `task_type` `"SEQ_CLS"`.
    func isSequenceClassification() throws -> Bool {
        let data = try Data(contentsOf: URL(fileURLWithPath: path + "/adapter_config.json"))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return object?["task_type"] as? String == "SEQ_CLS"
    }
}
