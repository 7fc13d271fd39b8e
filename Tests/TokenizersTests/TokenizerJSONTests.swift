import Foundation
import Testing
import Tokenizers

/// `tokenizer.json` written by the test: the normalizer's flags and the model's settings
/// are read, and files of another kind are typed errors naming the file and the field.
struct TokenizerJSONTests {
    static func file(normalizer: String = ###"{"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true}"###,
                     model: String = ###"{"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 5, "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "ab": 4, "##c": 5, "Ab": 6, "é": 7}}"###,
                     preTokenizer: String = ###"{"type": "BertPreTokenizer"}"###) throws -> String {
        let json = """
        {"version": "1.0", "truncation": null, "padding": null, "normalizer": \(normalizer), "pre_tokenizer": \(preTokenizer),
         "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]}, "model": \(model)}
        """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizer-\(UUID().uuidString).json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func readsTheModelAndTheNormalizerFlags() throws {
        let tokenizer = try WordPieceTokenizer(tokenizerJSONFile: try Self.file())
        #expect(tokenizer.maximumCharactersPerWord == 5)
        #expect(try tokenizer.encode("ABC abcabc").ids == [2, 4, 5, 1, 3])
        let cased = try WordPieceTokenizer(tokenizerJSONFile: try Self.file(
            normalizer: ###"{"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": false, "lowercase": false}"###))
        #expect(cased.normalizer == BERTNormalizer(stripsAccents: false, lowercases: false))
        #expect(try cased.encode("Ab é").ids == [2, 6, 7, 3])
    }

    @Test func anotherNormalizerOrModelIsUnsupported() throws {
        let path = try Self.file(normalizer: ###"{"type": "NFKC"}"###)
        #expect(throws: TokenizerError.unsupportedTokenizer(path: path, field: "normalizer.type", found: "'NFKC'")) {
            try WordPieceTokenizer(tokenizerJSONFile: path)
        }
        let bpe = try Self.file(model: ###"{"type": "BPE", "vocab": {}}"###)
        #expect(throws: TokenizerError.unsupportedTokenizer(path: bpe, field: "model.type", found: "'BPE'")) {
            try WordPieceTokenizer(tokenizerJSONFile: bpe)
        }
    }

    @Test func badFieldsAreTypedErrors() throws {
        let noVocabulary = try Self.file(model: ###"{"type": "WordPiece"}"###)
        #expect(throws: TokenizerError.invalidTokenizerJSON(path: noVocabulary, field: "model.vocab", expected: "an object mapping tokens to ids")) {
            try WordPieceTokenizer(tokenizerJSONFile: noVocabulary)
        }
        let duplicateID = try Self.file(model: ###"{"type": "WordPiece", "vocab": {"[UNK]": 1, "b": 1}}"###)
        #expect(throws: TokenizerError.self) { try WordPieceTokenizer(tokenizerJSONFile: duplicateID) }
        let lowercaseString = try Self.file(normalizer: ###"{"type": "BertNormalizer", "lowercase": "yes"}"###)
        #expect(throws: TokenizerError.invalidTokenizerJSON(path: lowercaseString, field: "normalizer.lowercase", expected: "true, false or null")) {
            try WordPieceTokenizer(tokenizerJSONFile: lowercaseString)
        }
        let notJSON = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizer-\(UUID().uuidString).json").path
        try "{not json".write(toFile: notJSON, atomically: true, encoding: .utf8)
        #expect(throws: TokenizerError.invalidTokenizerJSON(path: notJSON, field: "(file)", expected: "a JSON object")) {
            try WordPieceTokenizer(tokenizerJSONFile: notJSON)
        }
    }

    @Test func aFolderWithoutTokenizerFilesIsAnError() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("empty-model-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        #expect(throws: TokenizerError.noTokenizerFile(folder: folder)) { try WordPieceTokenizer(modelFolder: folder) }
    }
}
