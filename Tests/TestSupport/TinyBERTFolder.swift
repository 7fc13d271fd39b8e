import Foundation
import SafeTensors
import TensorCore

/// A small random BERT model folder as Hugging Face lays one out (`config.json`,
/// `model.safetensors`, `vocab.txt`), written by a test so that text commands and sessions
/// run end to end in a moment: 2 layers, hidden 32, 4 heads, intermediate 64, 32 positions,
/// and a vocabulary of the special tokens plus ``words`` (lowercase, whole words).
public struct TinyBERTFolder {
    /// The words of the vocabulary after `[PAD] [UNK] [CLS] [SEP] [MASK]` (ids 5…).
    public static let words = [
        "good", "great", "happy", "love", "nice", "bad", "awful", "sad", "hate", "poor",
        "the", "a", "table", "chair", "is", "was", "it", "this", "day", "film",
        "very", "not", "and", "so", "of",
    ]
    public static let hiddenSize = 32
    public static let layerCount = 2
    public static let maximumPositions = 32

    public static let configJSON = """
    {"architectures": ["BertModel"], "model_type": "bert", "vocab_size": \(5 + words.count), "hidden_size": 32,
     "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64, "max_position_embeddings": 32,
     "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu", "pad_token_id": 0,
     "position_embedding_type": "absolute", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1}
    """

    /// The folder's path.
    public let path: String

    /// Writes the folder into a new temporary directory (or `directory`), weights drawn from `seed`.
    public init(directory: String? = nil, seed: UInt64 = 7) throws {
        path = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("tiny-bert-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Self.configJSON.write(toFile: path + "/config.json", atomically: true, encoding: .utf8)
        try (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + Self.words).joined(separator: "\n")
            .appending("\n").write(toFile: path + "/vocab.txt", atomically: true, encoding: .utf8)
        var generator = RandomGenerator(seed: seed)
        var writer = SafeTensorsWriter()
        for (name, shape) in Self.tensorShapes {
            let count = shape.reduce(1, *)
            let isNorm = name.contains("LayerNorm")
            let values: [Float] = (0..<count).map { _ in
                let u = generator.nextFloat(in: -1, 1)
                return isNorm && name.hasSuffix(".weight") ? 1 + 0.1 * u : (isNorm ? 0.1 * u : 0.3 * u)
            }
            try writer.addTensor(named: name, shape: shape, floats: values)
        }
        try writer.write(toPath: path + "/model.safetensors")
    }

    /// Removes the folder.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Every tensor of `BertModel` (pooler included) with its shape.
    static var tensorShapes: [(String, [Int])] {
        let hidden = hiddenSize, vocabulary = 5 + words.count
        var shapes: [(String, [Int])] = [
            ("embeddings.word_embeddings.weight", [vocabulary, hidden]),
            ("embeddings.position_embeddings.weight", [maximumPositions, hidden]),
            ("embeddings.token_type_embeddings.weight", [2, hidden]),
            ("embeddings.LayerNorm.weight", [hidden]), ("embeddings.LayerNorm.bias", [hidden]),
        ]
        for layer in 0..<layerCount {
            let base = "encoder.layer.\(layer)."
            for name in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"] {
                shapes += [(base + name + ".weight", [hidden, hidden]), (base + name + ".bias", [hidden])]
            }
            shapes += [(base + "attention.output.LayerNorm.weight", [hidden]), (base + "attention.output.LayerNorm.bias", [hidden]),
                       (base + "intermediate.dense.weight", [64, hidden]), (base + "intermediate.dense.bias", [64]),
                       (base + "output.dense.weight", [hidden, 64]), (base + "output.dense.bias", [hidden]),
                       (base + "output.LayerNorm.weight", [hidden]), (base + "output.LayerNorm.bias", [hidden])]
        }
        shapes += [("pooler.dense.weight", [hidden, hidden]), ("pooler.dense.bias", [hidden])]
        return shapes
    }

    /// `count` short labelled sentences from the vocabulary, seeded: `positive` ones hold a
    /// word from the first five, `negative` from the next five, `neutral` none of either;
    /// rows cycle through the three classes in a seeded order.
    public static func sentences(count: Int, seed: UInt64 = 3) -> [(text: String, label: String)] {
        var generator = RandomGenerator(seed: seed)
        func pick(_ range: Range<Int>) -> String { words[range.lowerBound + Int(generator.next() % UInt64(range.count))] }
        var rows: [(String, String)] = []
        for _ in 0..<count {
            let kind = Int(generator.next() % 3)
            var sentence = [pick(10..<25), pick(10..<25)]
            switch kind {
            case 0: sentence.insert(pick(0..<5), at: Int(generator.next() % 3))
            case 1: sentence.insert(pick(5..<10), at: Int(generator.next() % 3))
            default: sentence.append(pick(10..<25))
            }
            if generator.next() % 2 == 0 { sentence.append(pick(10..<25)) }
            rows.append((sentence.joined(separator: " "), ["positive", "negative", "neutral"][kind]))
        }
        return rows
    }
}
