import ArgumentParser
import Foundation
import Tokenizers
import Transformers

extension BERTSequenceClassifier.Kind: ExpressibleByArgument {}

/// The Hugging Face model folder and how texts are cut for it.
struct TextModelOptions: ParsableArguments {
    @Option(name: .long, help: "A Hugging Face BERT model folder: config.json, model.safetensors, and vocab.txt or tokenizer.json.")
    var model: String

    @Option(name: .long, parsing: .unconditional, help: "Tokens per text at most, [CLS] and [SEP] included (longer texts are truncated).")
    var maxLength: Int = 64

    func validate() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory) else {
            throw ValidationError("--model '\(model)' does not exist.")
        }
        guard isDirectory.boolValue else {
            throw ValidationError("--model '\(model)' is a file; the text commands take a Hugging Face model folder "
                                  + "(config.json, model.safetensors, vocab.txt or tokenizer.json).")
        }
        guard FileManager.default.fileExists(atPath: model + "/config.json") else {
            throw ValidationError("--model '\(model)' is not a Hugging Face model folder: it has no config.json.")
        }
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2 ([CLS] and [SEP]), got \(maxLength).") }
    }

    /// The folder's weights and tokenizer.
    func load() throws -> (weights: BERTWeights, tokenizer: WordPieceTokenizer) {
        try Self.load(model: model, maxLength: maxLength)
    }

    /// The weights and tokenizer of the folder `model`, checked against `maxLength`.
    static func load(model: String, maxLength: Int) throws -> (weights: BERTWeights, tokenizer: WordPieceTokenizer) {
        let tokenizer = try WordPieceTokenizer(modelFolder: model)
        let weights = try BERTWeights(modelFolder: model)
        guard maxLength <= weights.configuration.maximumPositions else {
            throw ValidationError("--max-length \(maxLength) is more than the model's \(weights.configuration.maximumPositions) positions "
                                  + "(max_position_embeddings in \(model)/config.json).")
        }
        return (weights, tokenizer)
    }
}
