import Foundation
import SafeTensors
import TensorCore
import TestSupport
import Transformers

/// A small random BERT model folder (`config.json` + `model.safetensors`) written by a test:
/// 2 layers, hidden 32, 4 heads, intermediate 64, vocabulary 50, 16 positions.
struct RandomBERTFolder {
    static let configuration = BERTConfiguration(vocabularySize: 50, hiddenSize: 32, layerCount: 2, attentionHeadCount: 4,
                                                 intermediateSize: 64, maximumPositions: 16, typeVocabularySize: 2,
                                                 layerNormEpsilon: 1e-12, paddingTokenID: 0)

    static let configJSON = """
    {"architectures": ["BertModel"], "model_type": "bert", "vocab_size": 50, "hidden_size": 32, "num_hidden_layers": 2,
     "num_attention_heads": 4, "intermediate_size": 64, "max_position_embeddings": 16, "type_vocab_size": 2,
     "layer_norm_eps": 1e-12, "hidden_act": "gelu", "pad_token_id": 0, "position_embedding_type": "absolute",
     "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1}
    """

    /// Every tensor name (without prefix) and shape of the random model, pooler included.
    static var tensorShapes: [(name: String, shape: [Int])] {
        var shapes: [(String, [Int])] = [
            ("embeddings.word_embeddings.weight", [50, 32]), ("embeddings.position_embeddings.weight", [16, 32]),
            ("embeddings.token_type_embeddings.weight", [2, 32]),
            ("embeddings.LayerNorm.weight", [32]), ("embeddings.LayerNorm.bias", [32]),
        ]
        for layer in 0..<2 {
            let base = "encoder.layer.\(layer)."
            for name in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"] {
                shapes.append((base + name + ".weight", [32, 32]))
                shapes.append((base + name + ".bias", [32]))
            }
            shapes.append((base + "attention.output.LayerNorm.weight", [32]))
            shapes.append((base + "attention.output.LayerNorm.bias", [32]))
            shapes.append((base + "intermediate.dense.weight", [64, 32]))
            shapes.append((base + "intermediate.dense.bias", [64]))
            shapes.append((base + "output.dense.weight", [32, 64]))
            shapes.append((base + "output.dense.bias", [32]))
            shapes.append((base + "output.LayerNorm.weight", [32]))
            shapes.append((base + "output.LayerNorm.bias", [32]))
        }
        shapes.append(("pooler.dense.weight", [32, 32]))
        shapes.append(("pooler.dense.bias", [32]))
        return shapes
    }

    /// Seeded random values for each tensor, by name without prefix.
    static var values: [String: [Float]] {
        var result: [String: [Float]] = [:]
        for (index, entry) in tensorShapes.enumerated() {
            result[entry.name] = TestTensors.random(Shape(entry.shape), seed: UInt64(100 + index)).scalars
        }
        return result
    }

    let path: String

    /// Writes the folder. `edit` may drop or change tensors (name without prefix → values and
    /// shape, nil to drop) before writing.
    init(dtype: SafeTensorsDType = .f32, prefix: String = "", config: String = RandomBERTFolder.configJSON,
         extraTensors: Bool = false,
         edit: (inout [String: (shape: [Int], values: [Float])?]) -> Void = { _ in }) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("random-bert-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try config.write(toFile: path + "/config.json", atomically: true, encoding: .utf8)
        let values = Self.values
        var tensors: [String: (shape: [Int], values: [Float])?] = [:]
        for (name, shape) in Self.tensorShapes { tensors[name] = (shape, values[name]!) }
        edit(&tensors)
        var writer = SafeTensorsWriter()
        for (name, entry) in tensors.sorted(by: { $0.key < $1.key }) {
            guard let entry else { continue }
            try writer.addTensor(named: prefix + name, shape: entry.shape, floats: entry.values, as: dtype)
        }
        if extraTensors {
            try writer.addTensor(named: prefix + "embeddings.position_ids", shape: [1, 16], int64s: (0..<16).map(Int64.init))
            try writer.addTensor(named: "classifier.weight", shape: [3, 32], floats: [Float](repeating: 0.5, count: 96))
        }
        try writer.write(toPath: path + "/model.safetensors")
    }
}
