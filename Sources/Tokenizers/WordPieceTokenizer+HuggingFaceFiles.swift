import Foundation

extension WordPieceTokenizer {
    /// A tokenizer from a Hugging Face `tokenizer.json` of a BERT tokenizer: the normalizer's
    /// flags (`clean_text`, `handle_chinese_chars`, `strip_accents`, `lowercase`), the model's
    /// vocabulary, unknown token, continuation prefix and word length limit, the special
    /// tokens of the post-processor and the padding token. Its `truncation` and `padding`
    /// settings are not applied (as AutoTokenizer ignores them unless asked): pass
    /// `maximumLength` when encoding.
    public init(tokenizerJSONFile path: String) throws(TokenizerError) {
        let data = try WordPieceVocabulary.readBytes(path)
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
            throw .invalidTokenizerJSON(path: path, field: "(file)", expected: "a JSON object")
        }
        guard let root = parsed as? [String: Any] else {
            throw .invalidTokenizerJSON(path: path, field: "(file)", expected: "a JSON object")
        }
        let fields = JSONFields(path: path)

        let normalizerObject = try fields.object(root, "normalizer")
        try fields.requireType(normalizerObject, "normalizer", "BertNormalizer")
        let normalizer = BERTNormalizer(
            cleansText: try fields.bool(normalizerObject, "normalizer.clean_text", key: "clean_text") ?? true,
            separatesChineseCharacters: try fields.bool(normalizerObject, "normalizer.handle_chinese_chars", key: "handle_chinese_chars") ?? true,
            stripsAccents: try fields.bool(normalizerObject, "normalizer.strip_accents", key: "strip_accents"),
            lowercases: try fields.bool(normalizerObject, "normalizer.lowercase", key: "lowercase") ?? true)

        let preTokenizer = try fields.object(root, "pre_tokenizer")
        try fields.requireType(preTokenizer, "pre_tokenizer", "BertPreTokenizer")

        let model = try fields.object(root, "model")
        try fields.requireType(model, "model", "WordPiece")
        guard let vocabularyObject = model["vocab"] as? [String: Any] else {
            throw .invalidTokenizerJSON(path: path, field: "model.vocab", expected: "an object mapping tokens to ids")
        }
        var entries: [(token: String, id: Int)] = []
        entries.reserveCapacity(vocabularyObject.count)
        for (token, value) in vocabularyObject {
            guard let id = value as? Int else {
                throw .invalidTokenizerJSON(path: path, field: "model.vocab[\"\(token)\"]", expected: "an integer id")
            }
            entries.append((token, id))
        }
        let vocabulary = try WordPieceVocabulary(entries: entries, source: path)
        let unknownToken = try fields.string(model, "model.unk_token", key: "unk_token") ?? "[UNK]"
        let prefix = try fields.string(model, "model.continuing_subword_prefix", key: "continuing_subword_prefix") ?? "##"
        let maximumCharacters = try fields.int(model, "model.max_input_chars_per_word", key: "max_input_chars_per_word") ?? 100

        var classificationToken = "[CLS]", separatorToken = "[SEP]", paddingToken = "[PAD]"
        if let processor = root["post_processor"] as? [String: Any] {
            switch processor["type"] as? String {
            case "BertProcessing":
                if let cls = (processor["cls"] as? [Any])?.first as? String { classificationToken = cls }
                if let sep = (processor["sep"] as? [Any])?.first as? String { separatorToken = sep }
            case "TemplateProcessing":
                let special = ((processor["single"] as? [Any]) ?? []).compactMap {
                    (($0 as? [String: Any])?["SpecialToken"] as? [String: Any])?["id"] as? String
                }
                if special.count == 2 { classificationToken = special[0]; separatorToken = special[1] }
            default:
                break
            }
        }
        if let padding = root["padding"] as? [String: Any], let token = padding["pad_token"] as? String { paddingToken = token }

        try self.init(vocabulary: vocabulary, normalizer: normalizer, continuationPrefix: prefix,
                      maximumCharactersPerWord: maximumCharacters, unknownToken: unknownToken,
                      classificationToken: classificationToken, separatorToken: separatorToken,
                      paddingToken: paddingToken, source: path)
    }

    /// The tokenizer of a Hugging Face model folder: `tokenizer.json` when the folder has one,
    /// else `vocab.txt` with uncased BERT's normalisation.
    public init(modelFolder folder: String) throws(TokenizerError) {
        let json = (folder as NSString).appendingPathComponent("tokenizer.json")
        let vocabulary = (folder as NSString).appendingPathComponent("vocab.txt")
        if FileManager.default.fileExists(atPath: json) {
            try self.init(tokenizerJSONFile: json)
        } else if FileManager.default.fileExists(atPath: vocabulary) {
            try self.init(vocabularyFile: vocabulary)
        } else {
            throw .noTokenizerFile(folder: folder)
        }
    }
}

/// Typed reads of `tokenizer.json` fields, with errors naming the file and the field.
private struct JSONFields {
    let path: String

    func object(_ parent: [String: Any], _ key: String) throws(TokenizerError) -> [String: Any] {
        guard let value = parent[key] as? [String: Any] else {
            throw .invalidTokenizerJSON(path: path, field: key, expected: "an object")
        }
        return value
    }

    func requireType(_ object: [String: Any], _ field: String, _ expected: String) throws(TokenizerError) {
        let type = object["type"] as? String
        guard type == expected else {
            throw .unsupportedTokenizer(path: path, field: field + ".type", found: type.map { "'\($0)'" } ?? "nothing")
        }
    }

    /// nil when the key is absent or null.
    func bool(_ object: [String: Any], _ field: String, key: String) throws(TokenizerError) -> Bool? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let flag = value as? Bool else {
            throw .invalidTokenizerJSON(path: path, field: field, expected: "true, false or null")
        }
        return flag
    }

    func string(_ object: [String: Any], _ field: String, key: String) throws(TokenizerError) -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let string = value as? String else { throw .invalidTokenizerJSON(path: path, field: field, expected: "a string") }
        return string
    }

    func int(_ object: [String: Any], _ field: String, key: String) throws(TokenizerError) -> Int? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let int = value as? Int, int > 0 else { throw .invalidTokenizerJSON(path: path, field: field, expected: "a positive integer") }
        return int
    }
}
